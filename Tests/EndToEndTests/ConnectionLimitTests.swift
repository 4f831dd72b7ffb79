import Foundation
import Testing

/// Connection limits across workers sharing the listening socket: a full worker leaves new
/// connections to the others; only when every worker is full is a connection refused, with a
/// 503 naming the limit, and counted.
@Suite("connection limits, end to end", .serialized)
struct ConnectionLimitTests {
    @Test("two workers of two connections each take four WebSockets between them; the fifth gets 503 naming the limit")
    func fullWorkersRefuse() throws {
        let s = ServerUnderTest(workers: 2, extra: ["WS_MAX_CONNECTIONS": "2"])
        try s.start()
        try s.waitHealthy()
        try s.eventually(5, "two running workers") { try s.workers().count == 2 }
        var held: [WebSocketClient] = []
        for i in 0..<4 {
            let ws = try WebSocketClient(port: s.port, path: "/api/v1/websocket/connect")
            #expect(try ws.nextJSON()["type"] as? String == "connected", "connection \(i)")
            held.append(ws)
        }
        let refused = try HTTP.get(port: s.port, path: "/api/v1/health")
        #expect(refused.status == 503 && refused.headers["retry-after"] == "5")
        #expect(refused.text.contains("connection limit (2 per worker)"))
        held.removeLast()
        try s.eventually(5, "a closed connection makes room again") {
            (try? HTTP.get(port: s.port, path: "/api/v1/health"))?.status == 200
        }
        try s.eventually(5, "the refusal counted in /metrics") {
            let refusals = try HTTP.get(port: s.port, path: "/metrics").text.split(separator: "\n")
                .filter { $0.hasPrefix("tterminal_worker_connections_refused_full_total{") }
            return refusals.count == 2 && refusals.compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +) >= 1
        }
        #expect(s.stop() == .exited(0))
    }

    @Test("three workers take WebSockets in turn: none holds more than the lead above another")
    func evenSpread() throws {
        let s = ServerUnderTest(workers: 3, extra: ["ACCEPT_LEAD": "2"])
        try s.start()
        try s.waitHealthy()
        try s.eventually(5, "three running workers") { try s.workers().count == 3 }
        var held: [WebSocketClient] = []
        for i in 0..<45 {
            let ws = try WebSocketClient(port: s.port, path: "/api/v1/websocket/connect")
            #expect(try ws.nextJSON()["type"] as? String == "connected", "connection \(i)")
            held.append(ws)
        }
        // Each worker publishes its count as it changes; status shows them.
        try s.eventually(5, "45 connections over the workers") { try s.workers().map(\.connections).reduce(0, +) == 45 }
        let counts = try s.workers().map(\.connections)
        #expect(counts.max()! - counts.min()! <= 2, "\(counts)")
        #expect(s.stop() == .exited(0))
    }
}
