import Testing
@testable import Loadtest

/// A client's way back: the backoff between attempts, the outage it measures, and the resume
/// point it sends, driven by events and a clock the test holds.
@Suite("Reconnection")
struct ReconnectionTests {
    let ms: Int64 = 1_000_000

    @Test("the backoff doubles from 50 ms to 1 s, each delay in the upper half of its step")
    func backoff() {
        let b = Backoff.standard
        #expect((0..<7).map { b.delay(attempt: $0, jitter: 0) } == [25, 50, 100, 200, 400, 500, 500].map { $0 * ms })
        #expect((0..<7).map { b.delay(attempt: $0, jitter: 1) } == [50, 100, 200, 400, 800, 1000, 1000].map { $0 * ms })
        #expect(b.delay(attempt: 2, jitter: 0.5) == 150 * ms)
        #expect(b.delay(attempt: 1_000, jitter: 0.999) <= 1_000 * ms)
    }

    @Test("a lost subscribed connection is an outage; failed attempts after it back off further and are not")
    func outage() {
        var link = Reconnection()
        #expect(link.handle(.subscribed(epoch: 3, sequence: 100, nowNanos: 0)) == .none)
        #expect(link.live)
        #expect(link.handle(.lost(nowNanos: 1_000 * ms, jitter: 0)) == .reconnect(atNanos: 1_025 * ms, outage: true))
        #expect(!link.live && link.lostAtNanos == 1_000 * ms)
        #expect(link.handle(.lost(nowNanos: 1_030 * ms, jitter: 0)) == .reconnect(atNanos: 1_080 * ms, outage: false))
        #expect(link.handle(.lost(nowNanos: 1_080 * ms, jitter: 1)) == .reconnect(atNanos: 1_280 * ms, outage: false))
        #expect(link.handle(.subscribed(epoch: 3, sequence: 120, nowNanos: 1_300 * ms)) == .reconnected(afterNanos: 300 * ms, resumed: false))
        #expect(link.attempt == 0 && link.lostAtNanos == -1)
        #expect(link.handle(.lost(nowNanos: 2_000 * ms, jitter: 0)) == .reconnect(atNanos: 2_025 * ms, outage: true))
    }

    @Test("a first connect that fails is retried, but is no outage and no reconnect")
    func firstConnectFails() {
        var link = Reconnection()
        #expect(link.handle(.lost(nowNanos: 0, jitter: 0)) == .reconnect(atNanos: 25 * ms, outage: false))
        #expect(link.subscribing(resumable: true) == nil)
        #expect(link.handle(.subscribed(epoch: 1, sequence: 7, nowNanos: 40 * ms)) == .none)
    }

    @Test("the resume point is the subscribed position, then the last sequence processed")
    func resumePoint() {
        var link = Reconnection()
        #expect(link.subscribing(resumable: true) == nil)
        _ = link.handle(.subscribed(epoch: 2, sequence: 500, nowNanos: 0))
        link.processed(sequence: 503)
        link.processed(sequence: 501)
        _ = link.handle(.lost(nowNanos: ms, jitter: 0))
        #expect(link.subscribing(resumable: false) == nil)
        let point = link.subscribing(resumable: true)
        #expect(point?.epoch == 2 && point?.sequence == 503)
        #expect(link.awaitingRecovery)
    }

    @Test("while a resume is answered the worker's position does not move the point; the replay and the answer do")
    func replay() {
        var link = Reconnection()
        _ = link.handle(.subscribed(epoch: 2, sequence: 500, nowNanos: 0))
        _ = link.handle(.lost(nowNanos: 10 * ms, jitter: 0))
        _ = link.subscribing(resumable: true)
        #expect(link.handle(.subscribed(epoch: 2, sequence: 900, nowNanos: 70 * ms)) == .reconnected(afterNanos: 60 * ms, resumed: true))
        #expect(!link.live && link.sequence == 500)
        link.processed(sequence: 640)
        #expect(link.sequence == 640)
        let answer = RecoveryReply(outcome: .recovered(messages: 3), epoch: 2, sequence: 900)
        #expect(link.handle(.recovery(answer)) == .recovery(.recovered(messages: 3)))
        #expect(link.live && !link.awaitingRecovery && link.sequence == 900)
        #expect(link.handle(.recovery(answer)) == .none)
    }

    @Test("an impossible resume moves the client to the server's epoch and position")
    func impossible() {
        var link = Reconnection()
        _ = link.handle(.subscribed(epoch: 2, sequence: 500, nowNanos: 0))
        _ = link.handle(.lost(nowNanos: ms, jitter: 0))
        _ = link.subscribing(resumable: true)
        _ = link.handle(.subscribed(epoch: 3, sequence: 800, nowNanos: 2 * ms))
        let answer = RecoveryReply(outcome: .impossible(.epochChanged), epoch: 3, sequence: 800)
        #expect(link.handle(.recovery(answer)) == .recovery(.impossible(.epochChanged)))
        #expect(link.epoch == 3 && link.sequence == 800 && link.live)
    }

    @Test("the resume fields go before the subscribe's closing brace")
    func resumeText() {
        let text = #"{"type":"subscribe","symbol":"BTCUSDT","channels":["aggTrades"]}"#
        #expect(Reconnection.resumeText(text, epoch: 3, sequence: 42)
            == #"{"type":"subscribe","symbol":"BTCUSDT","channels":["aggTrades"],"epoch":3,"seq":42}"#)
        #expect(Reconnection.resumeText("{ } \n", epoch: 1, sequence: 2) == #"{ "epoch":1,"seq":2}"#)
        #expect(Reconnection.resumeText("not json", epoch: 1, sequence: 2) == "not json")
    }

    @Test("timers come out earliest first, only when due")
    func timers() {
        var heap = TimerHeap()
        let dues: [Int64] = [50, 10, 40, 10, 30, 20, 60, 5]
        for (i, due) in dues.enumerated() { heap.push(.init(due: due, slot: Int32(i), generation: 0, kind: .reconnect)) }
        #expect(heap.nextDue == 5)
        #expect(heap.popDue(now: 4) == nil)
        var out: [Int64] = []
        while let entry = heap.popDue(now: 45) { out.append(entry.due) }
        #expect(out == [5, 10, 10, 20, 30, 40])
        #expect(heap.count == 2 && heap.nextDue == 50)
    }
}
