import Market

/// Payloads derived from the model's events and book rather than emitted by it: the mini
/// ticker, the spot average price, and partial-depth snapshots (binance-protocol.md §1.5, §2.2).
extension BinanceFrames {
    /// `24hrMiniTicker`: `e,E,s,c,o,h,l,v,q`.
    public static func miniTicker(_ t: SimTicker, _ c: SimContractSpec, _ out: inout JSONBytes) {
        out.raw("{")
        out.member("e", ascii: "24hrMiniTicker", first: true)
        out.member("E", t.eventTime)
        out.member("s", ascii: t.symbol)
        out.member("c", decimal: t.lastPrice, places: c.priceDecimals)
        out.member("o", decimal: t.open, places: c.priceDecimals)
        out.member("h", decimal: t.high, places: c.priceDecimals)
        out.member("l", decimal: t.low, places: c.priceDecimals)
        out.member("v", decimal: t.volume, places: c.quantityDecimals)
        out.member("q", decimal: t.quoteVolume, places: t.venue == .spot ? 8 : 0)
        out.raw("}")
    }

    /// Spot `avgPrice`: `e,E,s,i,w,T`, the 24 h weighted average standing in for the 5 min one.
    public static func avgPrice(_ t: SimTicker, _ c: SimContractSpec, _ out: inout JSONBytes) {
        out.raw("{")
        out.member("e", ascii: "avgPrice", first: true)
        out.member("E", t.eventTime)
        out.member("s", ascii: t.symbol)
        out.member("i", ascii: "5m")
        out.member("w", decimal: t.weightedAveragePrice == 0 ? t.lastPrice : t.weightedAveragePrice,
                   places: c.priceDecimals)
        out.member("T", t.closeTime)
        out.raw("}")
    }

    /// The best `levels` of a book. Spot: `{"lastUpdateId","bids","asks"}` (no event type, no
    /// symbol); futures: the diff header `e,E,T,s,U,u,pu` with `b`/`a`.
    public static func partialDepth(symbol: String, venue: Venue, book: SimOrderBook, levels: Int,
                                    updateId: Int64, previousUpdateId: Int64, eventTime: Int64,
                                    _ c: SimContractSpec, _ out: inout JSONBytes) {
        out.raw("{")
        if venue == .spot {
            out.member("lastUpdateId", updateId, first: true)
            out.key("bids")
            BinanceFrames.levels(book.bids.prefix(levels), c, &out)
            out.key("asks")
            BinanceFrames.levels(book.asks.prefix(levels), c, &out)
        } else {
            out.member("e", ascii: "depthUpdate", first: true)
            out.member("E", eventTime)
            out.member("T", eventTime)
            out.member("s", ascii: symbol)
            out.member("U", updateId)
            out.member("u", updateId)
            out.member("pu", previousUpdateId)
            out.key("b")
            BinanceFrames.levels(book.bids.prefix(levels), c, &out)
            out.key("a")
            BinanceFrames.levels(book.asks.prefix(levels), c, &out)
        }
        out.raw("}")
    }

    /// The raw payload of an event (no combined wrapper), into `out`.
    public static func payload(_ event: SimEvent, specs: [SimSymbolSpec], into out: inout JSONBytes) {
        encode(event, stream: nil, specs: specs, into: &out)
    }

    /// The contract of the symbol and venue an event belongs to.
    public static func contract(of event: SimEvent, specs: [SimSymbolSpec]) -> SimContractSpec {
        contract(event, specs)
    }
}
