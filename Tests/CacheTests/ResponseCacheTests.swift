import Dispatch
import Glibc
import Posix
import Testing
@testable import Cache

@Suite("Response cache on the shared Redis", .serialized, .enabled(if: redisURL != nil, "needs REDIS_URL (make services starts Redis on 127.0.0.1:56379)"))
struct ResponseCacheTests {
    let space = testSpace + "cache:"

    @Test("a stored value is a hit, a missing key a miss, and both are counted")
    func hitAndMiss() throws {
        defer { clean(space) }
        let cache = ResponseCache(url: redisURL, options: cacheOptions(space))
        #expect(cache.state == .up)
        cache.put("k", everyByte, ttlMs: 60_000)
        #expect(cache.get("k") == everyByte)
        #expect(cache.get("absent") == nil)
        let stats = cache.stats
        #expect((stats.hits, stats.misses, stats.stores, stats.errors, stats.skipped) == (1, 1, 1, 0, 0))
        #expect((stats.connectAttempts, stats.reconnects) == (1, 0))
        #expect(stats.counters.first { $0.name == "hits" }?.value == 1)
        #expect(stats.state.name == "up")
    }

    @Test("keys carry the namespace and values the TTL given")
    func namespaceAndTTL() throws {
        defer { clean(space) }
        let cache = ResponseCache(url: redisURL, options: cacheOptions(space))
        cache.put("candles:spot:BTCUSDT:1m:500:0", [1, 0, 2], ttlMs: 4_000)
        let raw = try sharedClient()
        #expect(try raw.get(space + "candles:spot:BTCUSDT:1m:500:0") == [1, 0, 2])
        #expect((1...4_000).contains(try raw.pttl(space + "candles:spot:BTCUSDT:1m:500:0")))
        var bumped = cacheOptions(space)
        bumped.namespace = space + "v2:"
        #expect(ResponseCache(url: redisURL, options: bumped).get("candles:spot:BTCUSDT:1m:500:0") == nil)
    }

    @Test("a 1 MiB value is stored; one over the bound, or with no TTL, is not")
    func bounds() throws {
        defer { clean(space) }
        var options = cacheOptions(space)
        options.maxValueBytes = 1 << 20
        let cache = ResponseCache(url: redisURL, options: options)
        let big = patterned(1 << 20)
        cache.put("big", big, ttlMs: 60_000)
        #expect(cache.get("big") == big)
        cache.put("bigger", big + [0], ttlMs: 60_000)
        cache.put("forever", [1], ttlMs: 0)
        #expect(cache.get("bigger") == nil)
        #expect(cache.get("forever") == nil)
        #expect(cache.stats.oversized == 1)
        #expect(cache.stats.stores == 1)
    }

    @Test("a short TTL expires")
    func expiry() throws {
        defer { clean(space) }
        let cache = ResponseCache(url: redisURL, options: cacheOptions(space))
        cache.put("short", [1], ttlMs: 30)
        sleepMillis(80)
        #expect(cache.get("short") == nil)
    }

