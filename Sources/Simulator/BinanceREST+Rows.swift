import Market

/// REST bodies from any list of trades, so a server keeping a longer history than the model
/// answers `trades`, `historicalTrades` and `aggTrades` with the same rows.
extension BinanceREST {
    /// `[{"id","price","qty","quoteQty","time","isBuyerMaker"[,"isBestMatch"]}]`.
    public static func tradeRows<C: Collection<SimTrade>>(_ rows: C, contract c: SimContractSpec,
                                                           venue: Venue) -> RESTResponse {
        var out = JSONBytes(capacity: 16 + 160 * rows.count)
        out.raw("[")
        for (k, t) in rows.enumerated() {
            if k > 0 { out.raw(",") }
            out.raw("{")
            out.member("id", t.tradeId, first: true)
            out.member("price", decimal: t.price, places: c.priceDecimals)
            out.member("qty", decimal: t.quantity, places: c.quantityDecimals)
            out.member("quoteQty", decimal: t.quoteQuantity, places: venue == .spot ? 8 : 0)
            out.member("time", t.tradeTime)
            out.member("isBuyerMaker", t.buyerIsMaker)
            if venue == .spot { out.member("isBestMatch", true) }
            out.raw("}")
        }
        out.raw("]")
        return RESTResponse(status: 200, body: out.bytes)
    }

    /// `[{"a","p","q","f","l","T","m"[,"M"]}]`: the stream's letters minus `e`/`E`/`s`.
    public static func aggTradeRows<C: Collection<SimAggTrade>>(_ rows: C, contract c: SimContractSpec) -> RESTResponse {
        var out = JSONBytes(capacity: 16 + 128 * rows.count)
        out.raw("[")
        for (k, a) in rows.enumerated() {
            if k > 0 { out.raw(",") }
            out.raw("{")
            out.member("a", a.aggregateId, first: true)
            BinanceFrames.aggTradeFields(a, c, &out)
            out.raw("}")
        }
        out.raw("]")
        return RESTResponse(status: 200, body: out.bytes)
    }

    /// Picks rows by time like Binance does (see `window`), for callers with their own history.
    public static func timeWindow<T>(_ items: [T], time: (T) -> Int64, start: Int64?, end: Int64?,
                                     limit: Int) -> ArraySlice<T> {
        window(items, time: time, start: start, end: end, limit: limit)
    }
}
