/// Single-record sections: the latest trade, 24 h ticker, book ticker and mark price of each
/// symbol and market. Each is `seqlock | count | record`.
extension StateTables {
    /// Stores `record` in the section at `offset` of its symbol and market, and counts it.
    @inline(__always)
    func storeLatest<R: MarketRecord>(_ record: R, at offset: Int) {
        let s = section(Int(record.symbolIndex), record.market, offset)
        write(s) {
            s.storeBytes(of: record, toByteOffset: Layout.Section.record, as: R.self)
            Self.setCount(s, Self.count(s) &+ 1)
        }
    }

    /// The record in the section at `offset`, or nil if none was stored yet (or it stayed torn).
    @inline(__always)
    func loadLatest<R: MarketRecord>(_ symbol: Int, _ market: MarketKind, at offset: Int, as _: R.Type) -> R? {
        let s = section(symbol, market, offset)
        return read(s) { () -> R? in
            guard Self.count(s) > 0 else { return nil }
            return s.load(fromByteOffset: Layout.Section.record, as: R.self)
        } ?? nil
    }

    // MARK: Writer (the feeder)

    /// Stores `trade` as its symbol's latest trade in its market, counts it, and appends it
    /// to the market's recent trades.
    public func updateTrade(_ trade: TradeRecord) { updateTrade(RecentTrade(trade)) }

    /// A futures aggTrade: the latest trade in the trade's shape (`tradeId` is the aggregate
    /// id), the recent trades with its trade ids and event time.
    public func updateTrade(_ trade: AggTradeRecord) { updateTrade(RecentTrade(trade)) }

    func updateTrade(_ recent: RecentTrade) {
        let trade = recent.trade
        storeLatest(trade, at: Layout.MarketEntry.trade)
        appendRecent(recent, symbol: Int(trade.symbolIndex), market: trade.market,
                     at: layout.recentTradesOffset, capacity: geometry.recentTrades)
    }

    public func updateTicker(_ ticker: TickerRecord) { storeLatest(ticker, at: Layout.MarketEntry.ticker) }

    public func updateBookTicker(_ ticker: BookTickerRecord) { storeLatest(ticker, at: Layout.MarketEntry.bookTicker) }

    public func updateMarkPrice(_ mark: MarkPriceRecord) { storeLatest(mark, at: Layout.MarketEntry.markPrice) }

    // MARK: Readers

    /// The latest trade of the symbol in `market`, or nil if it never traded there (or the
    /// entry stayed torn for `readAttempts` tries).
    public func latestTrade(symbolIndex: Int, market: MarketKind = .spot) -> TradeRecord? {
        loadLatest(symbolIndex, market, at: Layout.MarketEntry.trade, as: TradeRecord.self)
    }

    /// How many trades the symbol has seen in `market` since the section was last cleared.
    public func tradeCount(symbolIndex: Int, market: MarketKind = .spot) -> UInt64 {
        let s = section(symbolIndex, market, Layout.MarketEntry.trade)
        return read(s) { Self.count(s) } ?? 0
    }

    public func ticker(symbolIndex: Int, market: MarketKind) -> TickerRecord? {
        loadLatest(symbolIndex, market, at: Layout.MarketEntry.ticker, as: TickerRecord.self)
    }

    public func bookTicker(symbolIndex: Int, market: MarketKind) -> BookTickerRecord? {
        loadLatest(symbolIndex, market, at: Layout.MarketEntry.bookTicker, as: BookTickerRecord.self)
    }

    /// Mark price and funding (futures only, in practice).
    public func markPrice(symbolIndex: Int, market: MarketKind = .futures) -> MarkPriceRecord? {
        loadLatest(symbolIndex, market, at: Layout.MarketEntry.markPrice, as: MarkPriceRecord.self)
    }
}
