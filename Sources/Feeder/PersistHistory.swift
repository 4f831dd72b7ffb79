import Market
import ShmRing

/// The start-up candle history when the feeder persists: `historyCandles` per interval for
/// the database (the state tables keep their own 500). Futures klines take up to 1500 a
/// request, so one does; spot takes up to 1000, so a full first page is followed by one
/// older page (`startTime` paging) for the rest.
extension PersistPipeline {
    /// Binance's largest klines page per market.
    static func maxKlinesPage(_ market: MarketKind) -> Int { market == .spot ? 1000 : 1500 }

    /// The first klines request's size for `market`.
    static func historyLimit(_ market: MarketKind) -> Int { min(historyCandles, maxKlinesPage(market)) }

    /// The request for the candles before a full first page (`startTime == nil`) that fell
    /// short of `historyCandles`; nil when there is nothing more to ask (a page with a
    /// start, a short page: the market has no older candles).
    static func olderPage(symbol: SymbolID, market: MarketKind, interval: KlineInterval, startTime: Int64?, limit: Int,
                          bars: [KlineBar]) -> RESTRequest? {
        guard startTime == nil, bars.count >= limit, bars.count < historyCandles, let first = bars.first else { return nil }
        let missing = min(historyCandles - bars.count, maxKlinesPage(market))
        let start = first.openTime - Int64(missing) * intervalMs(interval)
        return .klines(symbol: symbol, market: market, interval: interval, startTime: start, limit: missing)
    }

    /// An interval's length. A month counts 28 days: the older page then starts late rather
    /// than early, overlapping the first page (harmless) instead of leaving a hole.
    static func intervalMs(_ interval: KlineInterval) -> Int64 {
        let minute: Int64 = 60_000
        switch interval {
        case .s1: return 1_000
        case .m1: return minute
        case .m3: return 3 * minute
        case .m5: return 5 * minute
        case .m15: return 15 * minute
        case .m30: return 30 * minute
        case .h1: return 60 * minute
        case .h2: return 120 * minute
        case .h4: return 240 * minute
        case .h6: return 360 * minute
        case .h8: return 480 * minute
        case .h12: return 720 * minute
        case .d1: return 1_440 * minute
        case .d3: return 3 * 1_440 * minute
        case .w1: return 7 * 1_440 * minute
        case .M1: return 28 * 1_440 * minute
        }
    }
}
