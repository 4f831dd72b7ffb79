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
    static func intervalMs(_ interval: KlineInterval) -> Int64 { interval.milliseconds ?? 28 * 86_400_000 }
}
