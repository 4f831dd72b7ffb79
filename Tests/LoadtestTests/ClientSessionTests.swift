import Testing
import WebSocketCore
@testable import Loadtest

/// The per-connection core: frames in, actions and counts out, however the bytes are cut.
@Suite("Client session")
struct ClientSessionTests {
    static func text(_ s: String) -> [UInt8] { WebSocketFrameEncoder.frame(opcode: .text, payload: Array(s.utf8)) }

    static func trade(id: Int64, recvUs: Int64, seq: Int64) -> [UInt8] {
        text(#"{"type":"trade_update","symbol":"BTCUSDT","price":1,"quantity":1,"is_buyer_maker":true,"trade_time":1,"id":\#(id),"recv_us":\#(recvUs),"timestamp":1,"seq":\#(seq)}"#)
    }

    /// Feeds `bytes` in pieces of `chunk` bytes the way the loop does (unconsumed bytes are
    /// carried into the next call) and collects the actions.
    static func feed(_ session: inout ClientSession, _ bytes: [UInt8], chunk: Int, clock: ReceiveClock,
                     stats: inout ProcessStats) -> [ClientSession.Action] {
        var actions: [ClientSession.Action] = []
        var carry: [UInt8] = []
        var index = 0
        while index < bytes.count {
            carry += bytes[index..<min(bytes.count, index + chunk)]
            index += chunk
            while true {
                let (consumed, action) = carry.withUnsafeBytes { session.receive($0, clock: clock, stats: &stats) }
                carry.removeFirst(consumed)
                if action == .none { break }
                actions.append(action)
            }
        }
        return actions
    }

    @Test("depth and ticker messages in the window count as data messages, acknowledgements do not")
    func dataMessages() {
        let stream = Self.text(#"{"type":"depth_update","symbol":"BTCUSDT","bids":[],"asks":[]}"#)
            + Self.text(#"{"type":"book_ticker","symbol":"BTCUSDT"}"#) + Self.trade(id: 1, recvUs: 1, seq: 1)
            + Self.text(#"{"type":"connected","clientId":"1"}"#)
        var session = ClientSession()
        session.phase = .open
        var stats = ProcessStats()
        _ = Self.feed(&session, stream, chunk: 1 << 20, clock: ReceiveClock(nowMicros: 5, inWindow: true), stats: &stats)
        #expect(stats.snapshot[.dataInWindow] == 3)
        #expect(stats.snapshot[.tradesInWindow] == 1)
        _ = Self.feed(&session, Self.text(#"{"type":"depth_update"}"#), chunk: 64, clock: ReceiveClock(nowMicros: 5, inWindow: false), stats: &stats)
        #expect(stats.snapshot[.dataInWindow] == 3)
    }

    @Test("after the window, a trade of the window counts as read late only if it had reached the socket in the window")
    func readLateOrDeliveredLate() {
        var session = ClientSession()
        session.phase = .open
        var stats = ProcessStats()
        // The window ended at 10 s; trades stamped up to 9.75 s belong to it.
        func drainClock(arrival: Int64, stamped: Bool) -> ReceiveClock {
            ReceiveClock(nowMicros: arrival, inWindow: false, lateBeforeMicros: 9_750_000, windowEndMicros: stamped ? 10_000_000 : nil)
        }
        _ = Self.feed(&session, Self.trade(id: 1, recvUs: 9_000_000, seq: 1), chunk: 1 << 20,
                      clock: drainClock(arrival: 9_900_000, stamped: true), stats: &stats)
        #expect(stats.snapshot[.tradesReadLate] == 1, "there in the window, read after it: the harness's lateness")
        _ = Self.feed(&session, Self.trade(id: 2, recvUs: 9_100_000, seq: 2), chunk: 1 << 20,
                      clock: drainClock(arrival: 10_300_000, stamped: true), stats: &stats)
        #expect(stats.snapshot[.tradesReadLate] == 1, "arrived after the window: the server's delay, not the harness's")
        _ = Self.feed(&session, Self.trade(id: 3, recvUs: 9_200_000, seq: 3), chunk: 1 << 20,
                      clock: drainClock(arrival: 10_300_000, stamped: false), stats: &stats)
        #expect(stats.snapshot[.tradesReadLate] == 2, "without arrival stamps it cannot be told apart: counted")
        #expect(stats.latency.totalCount == 3, "every one of them is in the window's latency")
        #expect(!session.caughtUp)
        _ = Self.feed(&session, Self.trade(id: 4, recvUs: 9_900_000, seq: 4), chunk: 1 << 20,
                      clock: drainClock(arrival: 10_000_500, stamped: true), stats: &stats)
        #expect(session.caughtUp, "a trade stamped after the grace: this client has read all the window offered")
    }

    @Test("trades, a ping and connected give the same actions and counts whether fed whole or byte by byte",
          arguments: [1, 3, 7, 1 << 20])
    func cutAnywhere(chunk: Int) {
        let stream = Self.text(#"{"type":"connected","clientId":"1"}"#) + Self.trade(id: 10, recvUs: 1_000, seq: 1)
            + WebSocketFrameEncoder.frame(opcode: .ping, payload: [1, 2, 3]) + Self.trade(id: 11, recvUs: 1_500, seq: 2)
            + Self.text(#"{"type":"gap","symbol":"BTCUSDT"}"#)
        var session = ClientSession()
        session.phase = .open
        var stats = ProcessStats()
        let actions = Self.feed(&session, stream, chunk: chunk, clock: ReceiveClock(nowMicros: 3_000, inWindow: true), stats: &stats)
        #expect(actions.count == 2)
        #expect(actions.first == .serverReady)
        if case .pong(_, let length) = actions.last { #expect(length == 3) } else { Issue.record("no pong: \(actions)") }
        #expect(stats.snapshot[.trades] == 2)
        #expect(stats.snapshot[.tradesInWindow] == 2)
        #expect(stats.counters[.gapNotices] == 1)
        #expect(stats.counters[.pings] == 1)
        #expect(stats.latency.totalCount == 2)
        #expect(stats.latency.maxRecorded >= 1_999 && stats.latency.maxRecorded <= 2_001)
        #expect(session.trades == 2 && session.missing == 0)
    }

    @Test("the pong action points at the ping's payload")
    func pongPayload() {
        var session = ClientSession()
        session.phase = .open
        var stats = ProcessStats()
        let bytes = WebSocketFrameEncoder.frame(opcode: .ping, payload: Array("hello".utf8))
        bytes.withUnsafeBytes { buffer in
            let (consumed, action) = session.receive(buffer, clock: ReceiveClock(nowMicros: 0, inWindow: false), stats: &stats)
            #expect(consumed == bytes.count)
            guard case .pong(let offset, let length) = action else { Issue.record("\(action)"); return }
            #expect(Array(buffer[offset..<(offset + length)]) == Array("hello".utf8))
        }
    }

    @Test("a skipped id counts the ids missing, a repeated or older id counts as a duplicate")
    func idAccounting() {
        var session = ClientSession()
        session.phase = .open
        var stats = ProcessStats()
        let stream = [5, 6, 9, 9, 7, 10].flatMap { Self.trade(id: $0, recvUs: 1, seq: $0) }
        _ = Self.feed(&session, stream, chunk: 1 << 20, clock: ReceiveClock(nowMicros: 2, inWindow: false), stats: &stats)
        #expect(stats.counters[.missingIds] == 2)
        #expect(stats.counters[.duplicateIds] == 2)
        #expect(stats.counters[.sequenceRegressions] == 2)
        #expect(session.firstId == 5 && session.lastId == 10 && session.trades == 4)
        var summary = CounterSet()
        session.summarize(into: &summary)
        #expect(summary[.clientsWithTrade] == 1 && summary[.clientsWithGap] == 1 && summary[.idSpan] == 6)
        #expect(summary[.openAtEnd] == 1)
    }

    @Test("latency outside the window feeds only the live figure")
    func outsideWindow() {
        var session = ClientSession()
        session.phase = .open
        var stats = ProcessStats()
        _ = Self.feed(&session, Self.trade(id: 1, recvUs: 100, seq: 1), chunk: 64,
                      clock: ReceiveClock(nowMicros: 600, inWindow: false), stats: &stats)
        #expect(stats.latency.totalCount == 0)
        #expect(stats.recent.totalCount == 1)
        #expect(stats.snapshot[.tradesInWindow] == 0 && stats.snapshot[.trades] == 1)
    }

    @Test("a close frame ends the session with its code; a masked server frame is a protocol violation")
    func closeAndViolation() {
        var stats = ProcessStats()
        var session = ClientSession()
        session.phase = .open
        let close = WebSocketFrameEncoder.closeFrame(code: .goingAway)
        let closed = close.withUnsafeBytes { session.receive($0, clock: ReceiveClock(nowMicros: 0, inWindow: false), stats: &stats) }
        #expect(closed.action == .closed(code: 1001))
        #expect(session.phase == .finished)
        var other = ClientSession()
        other.phase = .open
        let masked = WebSocketFrameEncoder.frame(opcode: .text, payload: [0x41], maskingKey: WebSocketMaskingKey(7))
        let broken = masked.withUnsafeBytes { other.receive($0, clock: ReceiveClock(nowMicros: 0, inWindow: false), stats: &stats) }
        if case .fail(let reason, _) = broken.action { #expect(reason == .protocolViolation) } else { Issue.record("\(broken)") }
    }
}
