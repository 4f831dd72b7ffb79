import Testing
@testable import Cache

/// The connection state machine, driven by hand-made times (ns monotonic, ms wall clock).
@Suite("Cache link")
struct CacheLinkTests {
    let second: Int64 = 1_000_000_000

    @Test("the first call connects, and later calls use the connection")
    func firstConnect() {
        var link = CacheLink(reconnectIntervalMillis: 1_000, nowMillis: 5)
        #expect(link.decide(nowNanos: 0) == .connect)
        #expect(link.connected() == false)
        #expect(link.state == .up)
        #expect(link.decide(nowNanos: 1) == .use)
    }

    @Test("while down, at most one connect per interval; the rest skip")
    func onePerInterval() {
        var link = CacheLink(reconnectIntervalMillis: 1_000, nowMillis: 0)
        #expect(link.decide(nowNanos: 10 * second) == .connect)
        link.connectFailed(.connectFailed("refused"), nowMillis: 10_000)
        var connects = 0
        for step in 0..<300 {   // 3 s in steps of 10 ms
            let now = 10 * second + Int64(step) * 10_000_000
            if link.decide(nowNanos: now) == .connect {
                connects += 1
                link.connectFailed(.connectFailed("refused"), nowMillis: now / 1_000_000)
            }
        }
        #expect(connects == 2)   // at 11 s and 12 s (10 s was the first attempt)
    }

    @Test("a broken connection marks the link down from that moment with its error")
    func broken() {
        var link = CacheLink(reconnectIntervalMillis: 1_000, nowMillis: 0)
        _ = link.decide(nowNanos: 0)
        _ = link.connected()
        #expect(link.commandFailed(.timeout("no reply"), nowMillis: 7_000) == .drop)
        #expect(link.state == .down(sinceMs: 7_000, lastError: .timeout("no reply")))
    }

    @Test("an outage keeps its start while its error is the newest")
    func outageStart() {
        var link = CacheLink(reconnectIntervalMillis: 1_000, nowMillis: 0)
        _ = link.decide(nowNanos: 0)
        _ = link.connected()
        _ = link.commandFailed(.connectionLost("EOF"), nowMillis: 2_000)
        #expect(link.decide(nowNanos: 3 * second) == .connect)
        link.connectFailed(.connectFailed("refused"), nowMillis: 3_000)
        #expect(link.state == .down(sinceMs: 2_000, lastError: .connectFailed("refused")))
    }

    @Test("a connection lost long after the last attempt is retried at once")
    func retryAtOnce() {
        var link = CacheLink(reconnectIntervalMillis: 1_000, nowMillis: 0)
        _ = link.decide(nowNanos: 0)
        _ = link.connected()
        _ = link.commandFailed(.connectionLost("EOF"), nowMillis: 60_000)
        #expect(link.decide(nowNanos: 60 * second) == .connect)
        #expect(link.connected() == true)   // a reconnect
    }

    @Test("a server error reply keeps the connection and the state")
    func serverError() {
        var link = CacheLink(reconnectIntervalMillis: 1_000, nowMillis: 0)
        _ = link.decide(nowNanos: 0)
        _ = link.connected()
        #expect(link.commandFailed(.server("WRONGTYPE"), nowMillis: 1) == .keep)
        #expect(link.state == .up)
    }

    @Test("a disabled link and an unreadable URL never connect")
    func never() {
        var off = CacheLink(never: .disabled)
        var bad = CacheLink(never: .down(sinceMs: 0, lastError: .invalidURL("x")))
        for t in [Int64(0), 10 * second, 100 * second] {
            #expect(off.decide(nowNanos: t) == .disabled)
            #expect(bad.decide(nowNanos: t) == .skip)
        }
    }
}
