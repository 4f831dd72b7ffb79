import Market
import ShmRing

extension KlineInterval {
    /// The open time of the candle containing `timeMs`. Binance's weeks open on Monday
    /// 00:00 UTC (the epoch was a Thursday); every other fixed interval counts from the epoch.
    public func openTime(containing timeMs: Int64) -> Int64? {
        guard let length = milliseconds else { return nil }
        let offset: Int64 = self == .w1 ? 4 * 86_400_000 : 0
        let shifted = timeMs - offset
        let floor = shifted >= 0 ? shifted / length : (shifted - length + 1) / length
        return floor * length + offset
    }
}

/// Where the candles of an interval come from: its own candle ring in the state tables, or a
/// served interval it is built from (3m from 1m, 1w from 1d, …) when the feeder does not
/// stream it.
public struct CandleSource: Equatable, Sendable {
    /// The interval asked for.
    public let interval: KlineInterval
    /// The served interval read (equal to `interval` when it is served itself).
    public let base: KlineInterval
    /// Base candles per candle asked for.
    public let factor: Int

    /// How `interval` is served given the served `intervals`; nil when it cannot be (a month
    /// with no `1M` ring, or no served interval divides it).
    public init?(_ interval: KlineInterval, served: [KlineInterval]) {
        self.interval = interval
        if served.contains(interval) {
            base = interval
            factor = 1
            return
        }
        guard let length = interval.milliseconds else { return nil }
        let candidates = served.compactMap { s -> (KlineInterval, Int64)? in
            guard let l = s.milliseconds, l < length, length % l == 0 else { return nil }
            // Weeks start on Mondays, days on the epoch's midnights: both align with a day's
            // subdivisions; 3-day candles do not align with weeks.
            if interval == .w1 && s == .d3 { return nil }
            return (s, l)
        }
        guard let best = candidates.max(by: { $0.1 < $1.1 }) else { return nil }
        base = best.0
        factor = Int(length / best.1)
    }

    /// Base candles to read for the newest `limit` candles: one candle's worth more when they are
    /// built, so a partial oldest one can be told and dropped.
    public func baseCount(for limit: Int) -> Int { (limit + (factor > 1 ? 1 : 0)) * factor }

    /// The newest `limit` candles built from `base` (oldest first, as read for
    /// `baseCount(for: limit)`). When `base` is that full, older base candles exist that were not
    /// read, so an oldest candle that does not start at its own open time is partial: dropped.
    public func newest(_ limit: Int, from base: [Candle]) -> [Candle] {
        var built = aggregate(base)
        if factor > 1, base.count >= baseCount(for: limit), let first = built.first, first.openTimeMs != base.first?.openTimeMs {
            built.removeFirst()
        }
        return Array(built.suffix(limit))
    }

    /// 9999-12-31T23:59:59.999Z: no candle opens later (RFC 3339's last year, PostgreSQL's too).
    static let latestOpenTimeMs: Int64 = 253_402_300_799_999

    /// Folds base candles (oldest first) into candles of `interval`, oldest first.
    public func aggregate(_ candles: [Candle]) -> [Candle] {
        guard factor > 1 else { return candles }
        var out: [Candle] = []
        out.reserveCapacity(candles.count / factor + 1)
        for c in candles {
            // The feeder refuses implausible times; a candle outside them anyway is skipped
            // rather than trusted with the arithmetic below.
            guard (0...Self.latestOpenTimeMs).contains(c.openTimeMs),
                  let open = interval.openTime(containing: c.openTimeMs), let length = interval.milliseconds else { continue }
            if var last = out.last, last.openTimeMs == open {
                last.foldTradeIds(of: c)
                last.high = max(last.high, c.high)
                last.low = min(last.low, c.low)
                last.close = c.close
                last.volume &+= c.volume
                last.quoteVolume &+= c.quoteVolume
                last.takerBuyBase &+= c.takerBuyBase
                last.takerBuyQuote &+= c.takerBuyQuote
                last.tradeCount &+= c.tradeCount
                // Closed once its last base candle has closed.
                last.isClosed = c.isClosed && c.closeTimeMs >= open + length - 1
                out[out.count - 1] = last
            } else {
                out.append(Candle(openTimeMs: open, closeTimeMs: open + length - 1, firstTradeId: c.firstTradeId,
                                  lastTradeId: c.lastTradeId, open: c.open, high: c.high, low: c.low,
                                  close: c.close, volume: c.volume, quoteVolume: c.quoteVolume, tradeCount: c.tradeCount,
                                  takerBuyBase: c.takerBuyBase, takerBuyQuote: c.takerBuyQuote,
                                  closed: c.isClosed && c.closeTimeMs >= open + length - 1))
            }
        }
        return out
    }
}

/// The candle responses' JSON (API.md §1.3, the "optimized" format).
enum CandleJSON {
    /// `{"t","o","h","l","c","v","bv","sv"}`: `bv` is the taker-buy base volume, `sv` the rest.
    static func candle(_ out: inout JSONBytes, _ c: Candle) {
        out.raw("{")
        out.key("t", first: true)
        out.integer(c.openTimeMs)
        out.key("o")
        out.fixed(c.open)
        out.key("h")
        out.fixed(c.high)
        out.key("l")
        out.fixed(c.low)
        out.key("c")
        out.fixed(c.close)
        out.key("v")
        out.fixed(c.volume)
        out.key("bv")
        out.fixed(c.takerBuyBase)
        out.key("sv")
        out.fixed(max(0, c.volume &- c.takerBuyBase))
        out.raw("}")
    }

    /// `{"s","i","d":[...],"n","f","l"}`; `f`/`l` (first and last open time) left out when empty.
    static func optimized(_ out: inout JSONBytes, symbol: String, interval: String, _ candles: [Candle]) {
        out.raw("{")
        out.key("s", first: true)
        out.asciiString(symbol)
        out.key("i")
        out.asciiString(interval)
        out.key("d")
        out.raw("[")
        for (i, c) in candles.enumerated() {
            if i > 0 { out.raw(",") }
            candle(&out, c)
        }
        out.raw("]")
        out.key("n")
        out.integer(Int64(candles.count))
        if let first = candles.first, let last = candles.last {
            out.key("f")
            out.integer(first.openTimeMs)
            out.key("l")
            out.integer(last.openTimeMs)
        }
        out.raw("}")
    }

    static func optimized(symbol: String, interval: String, _ candles: [Candle]) -> [UInt8] {
        var out = JSONBytes(capacity: 64 + candles.count * 120)
        optimized(&out, symbol: symbol, interval: interval, candles)
        return out.bytes
    }
}
