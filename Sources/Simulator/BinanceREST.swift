import Market

/// An HTTP status and a JSON body.
public struct RESTResponse: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// REST bodies read from the same state as the streams (binance-protocol.md §3): depth
/// snapshots at the diff sequence's current id, klines from the same bars, aggTrades and
/// trades from the bounded history, the 24 h ticker, exchangeInfo, time, ping, errors.
public enum BinanceREST {
    public static func ping() -> RESTResponse { RESTResponse(status: 200, body: Array("{}".utf8)) }

    public static func time(nowMs: Int64) -> RESTResponse {
        var out = JSONBytes(capacity: 32)
        out.raw("{")
        out.member("serverTime", nowMs, first: true)
        out.raw("}")
        return RESTResponse(status: 200, body: out.bytes)
    }

    /// Binance's error form `{"code":-1121,"msg":"Invalid symbol."}`.
    public static func error(code: Int, message: String, status: Int = 400) -> RESTResponse {
        var out = JSONBytes(capacity: 64)
        out.raw("{")
        out.member("code", Int64(code), first: true)
        out.key("msg")
        out.string(message)
        out.raw("}")
        return RESTResponse(status: status, body: out.bytes)
    }

    public static func invalidSymbol() -> RESTResponse { error(code: -1121, message: "Invalid symbol.") }
    public static func invalidInterval() -> RESTResponse { error(code: -1120, message: "Invalid interval.") }

    /// `GET /api/v3/depth` (spot, limit default 100, max 5000) or `/fapi/v1/depth` (default
    /// 500, max 1000, with `E` and `T`); `lastUpdateId` is the last diff's `u`.
    public static func depth(_ market: SimulatedMarket, symbol: String, venue: Venue, limit: Int?,
                             nowMs: Int64) -> RESTResponse {
        guard let book = market.book(symbol: symbol, venue: venue),
              let id = market.lastUpdateId(symbol: symbol, venue: venue),
              let spec = market.spec(symbol: symbol) else { return invalidSymbol() }
        return depthBody(book: book, lastUpdateId: id, venue: venue, contract: spec.contract(venue), limit: limit,
                         nowMs: nowMs)
    }

    /// A depth snapshot of any book (a replayed one, say) at `lastUpdateId`.
    public static func depthBody(book: SimOrderBook, lastUpdateId id: Int64, venue: Venue, contract c: SimContractSpec,
                                 limit: Int?, nowMs: Int64) -> RESTResponse {
        let n = min(max(limit ?? (venue == .spot ? 100 : 500), 1), venue == .spot ? 5000 : 1000)
        var out = JSONBytes(capacity: 64 + 64 * min(n, book.bids.count + book.asks.count))
        out.raw("{")
        out.member("lastUpdateId", id, first: true)
        if venue == .futures {
            out.member("E", nowMs)
            out.member("T", nowMs)
        }
        out.key("bids")
        BinanceFrames.levels(book.bids.prefix(n), c, &out)
        out.key("asks")
        BinanceFrames.levels(book.asks.prefix(n), c, &out)
        out.raw("}")
        return RESTResponse(status: 200, body: out.bytes)
    }

    /// Picks items by time like Binance: none → most recent `limit`; start → oldest from
    /// start; end only → most recent up to end; both → from start, capped at end.
    static func window<T>(_ items: [T], time: (T) -> Int64, start: Int64?, end: Int64?, limit: Int) -> ArraySlice<T> {
        var slice = items[...]
        if let end { slice = slice.prefix { time($0) <= end } }
        if let start {
            slice = slice.drop { time($0) < start }
            return slice.prefix(limit)
        }
        return slice.suffix(limit)
    }

    /// `klines`: 12-element rows `[t,"o","h","l","c","v",T,"q",n,"V","Q","0"]`.
    public static func klines(_ market: SimulatedMarket, symbol: String, venue: Venue, interval: KlineInterval,
                              startTime: Int64?, endTime: Int64?, limit: Int?) -> RESTResponse {
        guard let spec = market.spec(symbol: symbol) else { return invalidSymbol() }
        guard let bars = market.bars(symbol: symbol, venue: venue, interval: interval) else {
            return invalidInterval()
        }
        let n = min(max(limit ?? 500, 1), venue == .spot ? 1000 : 1500)
        let rows = window(bars, time: { $0.openTime }, start: startTime, end: endTime, limit: n)
        let c = spec.contract(venue)
        let quotePlaces = venue == .spot ? 8 : 0
        var out = JSONBytes(capacity: 16 + 160 * rows.count)
        out.raw("[")
        for (k, b) in rows.enumerated() {
            if k > 0 { out.raw(",") }
            out.raw("[")
            out.integer(b.openTime)
            for v in [b.open, b.high, b.low, b.close] {
                out.raw(",")
                out.decimal(v, places: c.priceDecimals)
            }
            out.raw(",")
            out.decimal(b.volume, places: c.quantityDecimals)
            out.raw(",")
            out.integer(b.closeTime)
            out.raw(",")
            out.decimal(b.quoteVolume, places: quotePlaces)
            out.raw(",")
            out.integer(b.tradeCount)
            out.raw(",")
            out.decimal(b.takerBuyBase, places: c.quantityDecimals)
            out.raw(",")
            out.decimal(b.takerBuyQuote, places: quotePlaces)
            out.raw(",\"0\"]")
        }
        out.raw("]")
        return RESTResponse(status: 200, body: out.bytes)
    }

    /// `aggTrades`: from `fromId` (inclusive) when given, else by time; rows are the stream's
    /// letters minus `e`/`E`/`s`. Ids older than the kept history are simply absent.
    public static func aggTrades(_ market: SimulatedMarket, symbol: String, venue: Venue, fromId: Int64?,
                                 startTime: Int64?, endTime: Int64?, limit: Int?) -> RESTResponse {
        guard let spec = market.spec(symbol: symbol) else { return invalidSymbol() }
        let all = market.recentAggTrades(symbol: symbol, venue: venue)
        let n = min(max(limit ?? 500, 1), 1000)
        let rows: ArraySlice<SimAggTrade>
        if let fromId {
            rows = all.drop { $0.aggregateId < fromId }.prefix(n)
        } else {
            rows = window(all, time: { $0.tradeTime }, start: startTime, end: endTime, limit: n)
        }
        return aggTradeRows(rows, contract: spec.contract(venue))
    }

    /// `trades`: the most recent `limit` (default 500, max 1000) trades.
    public static func trades(_ market: SimulatedMarket, symbol: String, venue: Venue, limit: Int?) -> RESTResponse {
        guard let spec = market.spec(symbol: symbol) else { return invalidSymbol() }
        let rows = market.recentTrades(symbol: symbol, venue: venue).suffix(min(max(limit ?? 500, 1), 1000))
        return tradeRows(rows, contract: spec.contract(venue), venue: venue)
    }
}
