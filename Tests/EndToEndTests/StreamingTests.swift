import Foundation
import Glibc
import Testing

/// The terminal protocol over real processes: the feeder's replay reaches a subscriber.
@Suite("Streaming to WebSocket clients, end to end", .serialized)
struct StreamingTests {
    @Test("a subscriber receives every replayed trade after it subscribed, in order, with consecutive sequences and the contract's fields")
    func tradesInOrder() throws {
        let s = ServerUnderTest(workers: 2, extra: ["REPLAY_SPEED": "50"])
        try s.start()
        try s.waitHealthy()
        let ws = try WebSocketClient(port: s.port, path: "/api/v1/websocket/connect")
        #expect(try ws.nextJSON()["type"] as? String == "connected")
        // The replay publishes spot trades; a subscription is to futures unless it names a market.
        try ws.sendText(#"{"type":"subscribe","symbol":"btcusdt","market":"spot"}"#)
        var subscribed = false
        var trades: [[String: Any]] = []
        while trades.count < 200 {
            let m = try ws.nextJSON()
            switch m["type"] as? String {
            case "subscribed": subscribed = true
            case "trade_update": trades.append(m)
            default: break
            }
        }
        #expect(subscribed)
        let sequences = trades.compactMap { $0["seq"] as? Int }
        #expect(sequences.count == trades.count)
        #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $0 < $1 }, "sequence must increase")
        let times = trades.compactMap { $0["trade_time"] as? Int }
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 })
        for t in trades {
            #expect(t["symbol"] as? String == "BTCUSDT")
            #expect((t["price"] as? Double).map { $0 > 50_000 && $0 < 70_000 } == true)
            #expect(t["quantity"] is Double || t["quantity"] is Int)
            #expect(t["is_buyer_maker"] is Bool)
            #expect(t["timestamp"] is Int)
        }
        // The replay's trade ids are contiguous: every trade published after the subscription
        // arrives, so consecutive messages are consecutive ring records of trades.
        #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $1 - $0 == 1 }, "a trade was skipped: \(sequences.prefix(20))")
    }

    @Test("a client subscribed to another symbol receives no BTCUSDT trades")
    func otherSymbol() throws {
        let s = ServerUnderTest(workers: 1, extra: ["REPLAY_SPEED": "50"])
        try s.start()
        try s.waitHealthy()
        let ws = try WebSocketClient(port: s.port, path: "/api/v1/websocket/connect", timeoutMillis: 1500)
        _ = try ws.nextJSON()
        try ws.sendText(#"{"type":"subscribe","symbol":"ETHUSDT","market":"spot"}"#)
        #expect(try ws.nextJSON()["type"] as? String == "subscribed")
        do {
            let m = try ws.nextJSON()
            Issue.record("unexpected message: \(m)")
        } catch {
            #expect("\(error)".contains("receive failed"), "\(error)")
        }
    }
}

extension StreamingTests {
    @Test("a subscription that names no market is to futures, so the replay's spot trades never reach it")
    func defaultMarketIsFutures() throws {
        let s = ServerUnderTest(workers: 1, extra: ["REPLAY_SPEED": "50"])
        try s.start()
        try s.waitHealthy()
        let ws = try WebSocketClient(port: s.port, path: "/api/v1/websocket/connect", timeoutMillis: 1500)
        _ = try ws.nextJSON()
        try ws.sendText(#"{"type":"subscribe","symbol":"BTCUSDT"}"#)
        let reply = try ws.nextJSON()
        #expect(reply["type"] as? String == "subscribed" && reply["market"] as? String == "futures", "\(reply)")
        do {
            let m = try ws.nextJSON()
            Issue.record("unexpected message: \(m)")
        } catch {
            #expect("\(error)".contains("receive failed"), "\(error)")
        }
    }
}
