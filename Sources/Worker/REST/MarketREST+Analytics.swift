import Analytics
import Market
import ShmRing
import Store

/// Volume profile, footprint, CVD and the liquidity heatmap (API.md §4, computed for real:
/// README "Analytics" gives each formula). All run on the query thread.
extension MarketREST {
    /// GET `/aggregation/volume-profile/:symbol?hours=24&tick=&rows=`: 1m candles over the
    /// window, binned; hours 1…168 (400 outside, as the original).
    func volumeProfile(symbol: String, _ q: QueryParameters) throws(RESTFailure) -> Outcome {
        let index = try symbolIndex(symbol)
        let hours = try integer(q, "hours", default: 24, range: 1...168)
        let options = try profileOptions(q)
        let market = try candleMarket(q, index, try interval("1m"))
        let window = CandleWindow(tables: tables, index: index, symbol: symbol, market: market, interval: .m1)
        let now = nowMs()
        return .background { context in
            var body: [UInt8] = []
            Self.profile(window, hours: hours, now: now, options: options, context).appendJSON(to: &body)
            return RESTResponse(status: 200, body: body, headers: "Cache-Control: public, max-age=60\r\n")
        }
    }

    func profileOptions(_ q: QueryParameters) throws(RESTFailure) -> VolumeProfileOptions {
        let rows = try integer(q, "rows", default: 100, range: 2...1000)
        guard let text = q["tick"], !text.isEmpty else { return VolumeProfileOptions(rows: rows) }
        guard let tick = Double(text), tick.isFinite, tick > 0 else {
            throw RESTFailure(.failure(400, error: "Invalid parameter value", message: "tick must be a positive number, got: \(text)",
                                       code: "INVALID_TICK", details: ["parameter": "tick", "value": text]))
        }
        return VolumeProfileOptions(tickSize: tick, rows: rows)
    }

    static func profile(_ window: CandleWindow, hours: Int, now: Int64, options: VolumeProfileOptions,
                        _ context: QueryContext) -> VolumeProfile {
        let start = now - Int64(hours) * 3_600_000
        let candles = window.since(start, cap: hours * 60 + 1, context)
        return VolumeProfile(candles: candles.map(\.sample), symbol: window.symbol, startMs: start, endMs: now, options: options)
    }

    /// GET `/aggregation/cvd/:symbol/:interval?limit=500`: per candle delta (taker buy − taker
    /// sell volume) and its running sum.
    func cvd(symbol: String, interval name: String, _ q: QueryParameters) throws(RESTFailure) -> Outcome {
        let index = try symbolIndex(symbol)
        let source = try interval(name)
        let limit = try integer(q, "limit", default: 500, range: 1...Self.maxCandles)
        let market = try candleMarket(q, index, source)
        let window = CandleWindow(tables: tables, index: index, symbol: symbol, market: market, interval: source.base)
        return .background { context in
            let candles = source.newest(limit, from: window.newest(source.baseCount(for: limit), context))
            var body: [UInt8] = []
            CVDSeries(candles: candles.map(\.sample), symbol: symbol, interval: name).appendJSON(to: &body)
            return RESTResponse(status: 200, body: body, headers: "Cache-Control: no-cache\r\n")
        }
    }

    /// GET `/aggregation/footprint/:symbol/:interval?limit=100&tick=`: per candle and price row,
    /// taker buy and sell volume and delta, from the stored trades (limit 1…1000, else 100).
    func footprint(symbol: String, interval name: String, _ q: QueryParameters) throws(RESTFailure) -> Outcome {
        let index = try symbolIndex(symbol)
        let source = try interval(name)
        guard let length = source.interval.milliseconds else { throw RESTFailure(.error(400, "footprint needs a fixed interval")) }
        let limit = try integer(q, "limit", default: 100, range: 1...1000, lenient: 100)
        let options = try profileOptions(q)
        let market = try market(q) { tables.latestTrade(symbolIndex: index, market: $0) != nil }
        let now = nowMs()
        let from = (source.interval.openTime(containing: now) ?? now) - Int64(limit - 1) * length
        let shared = tables
        return .background { context in
            var trades = context.withDatabase { db throws(PostgresError) in
                try TradeHistory.since(db, symbol: symbol, market: market, fromMs: from, limit: Self.maxFootprintTrades)
            } ?? []
            // What memory has that the database does not yet (it is written in batches).
            let lastId = trades.last?.id ?? .min
            for t in shared.recentTrades(symbolIndex: index, market: market, limit: shared.geometry.recentTrades).map(\.trade)
            where t.tradeId > lastId && t.tradeTimeMs >= from {
                trades.append((t.tradeId, TradeSample(timeMs: t.tradeTimeMs, price: Fixed.double(t.price),
                                                      quantity: Fixed.double(t.quantity),
                                                      buyerIsMaker: t.flags & TradeRecord.buyerIsMaker != 0)))
            }
            var body: [UInt8] = []
            Footprint(trades: trades.map(\.sample), symbol: symbol, interval: name, intervalMs: length,
                      tickSize: options.tickSize, rows: options.rows, limit: limit).appendJSON(to: &body)
            return RESTResponse(status: 200, body: body, headers: "Cache-Control: public, max-age=5\r\nX-Trades-Count: \(trades.count)\r\n")
        }
    }

