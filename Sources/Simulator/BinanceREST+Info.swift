import Market

/// `ticker/24hr` and `exchangeInfo`.
extension BinanceREST {
    /// One object for `symbol`, or an array of every symbol when nil.
    public static func ticker24hr(_ market: SimulatedMarket, symbol: String?, venue: Venue,
                                  nowMs: Int64) -> RESTResponse {
        var out = JSONBytes(capacity: 1024)
        if let symbol {
            guard let t = market.ticker(symbol: symbol, venue: venue, nowMs: nowMs),
                  let spec = market.spec(symbol: symbol) else { return invalidSymbol() }
            tickerObject(t, spec.contract(venue), &out)
        } else {
            out.raw("[")
            for (k, spec) in market.config.symbols.enumerated() {
                if k > 0 { out.raw(",") }
                if let t = market.ticker(symbol: spec.symbol, venue: venue, nowMs: nowMs) {
                    tickerObject(t, spec.contract(venue), &out)
                }
            }
            out.raw("]")
        }
        return RESTResponse(status: 200, body: out.bytes)
    }

    static func tickerObject(_ t: SimTicker, _ c: SimContractSpec, _ out: inout JSONBytes) {
        let spot = t.venue == .spot
        let p = c.priceDecimals
        let q = c.quantityDecimals
        out.raw("{")
        out.member("symbol", ascii: t.symbol, first: true)
        out.member("priceChange", decimal: t.priceChange, places: p)
        out.member("priceChangePercent", decimal: t.priceChangePercent, places: 3)
        out.member("weightedAvgPrice", decimal: t.weightedAveragePrice, places: p)
        if spot { out.member("prevClosePrice", decimal: t.previousClose, places: p) }
        out.member("lastPrice", decimal: t.lastPrice, places: p)
        out.member("lastQty", decimal: t.lastQuantity, places: q)
        if spot {
            out.member("bidPrice", decimal: t.bidPrice, places: p)
            out.member("bidQty", decimal: t.bidQuantity, places: q)
            out.member("askPrice", decimal: t.askPrice, places: p)
            out.member("askQty", decimal: t.askQuantity, places: q)
        }
        out.member("openPrice", decimal: t.open, places: p)
        out.member("highPrice", decimal: t.high, places: p)
        out.member("lowPrice", decimal: t.low, places: p)
        out.member("volume", decimal: t.volume, places: q)
        out.member("quoteVolume", decimal: t.quoteVolume, places: spot ? 8 : 0)
        out.member("openTime", t.openTime)
        out.member("closeTime", t.closeTime)
        out.member("firstId", t.firstTradeId)
        out.member("lastId", t.lastTradeId)
        out.member("count", t.tradeCount)
        out.raw("}")
    }

    /// `exchangeInfo` for every configured symbol, or just `symbol` (-1121 when unknown).
    public static func exchangeInfo(_ market: SimulatedMarket, venue: Venue, symbol: String? = nil,
                                    nowMs: Int64) -> RESTResponse {
        exchangeInfo(market, venue: venue, symbols: symbol.map { [$0] }, nowMs: nowMs)
    }

    /// `exchangeInfo` for the listed symbols (every configured one when nil); -1121 when any
    /// is unknown.
    public static func exchangeInfo(_ market: SimulatedMarket, venue: Venue, symbols: [String]?,
                                    nowMs: Int64) -> RESTResponse {
        var specs = market.config.symbols
        if let symbols {
            specs = symbols.compactMap { s in market.config.symbols.first { $0.symbol == s } }
            if specs.isEmpty || specs.count != symbols.count { return invalidSymbol() }
        }
        var out = JSONBytes(capacity: 1024 + 768 * specs.count)
        out.raw("{")
        out.member("timezone", ascii: "UTC", first: true)
        out.member("serverTime", nowMs)
        if venue == .futures { out.member("futuresType", ascii: "U_MARGINED") }
        out.key("rateLimits")
        out.raw("[")
        rateLimit(&out, type: "REQUEST_WEIGHT", interval: "MINUTE", number: 1, limit: venue == .spot ? 6000 : 2400)
        out.raw(",")
        rateLimit(&out, type: "ORDERS", interval: "SECOND", number: 10, limit: 100)
        out.raw(",")
        rateLimit(&out, type: "RAW_REQUESTS", interval: "MINUTE", number: 5, limit: 61000)
        out.raw("]")
        out.key("exchangeFilters")
        out.raw("[]")
        out.key("symbols")
        out.raw("[")
        for (k, spec) in specs.enumerated() {
            if k > 0 { out.raw(",") }
            symbolInfo(spec, venue: venue, &out)
        }
        out.raw("]}")
        return RESTResponse(status: 200, body: out.bytes)
    }

    static func rateLimit(_ out: inout JSONBytes, type: String, interval: String, number: Int64, limit: Int64) {
        out.raw("{")
        out.member("rateLimitType", ascii: type, first: true)
        out.member("interval", ascii: interval)
        out.member("intervalNum", number)
        out.member("limit", limit)
        out.raw("}")
    }

    static func symbolInfo(_ spec: SimSymbolSpec, venue: Venue, _ out: inout JSONBytes) {
        let c = spec.contract(venue)
        out.raw("{")
        out.member("symbol", ascii: spec.symbol, first: true)
        if venue == .futures {
            out.member("pair", ascii: spec.symbol)
            out.member("contractType", ascii: "PERPETUAL")
            out.member("deliveryDate", 4_133_404_800_000)
            out.member("onboardDate", 1_569_398_400_000)
        }
        out.member("status", ascii: spec.status)
        out.member("baseAsset", ascii: spec.baseAsset)
        out.member("quoteAsset", ascii: spec.quoteAsset)
        if venue == .spot {
            out.member("baseAssetPrecision", 8)
            out.member("quotePrecision", 8)
            out.member("quoteAssetPrecision", 8)
            out.member("isSpotTradingAllowed", true)
            out.key("permissions")
            out.raw("[]")
            out.key("permissionSets")
            out.raw("[[\"SPOT\"]]")
        } else {
            out.member("marginAsset", ascii: spec.quoteAsset)
            out.member("pricePrecision", Int64(c.priceDecimals))
            out.member("quantityPrecision", Int64(c.quantityDecimals))
        }
        out.key("filters")
        out.raw("[{")
        out.member("filterType", ascii: "PRICE_FILTER", first: true)
        out.member("minPrice", decimal: c.tickSize, places: c.priceDecimals)
        out.member("maxPrice", decimal: 1_000_000 * Fixed.scale, places: c.priceDecimals)
        out.member("tickSize", decimal: c.tickSize, places: c.priceDecimals)
        out.raw("},{")
        out.member("filterType", ascii: "LOT_SIZE", first: true)
        out.member("minQty", decimal: c.stepSize, places: c.quantityDecimals)
        out.member("maxQty", decimal: 9_000 * Fixed.scale, places: c.quantityDecimals)
        out.member("stepSize", decimal: c.stepSize, places: c.quantityDecimals)
        out.raw("}]}")
    }
}
