import Market

/// The payload objects, one function per event type; spot and futures differ in fields
/// (`M`, `X`, `pu`, `T`, bookTicker's `e`/`E`/`T`, ticker's `x`/`b`/`a`).
extension BinanceFrames {
    static func trade(_ t: SimTrade, _ c: SimContractSpec, _ out: inout JSONBytes) {
        out.raw("{")
        out.member("e", ascii: "trade", first: true)
        out.member("E", t.eventTime)
        if t.venue == .futures { out.member("T", t.tradeTime) }
        out.member("s", ascii: t.symbol)
        out.member("t", t.tradeId)
        out.member("p", decimal: t.price, places: c.priceDecimals)
        out.member("q", decimal: t.quantity, places: c.quantityDecimals)
        if t.venue == .futures {
            out.member("X", ascii: "MARKET")
        } else {
            out.member("T", t.tradeTime)
        }
        out.member("m", t.buyerIsMaker)
        if t.venue == .spot { out.member("M", true) }
        out.raw("}")
    }

    static func aggTrade(_ a: SimAggTrade, _ c: SimContractSpec, _ out: inout JSONBytes) {
        out.raw("{")
        out.member("e", ascii: "aggTrade", first: true)
        out.member("E", a.eventTime)
        if a.venue == .futures {
            out.member("a", a.aggregateId)
            out.member("s", ascii: a.symbol)
        } else {
            out.member("s", ascii: a.symbol)
            out.member("a", a.aggregateId)
        }
        aggTradeFields(a, c, &out)
        out.raw("}")
    }

    /// `p,q,f,l,T,m[,M]`: shared by the stream and the REST `aggTrades` rows.
    static func aggTradeFields(_ a: SimAggTrade, _ c: SimContractSpec, _ out: inout JSONBytes) {
        out.member("p", decimal: a.price, places: c.priceDecimals)
        out.member("q", decimal: a.quantity, places: c.quantityDecimals)
        out.member("f", a.firstTradeId)
        out.member("l", a.lastTradeId)
        out.member("T", a.tradeTime)
        out.member("m", a.buyerIsMaker)
        if a.venue == .spot { out.member("M", true) }
    }

    static func depth(_ d: SimDepthUpdate, _ c: SimContractSpec, _ out: inout JSONBytes) {
        out.raw("{")
        out.member("e", ascii: "depthUpdate", first: true)
        out.member("E", d.eventTime)
        if d.venue == .futures { out.member("T", d.transactionTime) }
        out.member("s", ascii: d.symbol)
        out.member("U", d.firstUpdateId)
        out.member("u", d.finalUpdateId)
        if d.venue == .futures { out.member("pu", d.previousFinalUpdateId) }
        out.key("b")
        levels(d.bids, c, &out)
        out.key("a")
        levels(d.asks, c, &out)
        out.raw("}")
    }

    /// `[["price","qty"],…]`.
    static func levels<C: Collection<PriceLevel>>(_ levels: C, _ c: SimContractSpec, _ out: inout JSONBytes) {
        out.raw("[")
        var first = true
        for l in levels {
            if !first { out.raw(",") }
            first = false
            out.raw("[")
            out.decimal(l.price, places: c.priceDecimals)
            out.raw(",")
            out.decimal(l.quantity, places: c.quantityDecimals)
            out.raw("]")
        }
        out.raw("]")
    }

    static func bookTicker(_ b: SimBookTicker, _ c: SimContractSpec, _ out: inout JSONBytes) {
        out.raw("{")
        if b.venue == .futures {
            out.member("e", ascii: "bookTicker", first: true)
            out.member("u", b.updateId)
            out.member("E", b.eventTime)
            out.member("T", b.transactionTime)
        } else {
            out.member("u", b.updateId, first: true)
        }
        out.member("s", ascii: b.symbol)
        out.member("b", decimal: b.bidPrice, places: c.priceDecimals)
        out.member("B", decimal: b.bidQuantity, places: c.quantityDecimals)
        out.member("a", decimal: b.askPrice, places: c.priceDecimals)
        out.member("A", decimal: b.askQuantity, places: c.quantityDecimals)
        out.raw("}")
    }

