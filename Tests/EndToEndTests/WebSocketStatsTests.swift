import Foundation
import Glibc
import Posix
import Testing

/// `GET /websocket/stats` and the WebSocket's `getStats` answer for the whole server: two
/// workers, each holding some of the clients, give the same sums; the feed's flags follow its
/// connections to the simulator.
@Suite("WebSocket stats over every worker, end to end", .serialized)
struct WebSocketStatsTests {
    /// Connects and subscribes with `request`; returns the client once it is `subscribed`.
    static func subscriber(_ port: UInt16, _ request: String) throws -> WebSocketClient {
        let ws = try WebSocketClient(port: port, path: "/api/v1/websocket/connect")
        #expect(try ws.nextJSON()["type"] as? String == "connected")
        try ws.sendText(request)
        #expect(try ws.nextJSON()["type"] as? String == "subscribed")
        return ws
    }

    /// The next message of `type`, skipping the market data around it.
    static func next(_ type: String, from ws: WebSocketClient) throws -> [String: Any] {
        for _ in 0..<10_000 {
            let m = try ws.nextJSON()
            if m["type"] as? String == type { return m }
        }
        throw TestFailure("no \(type) message")
    }

    static func stats(_ port: UInt16) throws -> [String: Any] {
        let r = try HTTP.get(port: port, path: "/api/v1/websocket/stats")
        guard r.status == 200 else { throw TestFailure("stats answered \(r.status): \(r.text)") }
        return try r.json()
    }

    static func stream(_ stats: [String: Any]) -> [String: Any] { stats["binance_stream"] as? [String: Any] ?? [:] }

    @Test("clients on both workers are summed in /websocket/stats and getStats; the feed is active with both markets connected until the exchange goes away")
    func serverWide() throws {
        let sim = try SimulatorUnderTest(symbols: "BTCUSDT,ETHUSDT")
        // Three connections a worker: four clients cannot all land on one, and two
        // connections stay free for the HTTP requests.
        let s = try sim.serve(workers: 2, ["SYMBOLS": "BTCUSDT,ETHUSDT", "INTERVALS": "1m,5m", "WS_MAX_CONNECTIONS": "3"])
        try s.eventually(15, "the feed to go live and two running workers") {
            try s.status().feedState == .live && s.workers().count == 2
        }
        var clients = [
            try Self.subscriber(s.port, #"{"type":"subscribe","symbol":"BTCUSDT"}"#),
            try Self.subscriber(s.port, #"{"type":"subscribe","symbol":"BTCUSDT"}"#),
            try Self.subscriber(s.port, #"{"type":"subscribe","symbol":"BTCUSDT","market":"spot"}"#),
            try Self.subscriber(s.port, #"{"type":"subscribe","symbol":"ETHUSDT"}"#),
        ]
        try s.eventually(5, "each worker holding some of the clients") {
            let children = try HTTP.get(port: s.port, path: "/api/v1/system/status").json()["children"] as? [[String: Any]] ?? []
            let open = children.compactMap { ($0["counters"] as? [String: Any])?["websockets_open"] as? Int }
            return open.count == 2 && open.allSatisfy { $0 >= 1 } && open.reduce(0, +) == 4
        }

        var last: [String: Any] = [:]
        try s.eventually(5, "four clients and their subscriptions over both workers") {
            last = try Self.stats(s.port)
            return last["connected_clients"] as? Int == 4 && last["subscriptions"] as? [String: Int] == ["BTCUSDT": 3, "ETHUSDT": 1]
                && (Self.stream(last)["trade_counts"] as? [String: Int])?["BTCUSDT"] ?? 0 > 0
                && Self.stream(last)["futures_ticker_count"] as? Int ?? 0 >= 1
        }
        let stream = Self.stream(last)
        #expect(last["status"] as? String == "active" && last["service"] as? String == "websocket")
        #expect(stream["is_running"] as? Bool == true && stream["spot_connected"] as? Bool == true
                && stream["futures_connected"] as? Bool == true)
        #expect(stream["symbols"] as? [String] == ["BTCUSDT", "ETHUSDT"] && stream["connected_symbols"] as? Int == 2)
        #expect((stream["stream_types"] as? [String] ?? []).contains("kline_5m") && stream["source"] as? String == "simulated")
        for key in ["price_data_count", "depth_data_count", "kline_data_count", "mark_price_count"] {
            #expect(stream[key] as? Int ?? 0 >= 1, "\(key)")
        }
        #expect((last["data_types"] as? [String])?.count == 6)
        #expect((last["endpoints"] as? [String: String])?["websocket"] == "/api/v1/websocket/connect")

        try clients[0].sendText(#"{"type":"getStats"}"#)
        let reply = try Self.next("stats", from: clients[0])
        #expect(reply["clientCount"] as? Int == 4 && reply["subscriptions"] as? [String: Int] == ["BTCUSDT": 3, "ETHUSDT": 1])
        #expect(reply["yourSymbols"] as? [String] == ["BTCUSDT"])

        try clients[3].sendText(#"{"type":"unsubscribe","symbol":"ETHUSDT"}"#)
        _ = try Self.next("unsubscribed", from: clients[3])
        clients.remove(at: 1)
        try s.eventually(5, "a client gone and an unsubscription counted") {
            last = try Self.stats(s.port)
            return last["connected_clients"] as? Int == 3 && last["subscriptions"] as? [String: Int] == ["BTCUSDT": 2]
        }

        _ = Signal.term.send(to: sim.pid)
        try s.eventually(15, "the connections to the exchange reported down, and the feed not active") {
            let stats = try Self.stats(s.port)
            let stream = Self.stream(stats)
            return stream["spot_connected"] as? Bool == false && stream["futures_connected"] as? Bool == false
                && stream["is_running"] as? Bool == true && stats["status"] as? String == "stalled"
        }
        #expect(s.stop() == .exited(0))
    }
}