    @Test("invalidate removes exactly the keys under the prefix")
    func invalidate() throws {
        defer { clean(space) }
        let cache = ResponseCache(url: redisURL, options: cacheOptions(space))
        let doomed = ["a:1", "a:2", "a:x:3", "x*y:1"]
        let kept = ["ab:1", "b:a:1", "a", "xzy:1", "x*y"]
        for k in doomed + kept { cache.put(k, [1], ttlMs: 60_000) }
        #expect(cache.invalidate(prefix: "a:") == Invalidation(removed: 3, complete: true))
        #expect(cache.invalidate(prefix: "x*y:").removed == 1)
        for k in doomed { #expect(cache.get(k) == nil, "\(k) should be gone") }
        for k in kept { #expect(cache.get(k) == [1], "\(k) should stay") }
        #expect(cache.stats.invalidatedKeys == 4)
        // The same prefix in another namespace is untouched.
        let other = ResponseCache(url: redisURL, options: cacheOptions(space + "other:"))
        other.put("a:1", [2], ttlMs: 60_000)
        cache.invalidate(prefix: "a:")
        #expect(other.get("a:1") == [2])
    }

    @Test("candle series are dropped one interval, one symbol, or across markets")
    func candles() throws {
        defer { clean(space) }
        let cache = ResponseCache(url: redisURL, options: cacheOptions(space))
        let key = { (m: String, s: String, i: String) in
            CachePolicy.candlesKey(market: m, symbol: s, interval: i, limit: 500, lastClosedOpenTimeMs: 1_704_067_200_000)
        }
        for m in ["spot", "futures"] { for s in ["BTC", "BTCUSDT"] { for i in ["1m", "1h"] { cache.put(key(m, s, i), [1], ttlMs: 60_000) } } }
        #expect(cache.invalidateCandles(market: "spot", symbol: "BTCUSDT", interval: "1m").removed == 1)
        #expect(cache.get(key("spot", "BTCUSDT", "1h")) == [1])
        #expect(cache.invalidateCandles(symbol: "BTCUSDT").removed == 3)
        #expect(cache.get(key("spot", "BTC", "1m")) == [1])
        #expect(cache.invalidateCandles(market: "futures", symbol: "BTC").removed == 2)
        #expect(cache.get(key("spot", "BTC", "1h")) == [1])
    }

    @Test("concurrent callers take turns on the one connection")
    func concurrent() throws {
        defer { clean(space) }
        let cache = ResponseCache(url: redisURL, options: cacheOptions(space))
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for i in 0..<100 {
                let value = patterned(64 + i) + [UInt8(worker)]
                cache.put("w\(worker):\(i)", value, ttlMs: 60_000)
                #expect(cache.get("w\(worker):\(i)") == value)
            }
        }
        let stats = cache.stats
        #expect((stats.hits, stats.stores, stats.errors) == (400, 400, 0))
    }

    @Test("invalidate does bounded work per call and the next call goes on where it stopped")
    func bounded() throws {
        defer { clean(space) }
        var options = cacheOptions(space)
        options.invalidateScanCount = 10
        options.invalidateMaxSteps = 1
        let cache = ResponseCache(url: redisURL, options: options)
        for i in 0..<200 { cache.put("p:\(i)", [1], ttlMs: 60_000) }
        let first = cache.invalidate(prefix: "p:")
        #expect(!first.complete)
        #expect(first.removed < 200)
        var total = first.removed
        var calls = 1
        while calls < 100_000 {
            let next = cache.invalidate(prefix: "p:")
            total += next.removed
            calls += 1
            if next.complete { break }
        }
        #expect(total == 200)
        #expect(calls > 1)
    }
}

@Suite("Response cache without Redis", .serialized)
struct ResponseCacheOffTests {
    @Test("no REDIS_URL means disabled: every call is a miss or a no-op and nothing connects")
    func disabled() {
        for url in [nil, ""] as [String?] {
            let cache = ResponseCache(url: url)
            #expect(cache.state == .disabled)
            cache.put("k", [1], ttlMs: 1_000)
            #expect(cache.get("k") == nil)
            #expect(cache.invalidate(prefix: "") == Invalidation(removed: 0, complete: true))
            #expect(cache.stats.connectAttempts == 0)
            #expect(cache.stats.skipped == 3)
        }
    }

    @Test("an unreadable URL is down for good and never connects")
    func invalidURL() {
        let cache = ResponseCache(url: "http://nope")
        guard case .down(_, .invalidURL) = cache.state else { Issue.record("state \(cache.state)"); return }
        #expect(cache.get("k") == nil)
        #expect(cache.stats.connectAttempts == 0)
        #expect(cache.stats.skipped == 1)
    }

    @Test("a Redis that is not there: down at once, then one connect per interval")
    func absent() {
        var options = ResponseCacheOptions()
        options.reconnectIntervalMs = 60_000
        let cache = ResponseCache(url: "redis://127.0.0.1:1/0", options: options)
        guard case .down(_, .connectFailed) = cache.state else { Issue.record("state \(cache.state)"); return }
        for i in 0..<1_000 {
            #expect(cache.get("k\(i)") == nil)
            cache.put("k\(i)", [1], ttlMs: 1_000)
        }
        let stats = cache.stats
        #expect(stats.connectAttempts == 1)   // the one in init
        #expect(stats.errors == 1)
        #expect(stats.skipped == 2_000)
    }
}