    static func kline(_ k: SimKline, _ c: SimContractSpec, _ out: inout JSONBytes) {
        let bar = k.bar
        let quotePlaces = k.venue == .spot ? 8 : 0
        out.raw("{")
        out.member("e", ascii: "kline", first: true)
        out.member("E", k.eventTime)
        out.member("s", ascii: k.symbol)
        out.key("k")
        out.raw("{")
        out.member("t", bar.openTime, first: true)
        out.member("T", bar.closeTime)
        out.member("s", ascii: k.symbol)
        out.member("i", ascii: k.interval.name)
        out.member("f", bar.firstTradeId)
        out.member("L", bar.lastTradeId)
        out.member("o", decimal: bar.open, places: c.priceDecimals)
        out.member("c", decimal: bar.close, places: c.priceDecimals)
        out.member("h", decimal: bar.high, places: c.priceDecimals)
        out.member("l", decimal: bar.low, places: c.priceDecimals)
        out.member("v", decimal: bar.volume, places: c.quantityDecimals)
        out.member("n", bar.tradeCount)
        out.member("x", k.closed)
        out.member("q", decimal: bar.quoteVolume, places: quotePlaces)
        out.member("V", decimal: bar.takerBuyBase, places: c.quantityDecimals)
        out.member("Q", decimal: bar.takerBuyQuote, places: quotePlaces)
        out.member("B", ascii: "0")
        out.raw("}}")
    }

    static func ticker(_ t: SimTicker, _ c: SimContractSpec, _ out: inout JSONBytes) {
        let spot = t.venue == .spot
        let quotePlaces = spot ? 8 : 0
        out.raw("{")
        out.member("e", ascii: "24hrTicker", first: true)
        out.member("E", t.eventTime)
        out.member("s", ascii: t.symbol)
        out.member("p", decimal: t.priceChange, places: c.priceDecimals)
        out.member("P", decimal: t.priceChangePercent, places: 3)
        out.member("w", decimal: t.weightedAveragePrice, places: c.priceDecimals)
        if spot { out.member("x", decimal: t.previousClose, places: c.priceDecimals) }
        out.member("c", decimal: t.lastPrice, places: c.priceDecimals)
        out.member("Q", decimal: t.lastQuantity, places: c.quantityDecimals)
        if spot {
            out.member("b", decimal: t.bidPrice, places: c.priceDecimals)
            out.member("B", decimal: t.bidQuantity, places: c.quantityDecimals)
            out.member("a", decimal: t.askPrice, places: c.priceDecimals)
            out.member("A", decimal: t.askQuantity, places: c.quantityDecimals)
        }
        out.member("o", decimal: t.open, places: c.priceDecimals)
        out.member("h", decimal: t.high, places: c.priceDecimals)
        out.member("l", decimal: t.low, places: c.priceDecimals)
        out.member("v", decimal: t.volume, places: c.quantityDecimals)
        out.member("q", decimal: t.quoteVolume, places: quotePlaces)
        out.member("O", t.openTime)
        out.member("C", t.closeTime)
        out.member("F", t.firstTradeId)
        out.member("L", t.lastTradeId)
        out.member("n", t.tradeCount)
        out.raw("}")
    }

    static func markPrice(_ m: SimMarkPrice, _ out: inout JSONBytes) {
        out.raw("{")
        out.member("e", ascii: "markPriceUpdate", first: true)
        out.member("E", m.eventTime)
        out.member("s", ascii: m.symbol)
        out.member("p", decimal: m.markPrice, places: 8)
        out.member("i", decimal: m.indexPrice, places: 8)
        out.member("P", decimal: m.estimatedSettlePrice, places: 8)
        out.member("r", decimal: m.fundingRate, places: 8)
        out.member("T", m.nextFundingTime)
        out.raw("}")
    }

    static func forceOrder(_ f: SimForceOrder, _ c: SimContractSpec, _ out: inout JSONBytes) {
        out.raw("{")
        out.member("e", ascii: "forceOrder", first: true)
        out.member("E", f.eventTime)
        out.key("o")
        out.raw("{")
        out.member("s", ascii: f.symbol, first: true)
        out.member("S", ascii: f.side == .sell ? "SELL" : "BUY")
        out.member("o", ascii: "LIMIT")
        out.member("f", ascii: "IOC")
        out.member("q", decimal: f.quantity, places: c.quantityDecimals)
        out.member("p", decimal: f.price, places: c.priceDecimals)
        out.member("ap", decimal: f.averagePrice, places: c.priceDecimals)
        out.member("X", ascii: "FILLED")
        out.member("l", decimal: f.quantity, places: c.quantityDecimals)
        out.member("z", decimal: f.quantity, places: c.quantityDecimals)
        out.member("T", f.tradeTime)
        out.raw("}}")
    }
}