    static let maxFootprintTrades = 500_000

    /// GET `/aggregation/heatmap/:symbol?hours=6&resolution=100`: resting liquidity per price row
    /// and minute from the stored order-book snapshots (hours 1…48, else 6; resolution 10…500,
    /// else 100). Kept a minute: the answer is large and the snapshots come every few seconds.
    func heatmap(symbol: String, _ q: QueryParameters) throws(RESTFailure) -> Outcome {
        let index = try symbolIndex(symbol)
        let hours = try integer(q, "hours", default: 6, range: 1...48, lenient: 6)
        let resolution = try integer(q, "resolution", default: 100, range: 10...500, lenient: 100)
        let market = try market(q) { tables.book(symbolIndex: index, market: $0, depth: 1)?.top.isSynced == true }
        let now = nowMs()
        let minute = now / 60_000 * 60_000
        let shared = tables
        return .background { context in
            context.memo("heatmap:\(symbol):\(market.rawValue):\(hours):\(resolution):\(minute)", ttlMs: 60_000) {
                let start = now - Int64(hours) * 3_600_000
                var snapshots = context.withDatabase { db throws(PostgresError) in
                    try BookHistory.snapshots(db, symbol: symbol, market: market, fromMs: start)
                } ?? []
                if let book = shared.book(symbolIndex: index, market: market, depth: shared.geometry.bookLevels), book.top.isSynced {
                    snapshots.append(BookSnapshot(timeMs: now, bids: book.bids.map { (Fixed.double($0.price), Fixed.double($0.quantity)) },
                                                  asks: book.asks.map { (Fixed.double($0.price), Fixed.double($0.quantity)) }))
                }
                var body: [UInt8] = []
                LiquidityHeatmap(snapshots: snapshots, symbol: symbol, startMs: start, endMs: now, bucketMs: 60_000,
                                 resolution: resolution).appendJSON(to: &body)
                return RESTResponse(status: 200, body: body, headers: "Cache-Control: public, max-age=60\r\n")
            }
        }
    }
}

/// Stored trades (migrations/0003).
enum TradeHistory {
    /// Trades at or after `fromMs`, in time and id order, at most `limit`.
    static func since(_ db: PostgresConnection, symbol: String, market: MarketKind, fromMs: Int64,
                      limit: Int) throws(PostgresError) -> [(id: Int64, sample: TradeSample)] {
        let rows = try db.execute("""
            SELECT trade_id, (extract(epoch FROM trade_time) * 1000)::bigint, price, quantity, buyer_is_maker
            FROM trades WHERE symbol = $1 AND market = $2
              AND trade_time >= 'epoch'::timestamptz + $3::bigint * interval '1 millisecond'
            ORDER BY trade_time, trade_id LIMIT $4
            """, [symbol, market == .futures ? "futures" : "spot", String(fromMs), String(limit)])
        return rows.compactMap { r in
            guard r.count == 5, let id = r[0].flatMap({ Int64($0) }), let t = r[1].flatMap({ Int64($0) }),
                  let p = r[2].flatMap(Double.init), let q = r[3].flatMap(Double.init) else { return nil }
            return (id, TradeSample(timeMs: t, price: p, quantity: q, buyerIsMaker: r[4] == "t"))
        }
    }
}

/// Stored order-book snapshots (migrations/0005): binned levels as parallel arrays.
enum BookHistory {
    /// One snapshot per time (the finest bin size stored), oldest first.
    static func snapshots(_ db: PostgresConnection, symbol: String, market: MarketKind, fromMs: Int64) throws(PostgresError) -> [BookSnapshot] {
        let rows = try db.execute("""
            SELECT DISTINCT ON (snapshot_time) (extract(epoch FROM snapshot_time) * 1000)::bigint,
                   bid_prices::text, bid_quantities::text, ask_prices::text, ask_quantities::text
            FROM book_snapshots WHERE symbol = $1 AND market = $2
              AND snapshot_time >= 'epoch'::timestamptz + $3::bigint * interval '1 millisecond'
            ORDER BY snapshot_time, bin_size LIMIT 20000
            """, [symbol, market == .futures ? "futures" : "spot", String(fromMs)])
        return rows.compactMap { r in
            guard r.count == 5, let t = r[0].flatMap({ Int64($0) }) else { return nil }
            return BookSnapshot(timeMs: t, bids: zip(numbers(r[1]), numbers(r[2])).map { ($0, $1) },
                                asks: zip(numbers(r[3]), numbers(r[4])).map { ($0, $1) })
        }
    }

    /// PostgreSQL's array text `{1.5,2.25}` as numbers.
    static func numbers(_ text: String?) -> [Double] {
        guard let text else { return [] }
        return text.split(whereSeparator: { $0 == "{" || $0 == "}" || $0 == "," }).compactMap { Double($0) }
    }
}
