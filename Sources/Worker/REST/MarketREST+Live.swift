import Market
import ShmRing

/// The `/websocket/*` REST routes (API.md §1.6): the live state the stream keeps, read from the
/// state tables. One market per answer (futures unless `market=spot`, or spot for a symbol
/// with no futures data), never the original's mix of both.
extension MarketREST {
    static let liveSource = "websocket_cache"

    /// `{"symbol": S, ` … the common head.
    func head(_ out: inout JSONBytes, _ symbol: String) {
        out.raw("{")
        out.key("symbol", first: true)
        out.asciiString(symbol)
    }

    /// … `"timestamp": now, "source": "websocket_cache"}`.
    func tail(_ out: inout JSONBytes) -> RESTResponse {
        out.key("timestamp")
        out.integer(nowMs())
        out.key("source")
        out.raw("\"websocket_cache\"")
        out.raw("}")
        return RESTResponse(status: 200, body: out.bytes, headers: "Cache-Control: no-cache\r\n", taggable: false)
    }

    /// GET `/websocket/price/:symbol`: the last trade's price.
    func price(symbol: String, _ q: QueryParameters) throws(RESTFailure) -> RESTResponse {
        let index = try symbolIndex(symbol)
        let m = try market(q) { tables.latestTrade(symbolIndex: index, market: $0) != nil }
        guard let trade = tables.latestTrade(symbolIndex: index, market: m) else {
            return .error(404, "Price data not found for symbol")
        }
        var out = JSONBytes(capacity: 128)
        head(&out, symbol)
        out.key("price")
        out.fixed(trade.price)
        out.key("market")
        out.asciiString(m == .futures ? "futures" : "spot")
        return tail(&out)
    }

    /// GET `/websocket/depth/:symbol?limit=`: the local book (not the original's last diff).
    func depth(symbol: String, _ q: QueryParameters) throws(RESTFailure) -> RESTResponse {
        let index = try symbolIndex(symbol)
        let levels = try integer(q, "limit", default: 100, range: 1...5000, lenient: 100)
        let m = try market(q) { tables.book(symbolIndex: index, market: $0, depth: 1)?.top.isSynced == true }
        guard let book = tables.book(symbolIndex: index, market: m, depth: levels), book.top.isSynced else {
            return .error(404, "Depth data not found for symbol")
        }
        var out = JSONBytes(capacity: 64 + (book.bids.count + book.asks.count) * 40)
        head(&out, symbol)
        for (name, side) in [("bids", book.bids), ("asks", book.asks)] {
            out.key(name == "bids" ? "bids" : "asks")
            out.raw("[")
            for (i, level) in side.enumerated() {
                out.raw(i == 0 ? "[" : ",[")
                out.fixedString(level.price)
                out.raw(",")
                out.fixedString(level.quantity)
                out.raw("]")
            }
            out.raw("]")
        }
        out.key("first_update_id")
        out.integer(book.top.lastUpdateId)
        out.key("final_update_id")
        out.integer(book.top.lastUpdateId)
        out.key("event_time")
        out.integer(book.top.eventTimeMs)
        return tail(&out)
    }

