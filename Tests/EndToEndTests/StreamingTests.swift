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

    @Test("a resume naming a position of a server since restarted is refused as epoch_changed, never answered from the new ring")
    func resumeAcrossServerRestart() throws {
        let subscribe = #"{"type":"subscribe","symbol":"BTCUSDT","market":"spot","channels":["trades"]"#
        var old = (epoch: 0, seq: 0)
        do {
            let first = ServerUnderTest(workers: 1, extra: ["REPLAY_SPEED": "50"])
            try first.start()
            try first.waitHealthy()
            let ws = try WebSocketClient(port: first.port, path: "/api/v1/websocket/connect")
            try ws.sendText(subscribe + "}")
            var trades = 0
            while trades < 50 {
                let m = try ws.nextJSON()
                if m["type"] as? String == "subscribed" { old.epoch = m["epoch"] as? Int ?? 0 }
                if m["type"] as? String == "trade_update" { trades += 1; old.seq = m["seq"] as? Int ?? 0 }
            }
            #expect(first.stop() == .exited(0))
        }
        #expect(old.epoch > 0 && old.seq > 0)
        // The new server's ring starts its sequence again: once it is past the old position,
        // the old (epoch, seq) would name one of its records if epochs restarted too.
        let second = ServerUnderTest(workers: 1, extra: ["REPLAY_SPEED": "50"])
        try second.start()
        try second.waitHealthy()
        try second.eventually(20, "the new ring past sequence \(old.seq)") { try second.status().ringSequence > UInt64(old.seq) + 100 }
        let ws = try WebSocketClient(port: second.port, path: "/api/v1/websocket/connect")
        try ws.sendText(subscribe + #","epoch":\#(old.epoch),"seq":\#(old.seq)}"#)
        var recovery: [String: Any] = [:]
        var epoch = 0
        while recovery.isEmpty {
            let m = try ws.nextJSON()
            if m["type"] as? String == "subscribed" { epoch = m["epoch"] as? Int ?? 0 }
            if m["type"] as? String == "recovery" { recovery = m }
            #expect(m["type"] as? String != "trade_update", "a trade before the answer to the resume: \(m)")
        }
        #expect(recovery["status"] as? String == "impossible" && recovery["reason"] as? String == "epoch_changed", "\(recovery)")
        #expect(epoch > old.epoch && recovery["epoch"] as? Int == epoch)
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
