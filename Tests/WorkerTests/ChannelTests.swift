import Foundation
import ShmRing
import Testing
import WebSocketCore
@testable import Worker

/// Channels, the extended subscribe and slow clients, in the loop over a scripted backend.
@Suite("Channels, extended subscribe and slow clients")
struct ChannelTests {
    static let btc = SubscriptionKey(symbol: 0, market: .futures)

    static func script(_ configure: (inout WorkerOptions) -> Void = { _ in }) throws -> (WebSocketScript, RecordingHooks) {
        var options = WorkerOptions.testing
        configure(&options)
        let hooks = RecordingHooks(symbols: ["BTCUSDT", "ETHUSDT"])
        let ws = try WebSocketScript(path: "/api/v1/websocket/connect", options: options, hooks: hooks)
        _ = ws.texts()
        return (ws, hooks)
    }

    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// Broadcasts `text` on `channel` of BTCUSDT futures; how many it reached.
    @discardableResult
    static func broadcast(_ ws: WebSocketScript, _ text: String, _ channel: ChannelSet, sequence: UInt64) -> Int {
        Array(text.utf8).withUnsafeBytes { ws.s.loop.broadcast(text: $0, to: btc, channel: channel, sequence: sequence) }
    }

    @Test("channel names: every fixed one and klines per interval round-trip; what a market has; the legacy set")
    func names() {
        for name in ["trades", "aggTrades", "depth", "bookTicker", "ticker", "markPrice", "liquidations", "klines:1m", "klines:1M"] {
            #expect(ChannelSet.named(name)?.wireNames == [name])
        }
        #expect(ChannelSet.named("klines:7m") == nil && ChannelSet.named("kline") == nil && ChannelSet.named("Trades") == nil)
        let spot = ChannelSet.available(.spot, intervals: [.m1, .h1])
        #expect(spot.wireNames == ["trades", "depth", "bookTicker", "ticker", "klines:1m", "klines:1h"])
        #expect(ChannelSet.available(.futures, intervals: []).wireNames
            == ["aggTrades", "depth", "bookTicker", "ticker", "markPrice", "liquidations"])
        #expect(ChannelSet.legacy(.spot).wireNames
            == ["trades", "depth", "ticker", "markPrice", "liquidations", "klines:1m", "klines:5m", "klines:15m"])
    }

    @Test("the extended subscribe parses channels and a resume point, and refuses bad shapes with a reason")
    func parse() {
        func parse(_ text: String) -> Result<TerminalProtocol.Request, TerminalProtocol.ProtocolError> {
            TerminalProtocol.parse(Array(text.utf8))
        }
        let ok = parse(#"{"type":"subscribe","symbol":"btcusdt","channels":["aggTrades","klines:1m"],"epoch":3,"seq":99}"#)
        #expect(ok == .success(.subscribeChannels(.init(symbol: "BTCUSDT", market: .futures, channels: ["aggTrades", "klines:1m"],
                                                        resume: ResumePoint(epoch: 3, sequence: 99)))))
        #expect(parse(#"{"type":"subscribe","symbol":"BTCUSDT","epoch":1,"seq":0}"#)
            == .success(.subscribeChannels(.init(symbol: "BTCUSDT", market: .futures, channels: nil,
                                                 resume: ResumePoint(epoch: 1, sequence: 0)))))
        for bad in [#""channels":"trades""#, #""channels":[]"#, #""channels":[1]"#, #""epoch":1"#, #""seq":5"#,
                    #""epoch":-1,"seq":2"#, #""epoch":1,"seq":2.5"#] {
            guard case .failure(let error) = parse(#"{"type":"subscribe","symbol":"BTCUSDT",\#(bad)}"#) else {
                Issue.record("accepted \(bad)")
                continue
            }
            #expect(error.symbol == "BTCUSDT" && !error.message.isEmpty)
        }
        // Every error reply is JSON, whatever its text quotes.
        for text in [#"{"symbol":"BTCUSDT"}"#, #"{"type":1}"#, #"{"type":"a\"b"}"#] {
            guard case .failure(let error) = parse(text) else { Issue.record("accepted \(text)"); continue }
            let reply = try? JSONSerialization.jsonObject(with: Data(error.reply.utf8)) as? [String: Any]
            #expect(reply?["type"] as? String == "error" && reply?["message"] as? String == error.message, "\(error.reply)")
        }
    }

    @Test("a fan-out starts at a different subscriber from message to message, and reaches each once")
    func fanOutRotates() throws {
        let (first, _) = try Self.script()
        let s = first.s
        var clients = [first]
        for fd in Int32(11)...14 { clients.append(try WebSocketScript(joining: s, path: "/api/v1/websocket/connect", fd: fd)) }
        for client in clients { client.send(text: #"{"type":"subscribe","symbol":"BTCUSDT","channels":["aggTrades"]}"#) }
        /// Completes every send until the loop has none left; the fds sent to, in order.
        func drain() -> [Int32] {
            var order: [Int32] = []
            while true {
                let sends = s.backend.sends
                guard !sends.isEmpty else { return order }
                s.backend.clearOperations()
                for send in sends {
                    order.append(send.fd)
                    s.backend.complete(send.tag, result: Int32(send.text.utf8.count))
                }
                s.turn()
            }
        }
        _ = drain()
        var starts: Set<Int32> = []
        for sequence in UInt64(1)...8 {
            #expect(Self.broadcast(first, #"{"type":"trade_update","id":\#(sequence)}"#, .aggTrades, sequence: sequence) == 5)
            s.turn()
            let order = drain()
            #expect(order.sorted() == [10, 11, 12, 13, 14])
            if let start = order.first { starts.insert(start) }
        }
        #expect(starts.count > 1, "every message went first to the same client")
    }

    @Test("a subscriber gets only its channels; the reply lists them with the worker's epoch and sequence")
    func onlyItsChannels() throws {
        let (ws, _) = try Self.script()
        ws.send(text: #"{"type":"subscribe","symbol":"BTCUSDT","channels":["aggTrades","klines:1h"]}"#)
        let reply = Self.json(try #require(ws.texts().first))
        #expect(reply["type"] as? String == "subscribed" && reply["channels"] as? [String] == ["aggTrades", "klines:1h"])
        #expect(reply["epoch"] as? Int == 0 && reply["seq"] as? Int == 0)
        #expect(Self.broadcast(ws, #"{"type":"depth_update"}"#, .depth, sequence: 1) == 0)
        #expect(Self.broadcast(ws, #"{"type":"kline_update","interval":"1m"}"#, .kline(.m1), sequence: 2) == 0)
        #expect(Self.broadcast(ws, #"{"type":"kline_update","interval":"1h"}"#, .kline(.h1), sequence: 3) == 1)
        #expect(Self.broadcast(ws, #"{"type":"trade_update"}"#, .aggTrades, sequence: 4) == 1)
        ws.s.loop.flush()
        #expect(ws.texts() == [#"{"type":"kline_update","interval":"1h"}"#, #"{"type":"trade_update"}"#])
    }

    @Test("a channel the market lacks is refused by name, counted, and subscribes nothing")
    func wrongChannel() throws {
        let (ws, _) = try Self.script()
        ws.send(text: #"{"type":"subscribe","symbol":"BTCUSDT","market":"spot","channels":["depth","markPrice"]}"#)
        let error = Self.json(try #require(ws.texts().first))
        #expect(error["type"] as? String == "error" && (error["message"] as? String)?.contains("unknown channel markPrice for spot") == true)
        #expect(ws.s.loop.subscriptionIndex.isEmpty && ws.s.loop.counters.wsProtocolErrors == 1)
    }

    @Test("behind its bound, a client keeps only the latest ticker and mark price (sent in ring order), loses trades, and is told which once it drains, then gets its book again")
    func slowClientGap() throws {
        let (ws, hooks) = try Self.script { $0.wsQueueBytes = 300 }
        ws.send(text: #"{"type":"subscribe","symbol":"BTCUSDT","channels":["aggTrades","ticker","markPrice","depth"]}"#)
        _ = ws.texts()
        let trade = #"{"type":"trade_update","pad":"\#(String(repeating: "x", count: 60))"}"#
        #expect(Self.broadcast(ws, trade, .aggTrades, sequence: 10) == 1)
        ws.s.loop.flush()  // one send in flight, not completed
        #expect(Self.broadcast(ws, trade, .aggTrades, sequence: 11) == 1)
        #expect(Self.broadcast(ws, trade, .aggTrades, sequence: 12) == 1)
        #expect(Self.broadcast(ws, trade, .aggTrades, sequence: 13) == 0)
        #expect(Self.broadcast(ws, #"{"type":"price_update","v":1}"#, .ticker, sequence: 14) == 0)
        #expect(Self.broadcast(ws, #"{"type":"mark_price_update"}"#, .markPrice, sequence: 15) == 0)
        #expect(Self.broadcast(ws, trade, .aggTrades, sequence: 16) == 0)
        #expect(Self.broadcast(ws, #"{"type":"price_update","v":2}"#, .ticker, sequence: 17) == 0)
        #expect(ws.s.loop.counters.wsDropped == 2 && ws.s.loop.counters.wsConflated == 1)
        let texts = ws.texts()
        #expect(texts.count == 6)
        #expect(texts.prefix(3).allSatisfy { $0 == trade })
        #expect(texts[3] == #"{"type":"mark_price_update"}"# && texts[4] == #"{"type":"price_update","v":2}"#, "held values in ring order")
        let notice = Self.json(texts[5])
        #expect(notice["type"] as? String == "gap" && notice["reason"] as? String == "slow_client")
        #expect(notice["from_seq"] as? Int == 13 && notice["to_seq"] as? Int == 16 && notice["channel"] as? String == "all")
        #expect(ws.s.loop.counters.wsGapNotices == 1)
        #expect(hooks.subscriptionEvents.withLock { $0 }.last == "=0/futures")
        #expect(Self.broadcast(ws, trade, .aggTrades, sequence: 18) == 1)
    }

    @Test("with WS_SLOW_CLIENT=close, a client past its bound is closed with 1008 and counted")
    func slowClientClose() throws {
        let (ws, _) = try Self.script {
            $0.wsQueueBytes = 100
            $0.slowClientPolicy = .close
        }
        ws.send(text: #"{"type":"subscribe","symbol":"BTCUSDT","channels":["aggTrades"]}"#)
        _ = ws.texts()
        let trade = #"{"type":"trade_update","pad":"\#(String(repeating: "x", count: 60))"}"#
        #expect(Self.broadcast(ws, trade, .aggTrades, sequence: 1) == 1)
        ws.s.loop.flush()
        #expect(Self.broadcast(ws, trade, .aggTrades, sequence: 2) == 0)
        #expect(ws.s.loop.counters.slowClientsClosed == 1)
        let close = try #require(ws.frames().last)
        #expect(close.opcode == .close && close.payload.prefix(2) == [0x03, 0xF0])
        #expect(String(decoding: close.payload.dropFirst(2), as: UTF8.self) == "client too slow: messages would be lost")
    }

    @Test("a direct send (reply, replay) past the hard bound closes with 1008 saying the client left too much unread, not that messages were dropped")
    func hardBound() throws {
        let (ws, _) = try Self.script { $0.maxQueuedOutput = 100 }
        let text = #"{"type":"recovery","pad":"\#(String(repeating: "x", count: 200))"}"#
        let subscriber = try #require(ws.s.loop.table.lookup(slot: 0, generation: ws.s.loop.table.handles[0]._withUnsafeGuaranteedRef { $0.generation }))
        #expect(Array(text.utf8).withUnsafeBytes { ws.s.loop.send(text: $0, to: subscriber.subscriberID) })
        #expect(!Array(text.utf8).withUnsafeBytes { ws.s.loop.send(text: $0, to: subscriber.subscriberID) })
        #expect(ws.s.loop.counters.slowClientsClosed == 1 && ws.s.loop.counters.wsDropped == 0)
        ws.s.loop.flush()
        let close = try #require(ws.frames().last)
        #expect(close.opcode == .close && close.payload.prefix(2) == [0x03, 0xF0])
        #expect(String(decoding: close.payload.dropFirst(2), as: UTF8.self) == "client too slow: too much unread")
    }
}
