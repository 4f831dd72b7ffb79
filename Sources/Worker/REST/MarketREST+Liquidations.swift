import Analytics
import Market
import ShmRing
import Store

/// One liquidation (`forceOrder`), from the state tables or PostgreSQL (migrations/0004).
struct Liquidation: Equatable, Sendable {
    var eventTimeMs: Int64
    var tradeTimeMs: Int64
    var sell: Bool
    var orderType: String
    var timeInForce: String
    var status: String
    var price: Int64
    var averagePrice: Int64
    var quantity: Int64
    var lastFilled: Int64
    var filled: Int64

    init(_ r: LiquidationRecord) {
        eventTimeMs = r.eventTimeMs
        tradeTimeMs = r.tradeTimeMs
        sell = r.side == OrderSide.sell.rawValue
        orderType = r.orderType == LiquidationRecord.orderTypeMarket ? "MARKET" : "LIMIT"
        timeInForce = ["", "GTC", "IOC", "FOK", "GTX"][Int(min(r.timeInForce, 4))]
        if timeInForce.isEmpty { timeInForce = "IOC" }
        status = (OrderStatus(rawValue: r.status) ?? .other).wireName
        price = r.price
        averagePrice = r.averagePrice
        quantity = r.originalQuantity
        lastFilled = r.lastFilledQuantity
        filled = r.filledQuantity
    }

    /// A row of `SELECT` in `LiquidationHistory.columns` order.
    init?(row r: [String?]) {
        guard r.count == 10, let t = r[0].flatMap({ Int64($0) }), let p = CandleHistory.fixed(r[5]),
              let ap = CandleHistory.fixed(r[6]), let q = CandleHistory.fixed(r[4]), let l = CandleHistory.fixed(r[8]),
              let z = CandleHistory.fixed(r[9]) else { return nil }
        eventTimeMs = t
        tradeTimeMs = t
        sell = r[1] == "SELL"
        orderType = r[2] ?? "LIMIT"
        timeInForce = r[3] ?? "IOC"
        status = r[7] ?? "FILLED"
        price = p
        averagePrice = ap
        quantity = q
        lastFilled = l
        filled = z
    }

    /// Binance's `{"e":"forceOrder","E","o":{...}}`, as the frontend parses it.
    func forceOrder(_ out: inout JSONBytes, symbol: String) {
        out.raw("{\"e\":\"forceOrder\"")
        out.key("E")
        out.integer(eventTimeMs)
        out.key("o")
        out.raw("{")
        out.key("s", first: true)
        out.asciiString(symbol)
        out.key("S")
        out.raw(sell ? "\"SELL\"" : "\"BUY\"")
        out.key("o")
        out.asciiString(orderType)
        out.key("f")
        out.asciiString(timeInForce)
        out.key("q")
        out.fixedString(quantity)
        out.key("p")
        out.fixedString(price)
        out.key("ap")
        out.fixedString(averagePrice)
        out.key("X")
        out.asciiString(status)
        out.key("l")
        out.fixedString(lastFilled)
        out.key("z")
        out.fixedString(filled)
        out.key("T")
        out.integer(tradeTimeMs)
        out.raw("}}")
    }
}

enum LiquidationHistory {
    /// The liquidations memory keeps from `since` on, oldest first.
    static func inMemory(_ tables: StateTables, _ index: Int, since: Int64) -> [Liquidation] {
        tables.recentLiquidations(symbolIndex: index, limit: tables.geometry.liquidations)
            .map(Liquidation.init).filter { $0.tradeTimeMs >= since }
    }

    /// Those from `since` on: the stored ones older than `memory`'s, then `memory` (no database: `memory`).
    static func since(_ since: Int64, symbol: String, memory: [Liquidation], _ context: QueryContext) -> [Liquidation] {
        let stored = context.withDatabase { db throws(PostgresError) in
            try fetch(db, symbol: symbol, sinceMs: since, beforeMs: memory.first?.tradeTimeMs, limit: MarketREST.maxLiquidations)
        } ?? []
        return stored + memory
    }

    static let columns = """
        (extract(epoch FROM trade_time) * 1000)::bigint, side, order_type, time_in_force, original_quantity, price,
        average_price, status, last_filled_quantity, filled_accumulated_quantity
        """