    /// GET `/websocket/kline/:symbol/:interval`: the newest candle as Binance's `k` object.
    func kline(symbol: String, interval name: String, _ q: QueryParameters) throws(RESTFailure) -> RESTResponse {
        let index = try symbolIndex(symbol)
        let source = try interval(name)
        let m = try candleMarket(q, index, source)
        guard let c = source.aggregate(tables.candles(symbolIndex: index, market: m, interval: source.base.rawValue,
                                                      limit: source.factor)).last else {
            return .error(404, "Kline data not found for symbol and interval")
        }
        var out = JSONBytes(capacity: 400)
        head(&out, symbol)
        out.key("interval")
        out.asciiString(name)
        out.key("kline")
        out.raw("{")
        out.key("t", first: true)
        out.integer(c.openTimeMs)
        out.key("T")
        out.integer(c.closeTimeMs)
        out.key("s")
        out.asciiString(symbol)
        out.key("i")
        out.asciiString(name)
        out.key("f")
        out.integer(c.firstTradeId)
        out.key("L")
        out.integer(c.lastTradeId)
        for (key, value) in [("o", c.open), ("c", c.close), ("h", c.high), ("l", c.low), ("v", c.volume)] {
            out.raw(",")
            out.asciiString(key)
            out.raw(":")
            out.fixedString(value)
        }
        out.key("n")
        out.integer(c.tradeCount)
        out.key("x")
        out.bool(c.isClosed)
        for (key, value) in [("q", c.quoteVolume), ("V", c.takerBuyBase), ("Q", c.takerBuyQuote)] {
            out.raw(",")
            out.asciiString(key)
            out.raw(":")
            out.fixedString(value)
        }
        // Binance's "ignore" field.
        out.raw(#","B":"0"}"#)
        out.key("event_time")
        out.integer(min(nowMs(), c.closeTimeMs))
        return tail(&out)
    }

    /// GET `/websocket/volume/:symbol?interval=` (default 1m): the current candle's taker-buy
    /// and taker-sell volume, and the last 10 trades.
    func volume(symbol: String, _ q: QueryParameters) throws(RESTFailure) -> RESTResponse {
        let index = try symbolIndex(symbol)
        let name = q["interval"].flatMap { $0.isEmpty ? nil : $0 } ?? "1m"
        guard let source = try? interval(name) else { return .error(404, "Volume data not found for symbol and interval") }
        let m = try candleMarket(q, index, source)
        guard let c = source.aggregate(tables.candles(symbolIndex: index, market: m, interval: source.base.rawValue,
                                                      limit: source.factor)).last else {
            return .error(404, "Volume data not found for symbol and interval")
        }
        let total = Fixed.double(c.volume)
        let buy = Fixed.double(c.takerBuyBase)
        let sell = max(0, total - buy)
        var out = JSONBytes(capacity: 1200)
        head(&out, symbol)
        out.key("current_candle")
        out.raw("{")
        out.key("interval", first: true)
        out.asciiString(name)
        out.key("total_volume")
        out.fixed(c.volume)
        out.key("buy_volume")
        out.fixed(c.takerBuyBase)
        out.key("sell_volume")
        out.fixed(max(0, c.volume - c.takerBuyBase))
        out.key("delta")
        out.fixed(c.takerBuyBase - max(0, c.volume - c.takerBuyBase))
        out.key("buy_percentage")
        out.double(total > 0 ? buy / total * 100 : 0)
        out.key("sell_percentage")
        out.double(total > 0 ? sell / total * 100 : 0)
        out.key("start_time")
        out.integer(c.openTimeMs)
        out.key("is_closed")
        out.bool(c.isClosed)
        out.raw("}")
        out.key("recent_trades")
        out.raw("[")
        for (i, t) in tables.recentTrades(symbolIndex: index, market: m, limit: 10).map(\.trade).enumerated() {
            out.raw(i == 0 ? "{" : ",{")
            out.key("price", first: true)
            out.fixed(t.price)
            out.key("quantity")
            out.fixed(t.quantity)
            out.key("is_buy")
            out.bool(t.flags & TradeRecord.buyerIsMaker == 0)
            out.key("timestamp")
            out.integer(t.tradeTimeMs)
            out.raw("}")
        }
        out.raw("]")
        return tail(&out)
    }

    /// GET `/websocket/markprice/:symbol`: futures mark and index price and funding.
    func markPrice(symbol: String) throws(RESTFailure) -> RESTResponse {
        let index = try symbolIndex(symbol)
        guard let mark = tables.markPrice(symbolIndex: index) else { return .error(404, "Mark price data not found for symbol") }
        var out = JSONBytes(capacity: 300)
        head(&out, symbol)
        out.key("mark_price")
        out.fixedString(mark.markPrice)
        out.key("index_price")
        out.fixedString(mark.indexPrice)
        out.key("estimated_price")
        out.fixedString(mark.estimatedSettlePrice)
        out.key("funding_rate")
        out.fixedString(mark.fundingRate)
        out.key("next_funding_time")
        out.integer(mark.nextFundingTimeMs)
        out.key("event_time")
        out.integer(mark.eventTimeMs)
        return tail(&out)
    }
}
