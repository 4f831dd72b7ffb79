import Foundation
import Testing

/// Connection limits across workers sharing the listening socket: a full worker leaves new
/// connections to the others; only when every worker is full is a connection refused, with a
/// 503 naming the limit, and counted.
@Suite("connection limits, end to end", .serialized)
struct ConnectionLimitTests {
    @Test("two workers of two connections each take four WebSockets between them; the fifth gets 503 naming the limit, while health and metrics still answer")
    func fullWorkersRefuse() throws {
        let s = try serve(workers: 2, extra: ["WS_MAX_CONNECTIONS": "2"])
        var held = try terminals(4, on: s)
        let refused = try HTTP.get(port: s.port, path: "/api/v1/aggregation/stats")
        #expect(refused.status == 503 && refused.headers["retry-after"] == "5")
        #expect(refused.text.contains("connection limit (2 per worker)"))
        let upgrade = try HTTP.exchange(port: s.port, raw: "GET /api/v1/websocket/connect HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                                        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        #expect(upgrade.status == 503)
        for path in ["/api/v1/health", "/metrics", "/api/v1/system/status"] {
            let monitoring = try HTTP.exchange(port: s.port, raw: "GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(monitoring.status == 200 && monitoring.headers["connection"] == "close", "\(path) on a full server: \(monitoring.status)")
        }
        held.removeLast()
        try s.eventually(5, "a closed connection makes room again") {
            (try? HTTP.get(port: s.port, path: "/api/v1/aggregation/stats"))?.status == 200
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
        let s = try serve(workers: 3, extra: ["ACCEPT_LEAD": "2"])
        let held = try terminals(45, on: s)
        // Each worker publishes its count as it changes; status shows them.
        try s.eventually(5, "45 connections over the workers") { try s.workers().map(\.connections).reduce(0, +) == 45 }
        let counts = try s.workers().map(\.connections)
        #expect(counts.max()! - counts.min()! <= 2, "\(counts)")
        #expect(held.count == 45 && s.stop() == .exited(0))
    }

    /// A server with `workers` workers running.
    private func serve(workers: Int, extra: [String: String]) throws -> ServerUnderTest {
        let s = ServerUnderTest(workers: workers, extra: extra)
        try s.start()
        try s.waitHealthy()
        try s.eventually(5, "\(workers) running workers") { try s.workers().count == workers }
        return s
    }

    /// `count` terminal connections, opened one after the other, each past its `connected`.
    private func terminals(_ count: Int, on s: ServerUnderTest) throws -> [WebSocketClient] {
        try (0..<count).map { i in
            let ws = try WebSocketClient(port: s.port, path: "/api/v1/websocket/connect")
            #expect(try ws.nextJSON()["type"] as? String == "connected", "connection \(i)")
            return ws
        }
    }
}
