import Glibc
import Testing
import WebSocketCore
@testable import Worker

/// The terminal route's per-connection message budget in the loop, over a scripted backend and
/// the hand-moved clock: 20 a second, bursts of 50, closed after 5 s over it.
@Suite("Terminal message budget over a scripted backend")
struct TerminalRateLimitTests {
    static let connect = "/api/v1/websocket/connect"
    static let rateLimited = #"{"type":"error","message":"rate limited: at most 20 messages a second, bursts of 50 (subscribe and getStats count 5, a resume 10); messages over it are not processed","reason":"rate_limited","limit":20,"burst":50}"#

    static var options: WorkerOptions {
        var options = WorkerOptions.testing
        options.wsMessageLimits = MessageBudget.Limits(perSecond: 20, burst: 50, closeAfter: .seconds(5))
        return options
    }

    static func script(path: String = connect) throws -> (WebSocketScript, RecordingHooks) {
        let hooks = RecordingHooks(symbols: ["BTCUSDT", "ETHUSDT"], markers: true)
        let ws = try WebSocketScript(path: path, options: options, hooks: hooks)
        _ = ws.texts()
        return (ws, hooks)
    }

    @Test("thirty subscribes at once: ten are processed (each weighs five pings), the other twenty get no reply and no snapshot, one rate-limited error naming the limit, each counted")
    func subscribeFlood() throws {
        let (ws, hooks) = try Self.script()
        for i in 0..<30 { ws.send(text: #"{"type":"subscribe","symbol":"BTCUSDT","market":"\#(i % 2 == 0 ? "spot" : "futures")"}"#) }
        let replies = ws.texts()
        #expect(replies.filter { $0.hasPrefix(#"{"type":"subscribed""#) }.count == 10)
        #expect(hooks.subscriptionEvents.withLock { $0 }.filter { $0.hasPrefix("+") }.count == 10, "a snapshot for each processed one only")
        #expect(replies.filter { $0.hasPrefix(#"{"type":"error""#) } == [Self.rateLimited])
        #expect(ws.s.loop.counters.wsRateLimited == 20 && ws.s.loop.counters[.wsRateLimited] == 20)
        #expect(ws.s.loop.counters.wsProtocolErrors == 0 && !ws.closed)
        ws.tick(afterMilliseconds: 250)
        #expect(hooks.lastCounters.withLock { $0.wsRateLimited } == 20, "the tick published the count")
        // A quarter second refilled one subscribe's weight, and no more: the ping after it is
        // refused, silently (the error went out less than a second ago).
        ws.send(text: #"{"type":"subscribe","symbol":"ETHUSDT"}"#)
        ws.send(text: #"{"type":"ping"}"#)
        let later = ws.texts()
        #expect(later.count == 2 && later[0].hasPrefix(#"{"type":"subscribed","symbol":"ETHUSDT""#) && later[1].hasPrefix(#"{"type":"marker""#))
        #expect(ws.s.loop.counters.wsRateLimited == 21)
    }

    @Test("over the budget the error comes at most once a second; a ping is processed again once the budget refills")
    func oneErrorPerSecond() throws {
        let (ws, _) = try Self.script()
        for _ in 0..<50 { ws.send(text: #"{"type":"ping"}"#) }
        #expect(ws.texts().allSatisfy { $0.hasPrefix(#"{"type":"pong""#) })
        var errors = 0
        var stats = 0
        for _ in 0..<30 {  // 3 s at 100 messages a second
            for _ in 0..<10 { ws.send(text: #"{"type":"getStats"}"#) }
            for text in ws.texts() {
                if text == Self.rateLimited { errors += 1 } else if text.hasPrefix(#"{"type":"stats""#) { stats += 1 }
            }
            ws.tick(afterMilliseconds: 100)
        }
        #expect(errors == 3, "one a second for 3 s")
        #expect(stats == 11, "10 of weight refilled every 500 ms: two getStats (5 each) every half second after the burst is gone, from 300 ms")
        #expect(!ws.closed)
    }

    @Test("a client still over its budget after five seconds is closed with 1008 and a reason naming the limit, counted once")
    func closedAfterStretch() throws {
        let (ws, _) = try Self.script()
        var elapsed: Int64 = 0
        var frames: [(opcode: WebSocketOpcode, payload: [UInt8])] = []
        while elapsed <= 7_000 && !frames.contains(where: { $0.opcode == .close }) {
            for _ in 0..<10 { ws.send(text: #"{"type":"subscribe","symbol":"BTCUSDT"}"#) }
            frames += ws.frames()
            ws.tick(afterMilliseconds: 100)
            elapsed += 100
        }
        let close = try #require(frames.last { $0.opcode == .close })
        #expect(WebSocketScript.closeCode(close.payload) == 1008)
        #expect(String(decoding: close.payload.dropFirst(2), as: UTF8.self) == "rate limited: over 20 messages a second for 5 s")
        #expect((5_000...5_200).contains(elapsed), "closed \(elapsed) ms into the flood")
        #expect(ws.s.loop.counters.wsRateLimitClosed == 1 && ws.s.loop.counters[.wsRateLimitClosed] == 1)
        // What follows our close is discarded, not counted again.
        let refused = ws.s.loop.counters.wsRateLimited
        ws.send(text: #"{"type":"ping"}"#)
        #expect(ws.texts().isEmpty && ws.s.loop.counters.wsRateLimited == refused)
    }

    @Test("ping control frames are not client messages: answered with pongs whatever the budget, never counted")
    func controlPings() throws {
        let (ws, _) = try Self.script()
        for _ in 0..<51 { ws.send(text: #"{"type":"ping"}"#) }
        #expect(ws.texts().last == Self.rateLimited)
        for i in 0..<200 { ws.send(.ping, Array("p\(i)".utf8)) }
        let frames = ws.frames()
        #expect(frames.count == 200 && frames.allSatisfy { $0.opcode == .pong })
        #expect(ws.s.loop.counters.wsRateLimited == 1)
    }

    @Test("the echo route is never limited: thousands of messages come back")
    func echoUnlimited() throws {
        let (ws, _) = try Self.script(path: "/api/v1/websocket/echo")
        var echoed = 0
        for i in 0..<2_000 {
            ws.send(text: "m\(i)")
            if i % 100 == 99 { echoed += ws.texts().count }
        }
        #expect(echoed == 2_000 && ws.s.loop.counters.wsRateLimited == 0)
    }

    @Test("a binary message over the budget is refused like a text one, not answered as a protocol error")
    func binaryCounts() throws {
        let (ws, _) = try Self.script()
        for _ in 0..<50 { ws.send(text: #"{"type":"ping"}"#) }
        _ = ws.texts()
        ws.send(.binary, [1, 2, 3])
        #expect(ws.texts() == [Self.rateLimited])
        #expect(ws.s.loop.counters.wsRateLimited == 1 && ws.s.loop.counters.wsProtocolErrors == 0)
    }
}