    /// The newest `limit` liquidations of `symbol` before `beforeMs` and at or after `sinceMs`,
    /// oldest first.
    static func fetch(_ db: PostgresConnection, symbol: String, sinceMs: Int64?, beforeMs: Int64?,
                      limit: Int) throws(PostgresError) -> [Liquidation] {
        let rows = try db.execute("""
            SELECT \(columns) FROM liquidations
            WHERE symbol = $1
              AND ($2::bigint IS NULL OR trade_time >= 'epoch'::timestamptz + $2::bigint * interval '1 millisecond')
              AND ($3::bigint IS NULL OR trade_time < 'epoch'::timestamptz + $3::bigint * interval '1 millisecond')
            ORDER BY trade_time DESC LIMIT $4
            """, [symbol, sinceMs.map { String($0) }, beforeMs.map { String($0) }, String(limit)])
        return rows.reversed().compactMap(Liquidation.init(row:))
    }
}

extension MarketREST {
    static let maxLiquidations = 10_000

    /// `{"symbol","liquidations":[forceOrder…],"count","limit","timestamp","source"}`.
    static func forceOrders(_ list: [Liquidation], symbol: String, limit: Int, now: Int64) -> RESTResponse {
        cacheList(list, key: "liquidations", symbol: symbol, limit: limit, now: now, bytesEach: 260) { out, l in
            l.forceOrder(&out, symbol: symbol)
        }
    }

    /// A symbol this server does not stream has no liquidations: the empty answer, always 200
    /// (the frontend polls these routes for every symbol it offers), said in a header.
    static func unserved(_ empty: RESTResponse) -> RESTResponse {
        var r = empty
        r.headers += "X-Symbol-Served: false\r\n"
        return r
    }

    /// GET `/websocket/liquidations/:symbol?limit=` (100; the frontend asks 2000; above
    /// `maxLiquidations` clamped to it, and the answer's `limit` says so): the newest `forceOrder`
    /// events oldest first, from memory, and from PostgreSQL past what memory keeps (with
    /// `X-Data-Source` when it could not be read). Never 404 (an empty list), as the original.
    func recentLiquidations(symbol: String, _ q: QueryParameters) throws(RESTFailure) -> Outcome {
        let limit = count(q, "limit", default: 100, max: Self.maxLiquidations)
        guard let index = try? symbolIndex(symbol) else {
            return .now(Self.unserved(Self.forceOrders([], symbol: symbol, limit: limit, now: nowMs())))
        }
        let memory = tables.recentLiquidations(symbolIndex: index, limit: limit).map(Liquidation.init)
        let render: @Sendable ([Liquidation], Int64) -> RESTResponse = { list, now in
            Self.forceOrders(list, symbol: symbol, limit: limit, now: now)
        }
        // Memory has enough, or there is nothing else. When it has fewer, PostgreSQL may hold
        // older ones whether memory is full or not (after a restart it holds only what came since).
        if memory.count >= limit || queries.databaseURL == nil {
            return .now(render(memory, nowMs()))
        }
        let now = nowMs
        return .background { context in
            let older = context.withDatabase { db throws(PostgresError) in
                try LiquidationHistory.fetch(db, symbol: symbol, sinceMs: nil, beforeMs: memory.first?.tradeTimeMs,
                                             limit: limit - memory.count)
            } ?? []
            var response = render(older + memory, now())
            context.markMemoryOnly(&response)
            return response
        }
    }

    /// GET `/aggregation/liquidations/:symbol?hours=` (1; the frontend asks 48, which the
    /// original silently cut to 1): `{t,p,v,side,type,conf}` per real liquidation over the
    /// window, oldest first. `hours` is honoured up to 168 (a week) and clamped beyond.
    func liquidationHistory(symbol: String, _ q: QueryParameters) throws(RESTFailure) -> Outcome {
        let hours = max(1, min(168, try integer(q, "hours", default: 1, range: Int.min...Int.max, lenient: 1)))
        guard let index = try? symbolIndex(symbol) else {
            var body: [UInt8] = []
            Self.report([], symbol: symbol, hours: hours).appendJSON(to: &body)
            return .now(Self.unserved(RESTResponse(status: 200, body: body, headers: "Cache-Control: no-cache\r\n")))
        }
        let since = nowMs() - Int64(hours) * 3_600_000
        let memory = LiquidationHistory.inMemory(tables, index, since: since)
        let render: @Sendable ([Liquidation]) -> RESTResponse = { list in
            var body: [UInt8] = []
            Self.report(list, symbol: symbol, hours: hours).appendJSON(to: &body)
            return RESTResponse(status: 200, body: body, headers: "Cache-Control: no-cache\r\n")
        }
        guard queries.databaseURL != nil else { return .now(render(memory)) }
        return .background { context in render(LiquidationHistory.since(since, symbol: symbol, memory: memory, context)) }
    }
}
