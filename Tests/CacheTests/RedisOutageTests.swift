import Glibc
import Posix
import Synchronization
import TestServices
import Testing
@testable import Cache

/// A private redis-server killed with SIGKILL and restarted on the same port.
@Suite("Response cache across a Redis outage", .serialized,
       .enabled(if: PrivateRedis.binary != nil, "needs redis-server in /usr/bin or /usr/local/bin"))
struct RedisOutageTests {
    static let intervalMs = 300

    func options() -> ResponseCacheOptions {
        var options = ResponseCacheOptions()
        options.namespace = "tt:outage:"
        options.reconnectIntervalMs = Self.intervalMs
        return options
    }

    @Test("a dead Redis costs nothing per call, and the cache uses it again once it is back")
    func downAndBack() throws {
        Signals.ignorePipe()
        let server = try PrivateRedis(offset: 100)
        defer { server.stop() }
        let cache = ResponseCache(url: server.url, options: options())
        #expect(cache.state == .up)
        cache.put("k", [1, 0, 2], ttlMs: 60_000)
        #expect(cache.get("k") == [1, 0, 2])

        server.stop()   // SIGKILL: no goodbye on the socket
        let before = cache.stats
        let started = Clock.monotonicNanos()
        for i in 0..<100 {
            #expect(cache.get("k") == nil)
            cache.put("k\(i)", [UInt8(i)], ttlMs: 60_000)
        }
        let elapsed = Clock.monotonicNanos() - started
        let during = cache.stats
        // Connects (each refused at once here, but bounded by the connect timeout in general)
        // happen at most once per interval; the call that found the connection dead is one error.
        let allowed = 1 + Int(elapsed / Int64(Self.intervalMs * 1_000_000))
        let attempts = during.connectAttempts - before.connectAttempts
        #expect(attempts <= allowed, "\(attempts) connects in \(elapsed / 1_000_000) ms")
        #expect(during.errors - before.errors == 1 + attempts)
        #expect(during.skipped - before.skipped == 200 - 1 - attempts)
        #expect((during.hits, during.stores) == (before.hits, before.stores))
        guard case .down(let since, let error) = cache.state else { Issue.record("state \(cache.state)"); return }
        #expect(!error.keepsConnection, "\(error)")
        print("outage: \(during.skipped - before.skipped) calls skipped, \(attempts) connects, in \(elapsed / 1_000_000) ms; \(error)")

        // Keep calling for a second: the reconnect attempts follow the interval, no faster.
        let spinStart = Clock.monotonicNanos()
        while Clock.monotonicNanos() - spinStart < 1_000_000_000 {
            _ = cache.get("k")
            sleepMillis(5)
        }
        let spun = Clock.monotonicNanos() - spinStart
        let retries = cache.stats.connectAttempts - during.connectAttempts
        #expect(retries >= 2 && retries <= 1 + Int(spun / Int64(Self.intervalMs * 1_000_000)), "\(retries) connects in \(spun / 1_000_000) ms")
        guard case .down(let stillSince, let refused) = cache.state else { Issue.record("state \(cache.state)"); return }
        #expect(stillSince == since)   // one outage, however many failed attempts
        #expect(refused == .connectFailed("redis://127.0.0.1:\(server.port)/0: Connection refused"))

        try server.start()
        let back = waitUntilUp(cache, seconds: 5)
        #expect(back, "the cache did not reconnect within 5 s")
        cache.put("k", [4, 5, 6], ttlMs: 60_000)
        #expect(cache.get("k") == [4, 5, 6])
        let after = cache.stats
        #expect(after.reconnects == 1)
        #expect(after.state == .up)
    }

    @Test("a Redis that first comes up after the cache is made is used once it answers")
    func lateStart() throws {
        Signals.ignorePipe()
        let server = try PrivateRedis(offset: 150)
        let port = server.port
        server.stop()
        defer { server.stop() }
        let cache = ResponseCache(url: "redis://127.0.0.1:\(port)/0", options: options())
        guard case .down(_, .connectFailed) = cache.state else { Issue.record("state \(cache.state)"); return }
        try server.start()
        #expect(waitUntilUp(cache, seconds: 5))
        #expect(cache.stats.reconnects == 0)   // the first connection, not a reconnect
        cache.put("late", [9], ttlMs: 60_000)
        #expect(cache.get("late") == [9])
    }

    /// Calls the cache every 20 ms until it is up again; false after `seconds`.
    private func waitUntilUp(_ cache: ResponseCache, seconds: Int) -> Bool {
        let deadline = Clock.monotonicNanos() + Int64(seconds) * 1_000_000_000
        while Clock.monotonicNanos() < deadline {
            _ = cache.get("probe")
            if cache.state == .up { return true }
            sleepMillis(20)
        }
        return false
    }
}

/// The lines a worker logs about its Redis, against a private redis-server killed and restarted.
@Suite("Redis outage events", .serialized,
       .enabled(if: PrivateRedis.binary != nil, "needs redis-server in /usr/bin or /usr/local/bin"))
struct RedisOutageEventTests {
    @Test("one event when Redis goes away (with the reason), one when it is back (with the time down); a quick second outage is held back")
    func events() throws {
        Signals.ignorePipe()
        let server = try PrivateRedis(offset: 200)
        defer { server.stop() }
        let heard = Mutex<[CacheEvent]>([])
        var options = ResponseCacheOptions()
        options.namespace = "tt:events:"
        options.reconnectIntervalMs = 100
        let cache = ResponseCache(url: server.url, options: options) { event in heard.withLock { $0.append(event) } }
        #expect(cache.state == .up)
        #expect(heard.withLock { $0 }.isEmpty, "the first connection is no news")

        server.stop()
        let stopped = Clock.monotonicNanos()
        callFor(cache, millis: 600)   // a few failed connects
        let lost = heard.withLock { $0 }
        #expect(lost.count == 1, "\(lost)")
        guard case .redisLost(let error, 1, 1)? = lost.first else { Issue.record("\(lost)"); return }
        #expect(!error.keepsConnection && "\(error)".contains("Redis"), "\(error)")
        #expect(cache.stats.connectAttempts > 2, "the failures after the first were not told")

        try server.start()
        callFor(cache, millis: 300)
        let back = heard.withLock { $0 }
        #expect(back.count == 2, "\(back)")
        guard case .redisBack(let downMs)? = back.last else { Issue.record("\(back)"); return }
        #expect(downMs >= 600 && downMs <= (Clock.monotonicNanos() - stopped) / 1_000_000, "\(downMs) ms")
        #expect(cache.state == .up)

        // Down and up again within 10 s of the last line: nothing more in the log.
        server.stop()
        callFor(cache, millis: 300)
        try server.start()
        callFor(cache, millis: 300)
        #expect(cache.state == .up)
        #expect(heard.withLock { $0 }.count == 2, "\(heard.withLock { $0 })")
    }

    /// Calls the cache every 10 ms for `millis`.
    private func callFor(_ cache: ResponseCache, millis: Int64) {
        let end = Clock.monotonicNanos() + millis * 1_000_000
        while Clock.monotonicNanos() < end {
            _ = cache.get("probe")
            sleepMillis(10)
        }
    }
}
