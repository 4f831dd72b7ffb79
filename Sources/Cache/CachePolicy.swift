/// Keys and TTLs for cached candle responses. Pure functions of their arguments.
///
/// Key: `candles:{market}:{symbol}:{interval}:{limit}:{lastClosedOpenTimeMs}`. The open time
/// of the newest *closed* candle is part of the key, so when a candle closes, requests move
/// to a new key by themselves and the old entry simply expires; nothing has to be deleted.
/// Take `lastClosedOpenTimeMs` from the data (the state tables' newest closed candle), not
/// from the clock, and store a response only when `isCurrent` says the database had caught
/// up with that candle; otherwise the entry would lack the candle that just closed.
///
/// TTL: the time until the interval's current candle closes (the key changes then anyway),
/// capped so that a late correction (a backfilled gap) shows within the cap, and never below
/// 1 s. Caps:
///
/// | interval | cap    |   | interval | cap    |
/// |----------|--------|---|----------|--------|
/// | 1s       | 1 s    |   | 2h, 4h   | 30 min |
/// | 1m       | 60 s   |   | 6h … 12h | 1 h    |
/// | 3m       | 3 min  |   | 1d, 3d   | 1 h    |
/// | 5m, 15m  | 5 min  |   | 1w, 1M   | 1 h    |
/// | 30m      | 10 min |   | unknown  | 30 s   |
/// | 1h       | 15 min |   |          |        |
///
/// Candle boundaries are UTC, as Binance's: fixed intervals up to 3d are multiples of their
/// length since the epoch, 1w opens on Monday 00:00, 1M on the 1st of the month 00:00.
public enum CachePolicy {
    public static let minimumTTLMillis = 1_000
    /// The TTL of an interval this table does not know.
    public static let unknownIntervalTTLMillis = 30_000

    private static let second: Int64 = 1_000
    private static let minute: Int64 = 60 * second
    private static let hour: Int64 = 60 * minute
    private static let day: Int64 = 24 * hour

    /// (length in ms, nil for 1M; TTL cap in ms) by interval name.
    private static let table: [String: (length: Int64?, cap: Int64)] = [
        "1s": (second, second), "1m": (minute, minute), "3m": (3 * minute, 3 * minute),
        "5m": (5 * minute, 5 * minute), "15m": (15 * minute, 5 * minute), "30m": (30 * minute, 10 * minute),
        "1h": (hour, 15 * minute), "2h": (2 * hour, 30 * minute), "4h": (4 * hour, 30 * minute),
        "6h": (6 * hour, hour), "8h": (8 * hour, hour), "12h": (12 * hour, hour),
        "1d": (day, hour), "3d": (3 * day, hour), "1w": (7 * day, hour), "1M": (nil, hour),
    ]

    /// The TTL cap of `interval` in ms (see the table above).
    public static func ttlCapMillis(interval: String) -> Int {
        Int(table[interval]?.cap ?? Int64(unknownIntervalTTLMillis))
    }

    /// The TTL for a candles response of `interval` stored at `nowMs`.
    public static func candlesTTLMillis(interval: String, nowMs: Int64) -> Int {
        guard let entry = table[interval], let open = currentOpenTimeMs(interval: interval, nowMs: nowMs),
              let close = nextOpenTimeMs(interval: interval, openTimeMs: open) else {
            return max(minimumTTLMillis, unknownIntervalTTLMillis)
        }
        return Int(max(Int64(minimumTTLMillis), min(close - nowMs, entry.cap)))
    }

    /// The open time of the candle of `interval` that contains `nowMs`.
    public static func currentOpenTimeMs(interval: String, nowMs: Int64) -> Int64? {
        guard let entry = table[interval] else { return nil }
        switch entry.length {
        case .some(let length) where interval == "1w":
            // The epoch was a Thursday; weeks start on Monday, four days later.
            return nowMs - floorMod(nowMs - 4 * day, length)
        case .some(let length):
            return nowMs - floorMod(nowMs, length)
        case .none:
            let (year, month) = CivilMonth.containing(nowMs)
            return CivilMonth.startMs(year: year, month: month)
        }
    }

    /// The open time of the candle after the one opening at `openTimeMs` (its close, exclusive).
    public static func nextOpenTimeMs(interval: String, openTimeMs: Int64) -> Int64? {
        guard let entry = table[interval] else { return nil }
        if let length = entry.length { return openTimeMs + length }
        let (year, month) = CivilMonth.containing(openTimeMs)
        return month == 12 ? CivilMonth.startMs(year: year + 1, month: 1) : CivilMonth.startMs(year: year, month: month + 1)
    }

    /// The open time of the newest candle of `interval` closed by `nowMs`, by the clock alone.
    /// Prefer the feed's own value; this is for callers without one.
    public static func lastClosedOpenTimeMs(interval: String, nowMs: Int64) -> Int64? {
        guard let open = currentOpenTimeMs(interval: interval, nowMs: nowMs) else { return nil }
        return currentOpenTimeMs(interval: interval, nowMs: open - 1)
    }

    /// Whether a response whose newest closed candle opened at `newestClosedOpenTimeMs` may be
    /// stored under a key made with `lastClosedOpenTimeMs` (the database had caught up).
    public static func isCurrent(newestClosedOpenTimeMs: Int64?, lastClosedOpenTimeMs: Int64) -> Bool {
        guard let newest = newestClosedOpenTimeMs else { return false }
        return newest >= lastClosedOpenTimeMs
    }

    /// `candles:{market}:{symbol}:{interval}:{limit}:{lastClosedOpenTimeMs}`.
    public static func candlesKey(market: String, symbol: String, interval: String, limit: Int, lastClosedOpenTimeMs: Int64) -> String {
        "\(candlesPrefix(market: market, symbol: symbol, interval: interval))\(limit):\(lastClosedOpenTimeMs)"
    }

    /// `candles:{market}:{symbol}:{interval}:`, the prefix of every key of that series
    /// (the trailing colon keeps `BTC` from matching `BTCUSDT`).
    public static func candlesPrefix(market: String, symbol: String, interval: String) -> String {
        "candles:\(market):\(symbol):\(interval):"
    }

    /// A SCAN glob for the keys of `symbol`: one interval or all (nil), one market or all (nil).
    public static func candlesPattern(market: String?, symbol: String, interval: String?) -> String {
        let m = market.map(RedisClient.globEscaped) ?? "*"
        let i = interval.map { RedisClient.globEscaped($0) + ":" } ?? ""
        return "candles:\(m):\(RedisClient.globEscaped(symbol)):\(i)*"
    }

    private static func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
        let r = a % b
        return r < 0 ? r + b : r
    }
}
