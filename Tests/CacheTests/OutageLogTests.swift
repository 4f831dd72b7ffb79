import Testing
@testable import Cache

/// Which Redis state changes become log lines, driven by hand-made monotonic times.
@Suite("Redis outage log lines")
struct OutageLogTests {
    let second: Int64 = 1_000_000_000
    let refused = RedisError.connectFailed("redis://127.0.0.1:1/0: Connection refused")

    @Test("one line when Redis goes away, with its reason, none for further failures, one when it is back with the time down")
    func downAndBack() {
        var log = OutageLog()
        #expect(log.connected(nowNanos: 0) == nil, "the first connection is no news")
        #expect(log.failed(.connectionLost("EOF"), nowNanos: 1 * second) == .redisLost(error: .connectionLost("EOF"), outages: 1, failures: 1))
        for t in 2...30 { #expect(log.failed(refused, nowNanos: Int64(t) * second) == nil) }
        #expect(log.connected(nowNanos: 31 * second + 500_000_000) == .redisBack(downMs: 30_500))
        #expect(log.connected(nowNanos: 32 * second) == nil)
    }

    @Test("a Redis unreachable from the start is told once, and its coming up too")
    func neverUp() {
        var log = OutageLog()
        #expect(log.failed(refused, nowNanos: 0) == .redisLost(error: refused, outages: 1, failures: 1))
        #expect(log.failed(refused, nowNanos: second) == nil)
        #expect(log.connected(nowNanos: 2 * second) == .redisBack(downMs: 2_000))
    }

    @Test("flapping: at most one lost line per 10 s; the outages held back are counted in the next one, their ends untold")
    func flapping() {
        var log = OutageLog()
        #expect(log.failed(refused, nowNanos: 0) != nil)
        #expect(log.connected(nowNanos: 1 * second) == .redisBack(downMs: 1_000))
        // Three more short outages within 10 s of the line: silent, both ways.
        for t: Int64 in [2, 4, 6] {
            #expect(log.failed(refused, nowNanos: t * second) == nil)
            #expect(log.failed(refused, nowNanos: t * second + 100) == nil)
            #expect(log.connected(nowNanos: t * second + 500_000_000) == nil)
        }
        // The next outage, once 10 s have passed, is told with the counts since the last line.
        #expect(log.failed(.timeout("no reply"), nowNanos: 10 * second) == .redisLost(error: .timeout("no reply"), outages: 4, failures: 7))
        #expect(log.connected(nowNanos: 12 * second) == .redisBack(downMs: 2_000))
    }

    @Test("an outage begun within the quiet time is told at its first failure after it, counting from its start")
    func heldBackThenTold() {
        var log = OutageLog()
        _ = log.failed(refused, nowNanos: 0)
        _ = log.connected(nowNanos: 1 * second)
        #expect(log.failed(refused, nowNanos: 3 * second) == nil)
        #expect(log.failed(refused, nowNanos: 9 * second) == nil)
        #expect(log.failed(refused, nowNanos: 10 * second) == .redisLost(error: refused, outages: 1, failures: 3))
        #expect(log.connected(nowNanos: 13 * second) == .redisBack(downMs: 10_000))
    }
}
