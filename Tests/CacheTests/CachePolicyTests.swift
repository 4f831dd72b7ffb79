import Testing
@testable import Cache

@Suite("Cache policy")
struct CachePolicyTests {
    /// 2024-01-01 00:00:00 UTC, a Monday.
    let monday: Int64 = 1_704_067_200_000
    let minute: Int64 = 60_000
    let hour: Int64 = 3_600_000
    let day: Int64 = 86_400_000

    @Test("a candle key names market, symbol, interval, limit and the last closed open time")
    func key() {
        let key = CachePolicy.candlesKey(market: "futures", symbol: "BTCUSDT", interval: "1m", limit: 500,
                                         lastClosedOpenTimeMs: 1_704_067_140_000)
        #expect(key == "candles:futures:BTCUSDT:1m:500:1704067140000")
        #expect(key.hasPrefix(CachePolicy.candlesPrefix(market: "futures", symbol: "BTCUSDT", interval: "1m")))
        #expect(!key.hasPrefix(CachePolicy.candlesPrefix(market: "futures", symbol: "BTC", interval: "1m")))
    }

    @Test("when a candle closes, the key moves on by itself")
    func keyMoves() {
        let before = CachePolicy.lastClosedOpenTimeMs(interval: "1m", nowMs: monday + 59_999)!
        let after = CachePolicy.lastClosedOpenTimeMs(interval: "1m", nowMs: monday + minute)!
        #expect(before == monday - minute)
        #expect(after == monday)
        let k = { (t: Int64) in CachePolicy.candlesKey(market: "spot", symbol: "ETHUSDT", interval: "1m", limit: 200, lastClosedOpenTimeMs: t) }
        #expect(k(before) != k(after))
    }

    static let untilCloseCases: [(String, Int64, Int)] = [
        ("1m", 45_000, 15_000), ("1m", 0, 60_000), ("5m", 60_000, 240_000),
        ("1d", 84_600_000, 1_800_000), ("4h", 14_340_000, 60_000),
    ]

    @Test("the TTL runs until the current candle closes", arguments: untilCloseCases)
    func untilClose(_ interval: String, _ offset: Int64, _ expected: Int) {
        #expect(CachePolicy.candlesTTLMillis(interval: interval, nowMs: monday + offset) == expected)
    }

    static let capCases: [(String, Int)] = [
        ("15m", 300_000), ("30m", 600_000), ("1h", 900_000), ("2h", 1_800_000), ("4h", 1_800_000),
        ("12h", 3_600_000), ("1d", 3_600_000), ("3d", 3_600_000), ("1w", 3_600_000), ("1M", 3_600_000),
    ]

    @Test("the TTL is capped per interval", arguments: capCases)
    func capped(_ interval: String, _ cap: Int) {
        // Just after the open, the close is further away than any cap.
        let open = CachePolicy.currentOpenTimeMs(interval: interval, nowMs: monday + 7 * day)!
        #expect(CachePolicy.candlesTTLMillis(interval: interval, nowMs: open + 1) == cap)
        #expect(CachePolicy.ttlCapMillis(interval: interval) == cap)
    }

    @Test("the TTL is never below one second")
    func floor() {
        #expect(CachePolicy.candlesTTLMillis(interval: "1m", nowMs: monday + 59_700) == 1_000)
        #expect(CachePolicy.candlesTTLMillis(interval: "1s", nowMs: monday + 999) == 1_000)
    }

    @Test("an unknown interval gets the fallback TTL")
    func unknown() {
        #expect(CachePolicy.candlesTTLMillis(interval: "7m", nowMs: monday) == CachePolicy.unknownIntervalTTLMillis)
        #expect(CachePolicy.currentOpenTimeMs(interval: "7m", nowMs: monday) == nil)
    }

    @Test("weeks open on Monday 00:00 UTC")
    func weeks() {
        let wednesday = monday + 2 * day + 12 * hour
        #expect(CachePolicy.currentOpenTimeMs(interval: "1w", nowMs: wednesday) == monday)
        #expect(CachePolicy.currentOpenTimeMs(interval: "1w", nowMs: monday) == monday)
        #expect(CachePolicy.currentOpenTimeMs(interval: "1w", nowMs: monday - 1) == monday - 7 * day)
        #expect(CachePolicy.lastClosedOpenTimeMs(interval: "1w", nowMs: wednesday) == monday - 7 * day)
    }

    @Test("months open on the 1st, leap years and year ends included")
    func months() {
        let feb2024: Int64 = 1_706_745_600_000, mar2024: Int64 = 1_709_251_200_000
        let dec2024: Int64 = 1_733_011_200_000, jan2025: Int64 = 1_735_689_600_000
        #expect(CachePolicy.currentOpenTimeMs(interval: "1M", nowMs: feb2024 + 28 * day + 5) == feb2024)
        #expect(CachePolicy.nextOpenTimeMs(interval: "1M", openTimeMs: feb2024) == mar2024)
        #expect(CachePolicy.nextOpenTimeMs(interval: "1M", openTimeMs: dec2024) == jan2025)
        #expect(CachePolicy.lastClosedOpenTimeMs(interval: "1M", nowMs: jan2025 + 3 * day) == dec2024)
        #expect(CachePolicy.candlesTTLMillis(interval: "1M", nowMs: mar2024 - 30_000) == 30_000)
        #expect(CivilMonth.startMs(year: 1970, month: 1) == 0)
        #expect(CivilMonth.containing(jan2025 - 1) == (2024, 12))
    }

    @Test("a response is stored only when it has the candle its key names")
    func current() {
        #expect(CachePolicy.isCurrent(newestClosedOpenTimeMs: monday, lastClosedOpenTimeMs: monday))
        #expect(!CachePolicy.isCurrent(newestClosedOpenTimeMs: monday - minute, lastClosedOpenTimeMs: monday))
        #expect(!CachePolicy.isCurrent(newestClosedOpenTimeMs: nil, lastClosedOpenTimeMs: monday))
    }

    @Test("invalidation patterns cover one series, one symbol, or every market, and escape globs")
    func patterns() {
        #expect(CachePolicy.candlesPattern(market: "spot", symbol: "BTCUSDT", interval: "1m") == "candles:spot:BTCUSDT:1m:*")
        #expect(CachePolicy.candlesPattern(market: nil, symbol: "BTCUSDT", interval: nil) == "candles:*:BTCUSDT:*")
        #expect(CachePolicy.candlesPattern(market: "spot", symbol: "A*B", interval: nil) == "candles:spot:A\\*B:*")
        #expect(RedisClient.globEscaped("a?b[c]\\d") == "a\\?b\\[c\\]\\\\d")
    }
}
