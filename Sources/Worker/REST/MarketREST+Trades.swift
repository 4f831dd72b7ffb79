import Market
import ShmRing
import Store

/// GET `/websocket/trades/:symbol` (API.md §1.6): recent trades from memory, and from
/// PostgreSQL's `trades` past what memory keeps, the way `/websocket/liquidations` goes past its
/// ring.
extension MarketREST {
    /// The most trades one answer carries (the original's ring held 1000; it had no maximum).
    static let maxTrades = 10_000

    /// GET `/websocket/trades/:symbol?limit=` (default 100; above `maxTrades` clamped to it,
    /// and the answer's `limit` says so): recent trades as Binance's own objects, oldest first:
    /// spot `trade` (`t` the id) or futures `aggTrade` (`a` the id, `f`/`l` the first and last
    /// trade ids), never mixed. `M` (ignored by Binance) stays on both, as the original sent.
    /// 404 when memory has no trade of the market.
    func trades(symbol: String, _ q: QueryParameters) throws(RESTFailure) -> Outcome {
        let index = try symbolIndex(symbol)
        let limit = count(q, "limit", default: 100, max: Self.maxTrades)
        let m = try market(q) { tables.latestTrade(symbolIndex: index, market: $0) != nil }
        let memory = tables.recentTrades(symbolIndex: index, market: m, limit: limit)
        guard let oldest = memory.first else { return .now(.error(404, "Trade data not found for symbol")) }
        let now = nowMs
        // Memory has enough, or there is nothing else. When it has fewer, PostgreSQL may hold
        // older ones whether memory is full or not (after a restart it holds only what came since).
        if memory.count >= limit || queries.databaseURL == nil {
            return .now(Self.tradesBody(memory, symbol: symbol, market: m, limit: limit, now: now()))
        }
        return .background { context in
            let older = context.withDatabase { db throws(PostgresError) in
                try TradeHistory.before(db, symbol: symbol, market: m, oldest: oldest, limit: limit - memory.count)
            } ?? []
            var response = Self.tradesBody(older + memory, symbol: symbol, market: m, limit: limit, now: now())
            context.markMemoryOnly(&response)
            return response
        }
    }

    /// `{"symbol","trades":[…],"count","limit","timestamp","source"}`.
    static func tradesBody(_ list: [RecentTrade], symbol: String, market m: MarketKind, limit: Int, now: Int64) -> RESTResponse {
        cacheList(list, key: "trades", symbol: symbol, limit: limit, now: now, bytesEach: 150) { out, recent in
            binanceTrade(&out, recent, symbol: symbol, market: m)
        }
    }

    /// `{"symbol","<key>":[…],"count","limit","timestamp","source":"websocket_cache"}`: the
    /// envelope of the live-state lists (trades, liquidations), each element by `element`.
    static func cacheList<T>(_ list: [T], key: StaticString, symbol: String, limit: Int, now: Int64, bytesEach: Int,
                             _ element: (inout JSONBytes, T) -> Void) -> RESTResponse {
        var out = JSONBytes(capacity: 96 + list.count * bytesEach)
        out.raw("{")
        out.key("symbol", first: true)
        out.string(symbol)
        out.key(key)
        out.raw("[")
        for (i, item) in list.enumerated() {
            if i > 0 { out.raw(",") }
            element(&out, item)
        }
        out.raw("]")
        out.key("count")
        out.integer(Int64(list.count))
        out.key("limit")
        out.integer(Int64(limit))
        out.key("timestamp")
        out.integer(now)
        out.key("source")
        out.raw("\"websocket_cache\"")
        out.raw("}")
        return RESTResponse(status: 200, body: out.bytes, headers: "Cache-Control: no-cache\r\n", taggable: false)
    }

    /// One trade as Binance's `trade` (spot) or `aggTrade` (futures) object.
    static func binanceTrade(_ out: inout JSONBytes, _ recent: RecentTrade, symbol: String, market m: MarketKind) {
        let t = recent.trade
        out.raw("{")
        out.key("e", first: true)
        out.raw(m == .futures ? "\"aggTrade\"" : "\"trade\"")
        out.key("E")
        out.integer(recent.eventTimeMs)
        out.key("s")
        out.asciiString(symbol)
        out.key(m == .futures ? "a" : "t")
        out.integer(t.tradeId)
        out.key("p")
        out.fixedString(t.price)
        out.key("q")
        out.fixedString(t.quantity)
        if m == .futures {
            out.key("f")
            out.integer(recent.firstTradeId)
            out.key("l")
            out.integer(recent.lastTradeId)
        }
        out.key("T")
        out.integer(t.tradeTimeMs)
        out.key("m")
        out.bool(t.flags & TradeRecord.buyerIsMaker != 0)
        out.key("M")
        out.bool(true)
        out.raw("}")
    }
}

extension TradeHistory {
    /// The newest `limit` stored trades of `symbol`'s `market` older than `oldest` (memory's
    /// oldest: ids grow with time, so the id bounds them exactly), oldest first. The table keeps
    /// no event time: `E` is the trade time.
    static func before(_ db: PostgresConnection, symbol: String, market: MarketKind, oldest: RecentTrade,
                       limit: Int) throws(PostgresError) -> [RecentTrade] {
        guard limit > 0 else { return [] }
        // The time bound lets the (symbol, market, trade_time) index, and TimescaleDB's chunks, do the work.
        let rows = try db.execute("""
            SELECT trade_id, (extract(epoch FROM trade_time) * 1000)::bigint, price, quantity, buyer_is_maker,
                   first_trade_id, last_trade_id
            FROM trades WHERE symbol = $1 AND market = $2 AND trade_id < $3::bigint
              AND trade_time <= 'epoch'::timestamptz + $4::bigint * interval '1 millisecond'
            ORDER BY trade_time DESC, trade_id DESC LIMIT $5
            """, [symbol, market == .futures ? "futures" : "spot", String(oldest.trade.tradeId),
                  String(oldest.trade.tradeTimeMs), String(limit)])
        let flags = market == .futures ? RecordFlags.futures : 0
        return rows.reversed().compactMap { r in
            guard r.count == 7, let id = r[0].flatMap({ Int64($0) }), let time = r[1].flatMap({ Int64($0) }),
                  let price = CandleHistory.fixed(r[2]), let quantity = CandleHistory.fixed(r[3]) else { return nil }
            var trade = RecentTrade(TradeRecord(symbolIndex: oldest.trade.symbolIndex,
                                                flags: flags | (r[4] == "t" ? TradeRecord.buyerIsMaker : 0),
                                                price: price, quantity: quantity, tradeId: id, tradeTimeMs: time, receivedNs: 0))
            trade.firstTradeId = r[5].flatMap { Int64($0) } ?? id
            trade.lastTradeId = r[6].flatMap { Int64($0) } ?? id
            return trade
        }
    }
}

extension QueryContext {
    /// Says in `X-Data-Source` that an answer which should have reached past memory into
    /// PostgreSQL holds memory only, and why (the database is away, or this job's read failed).
    func markMemoryOnly(_ response: inout RESTResponse) {
        guard databaseURL != nil, databaseError != nil || jobError != nil else { return }
        response.headers += "X-Data-Source: memory (\(databaseError != nil ? "database unavailable" : "database query failed"))\r\n"
    }
}
