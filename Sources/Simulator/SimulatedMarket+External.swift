import Market

/// Instruments driven from outside (a replay feeds their trades and top of book) and cheap reads
/// of what a step added, for the server's own trade ledger.
extension SimulatedMarket {
    /// Marks an instrument as external: later steps only roll its bars and push its periodic
    /// streams (klines, ticker, mark price); no taker orders, book walk or depth. False for an
    /// unknown instrument.
    @discardableResult
    public mutating func setExternal(symbol: String, venue: Venue) -> Bool {
        guard let i = index(symbol, venue) else { return false }
        instruments[i].external = true
        return true
    }

    /// Folds a trade that happened elsewhere (a replayed one) into bars, last price and the
    /// 24 h statistics; the trade's symbol and venue pick the instrument. Bars roll to the
    /// trade's own time first (closed klines go to `out`), so a trade lands in the kline of its
    /// trade time, as Binance folds them, not in whichever bar the periodic step left open.
    public mutating func recordExternal(_ trade: SimTrade, into out: inout [SimEvent]) {
        guard let i = index(trade.symbol, trade.venue) else { return }
        instruments[i].rollBars(now: trade.tradeTime, config: config, out: &out)
        instruments[i].record(trade, config: config)
    }

    /// Replaces an external instrument's book with just its best levels (for the ticker's
    /// bid/ask and the mark price).
    public mutating func setExternalTop(symbol: String, venue: Venue, bid: PriceLevel?, ask: PriceLevel?) {
        guard let i = index(symbol, venue) else { return }
        var book = SimOrderBook()
        if let bid { book.set(bid: true, price: bid.price, quantity: bid.quantity) }
        if let ask { book.set(bid: false, price: ask.price, quantity: ask.quantity) }
        instruments[i].book = book
    }

    /// Trades with an id above `id`, oldest first (only the recent history is kept).
    public func trades(symbol: String, venue: Venue, after id: Int64) -> ArraySlice<SimTrade> {
        guard let i = index(symbol, venue) else { return [] }
        let all = instruments[i].trades
        var start = all.endIndex
        while start > all.startIndex && all[start - 1].tradeId > id { start -= 1 }
        return all[start...]
    }

    /// Aggregate trades with an id above `id`, oldest first.
    public func aggTrades(symbol: String, venue: Venue, after id: Int64) -> ArraySlice<SimAggTrade> {
        guard let i = index(symbol, venue) else { return [] }
        let all = instruments[i].aggTrades
        var start = all.endIndex
        while start > all.startIndex && all[start - 1].aggregateId > id { start -= 1 }
        return all[start...]
    }
}
