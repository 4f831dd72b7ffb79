import Market
import Posix
import ShmRing
import Store

/// Candles: the newest from the state tables' candle rings (the open one included, so answers
/// are as fresh as the stream), older ones from PostgreSQL; intervals without a ring are built
/// from a served one.
extension MarketREST {
    /// The answer shapes kept rendered.
    enum CandleShape: UInt8 {
        case aggregation = 0
        case legacy = 1
        case latest = 2
    }

    /// GET `/aggregation/candles/:symbol/:interval?limit=&market=` (API.md §1.4): limit 1…5000,
    /// what memory and PostgreSQL hold (the original failed past 1500, Binance's page).
    func aggregationCandles(symbol: String, interval name: String, _ q: QueryParameters) throws(RESTFailure) -> Outcome {
        let index = try symbolIndex(symbol)
        let source = try interval(name)
        let limit = try integer(q, "limit", default: 500, range: 1...Self.maxAggregationCandles)
        let market = try candleMarket(q, index, source)
        return candles(index: index, symbol: symbol, source: source, market: market, limit: limit, shape: .aggregation) {
            "Cache-Control: no-cache\r\nX-Cache-Key: agg:candles:\(symbol):\(name):\(limit)\r\n"
        }
    }

    /// GET `/candles/:symbol` and `/raw` (the legacy service): `interval` (1h), `limit` (100;
    /// anything unusable silently 100, as the original).
    func legacyCandles(symbol: String, _ q: QueryParameters) throws(RESTFailure) -> Outcome {
        let index = try symbolIndex(symbol)
        let name = q["interval"].flatMap { $0.isEmpty ? nil : $0 } ?? "1h"
        let source = try interval(name)
        let limit = try integer(q, "limit", default: 100, range: 1...Self.maxCandles, lenient: 100)
        let market = try candleMarket(q, index, source)
        return candles(index: index, symbol: symbol, source: source, market: market, limit: limit, shape: .legacy) {
            "Cache-Control: no-cache\r\n"
        }
    }

    /// GET `/candles/:symbol/latest?interval=` (default 1h; the frontend asks for 1m): the
    /// newest candle, the open one while it is open; `candle` null when there is none.
    func latestCandle(symbol: String, _ q: QueryParameters) throws(RESTFailure) -> RESTResponse {
        let index = try symbolIndex(symbol)
        let name = q["interval"].flatMap { $0.isEmpty ? nil : $0 } ?? "1h"
        let source = try interval(name)
        let market = try candleMarket(q, index, source)
        let key = CandleAnswerKey(symbol: index, market: market, interval: source.interval, limit: 1, shape: CandleShape.latest.rawValue)
        let version = tables.candleVersion(symbolIndex: index, market: market, interval: source.base.rawValue) ?? 1
        if version & 1 == 0, let kept = candleAnswers[key], kept.version == version { return kept.response }
        let base = tables.candles(symbolIndex: index, market: market, interval: source.base.rawValue, limit: source.factor + 1)
        var out = JSONBytes(capacity: 200)
        out.raw("{")
        out.key("symbol", first: true)
        out.asciiString(symbol)
        out.key("interval")
        out.asciiString(name)
        out.key("candle")
        if let last = source.aggregate(base).last { CandleJSON.candle(&out, last) } else { out.raw("null") }
        out.raw("}")
        var response = RESTResponse(status: 200, body: out.bytes, headers: "Cache-Control: no-cache\r\n")
        keep(response: &response, key, version)
        return response
    }

    /// Keeps a rendering made from candle ring `version` (even: not torn), with its ETag.
    func keep(response: inout RESTResponse, _ key: CandleAnswerKey, _ version: UInt64) {
        guard version & 1 == 0 else { return }
        response.etag = BodyTag.of(response.body)
        response.headerBlock = Array((response.headers + "ETag: \(response.etag!)\r\n").utf8)
        if response.body.count >= Self.sharedBodyBytes { response.shared = SharedBody(response.body) }
        if candleAnswers.count > 4096 { candleAnswers.removeAll(keepingCapacity: true) }
        candleAnswers[key] = (version, response)
    }

    /// GET `/candles/:symbol/metrics`: what the legacy answer of 100 candles would be.
    func candleMetrics(symbol: String, _ q: QueryParameters) throws(RESTFailure) -> Outcome {
        let started = Clock.monotonicNanos()
        let index = try symbolIndex(symbol)
        let name = q["interval"].flatMap { $0.isEmpty ? nil : $0 } ?? "1h"
        let source = try interval(name)
        let market = try candleMarket(q, index, source)
        let list = Array(source.aggregate(tables.candles(symbolIndex: index, market: market, interval: source.base.rawValue,
                                                         limit: 100 * source.factor)).suffix(100))
        var out = JSONBytes(capacity: 300)
        out.raw("{")
        out.key("symbol", first: true)
        out.asciiString(symbol)
        out.key("interval")
        out.asciiString(name)
        out.key("response_time_ms")
        out.integer((Clock.monotonicNanos() - started) / 1_000_000)
        out.key("candle_count")
        out.integer(Int64(list.count))
        out.key("estimated_size")
        out.integer(Int64(list.count * 60 + 100))
        out.key("cache_key")
        out.asciiString("\(symbol):\(name):\(list.first?.openTimeMs ?? 0):\(list.last?.openTimeMs ?? 0)")
        out.key("first_timestamp")
        out.integer(list.first?.openTimeMs ?? 0)
        out.key("last_timestamp")
        out.integer(list.last?.openTimeMs ?? 0)
        out.raw("}")
        return .now(RESTResponse(status: 200, body: out.bytes, taggable: false))
    }

    static let maxCandles = 1500
    /// The aggregation route's bound (API.md §1.4).
    static let maxAggregationCandles = 5000
    /// Kept bodies at least this large are sent by reference (smaller ones cost less to copy).
    static let sharedBodyBytes = 4096

    /// Futures unless asked otherwise, or spot for a symbol with spot candles only.
    func candleMarket(_ q: QueryParameters, _ index: Int, _ source: CandleSource) throws(RESTFailure) -> MarketKind {
        try market(q) { m in tables.latestCandle(symbolIndex: index, market: m, interval: source.base.rawValue) != nil }
    }

    /// The newest `limit` candles: rendered once per change of the candle ring when memory
    /// holds them all, else merged with older ones from PostgreSQL on the query thread.
    func candles(index: Int, symbol: String, source: CandleSource, market: MarketKind, limit: Int, shape: CandleShape,
                 headers makeHeaders: () -> String) -> Outcome {
        let key = CandleAnswerKey(symbol: index, market: market, interval: source.interval, limit: limit, shape: shape.rawValue)
        let version = tables.candleVersion(symbolIndex: index, market: market, interval: source.base.rawValue) ?? 1
        if version & 1 == 0, let kept = candleAnswers[key], kept.version == version { return .now(kept.response) }
        let headers = makeHeaders()
        let need = source.baseCount(for: limit)
        let memory = tables.candles(symbolIndex: index, market: market, interval: source.base.rawValue, limit: need)
        if memory.count >= need || queries.databaseURL == nil {
            var response = Self.render(symbol: symbol, source: source, limit: limit, memory, headers: headers)
            keep(response: &response, key, version)
            return .now(response)
        }
        let window = CandleWindow(tables: tables, index: index, symbol: symbol, market: market, interval: source.base)
        return .background { context in
            let merged = window.newest(need, context)
            var response = Self.render(symbol: symbol, source: source, limit: limit, merged, headers: headers)
            if merged.count < need, context.databaseURL != nil, context.databaseError != nil || context.jobError != nil {
                let why = context.databaseError != nil ? "database unavailable" : "database query failed"
                response.headers += "X-Data-Source: memory (\(why))\r\n"
            }
            return response
        }
    }

    /// Builds and renders the newest `limit` from base candles read for them.
    static func render(symbol: String, source: CandleSource, limit: Int, _ base: [Candle], headers: String) -> RESTResponse {
        let list = source.newest(limit, from: base)
        let body = CandleJSON.optimized(symbol: symbol, interval: source.interval.name, list)
        return RESTResponse(status: 200, body: body, headers: headers + "X-Data-Count: \(list.count)\r\n")
    }
}

/// Candle history in PostgreSQL (migrations/0002).
enum CandleHistory {
    /// Up to `limit` candles opening before `openTimeMs` (all when nil), oldest first.
    static func before(_ db: PostgresConnection, symbol: String, market: MarketKind, interval: KlineInterval,
                       openTimeMs: Int64?, limit: Int) throws(PostgresError) -> [Candle] {
        guard limit > 0 else { return [] }
        let rows = try db.execute("""
            SELECT (extract(epoch FROM open_time) * 1000)::bigint, (extract(epoch FROM close_time) * 1000)::bigint,
                   open, high, low, close, volume, quote_asset_volume, trade_count, taker_buy_base_volume,
                   taker_buy_quote_volume, is_closed
            FROM candles
            WHERE symbol = $1 AND market = $2 AND interval = $3
              AND ($4::bigint IS NULL OR open_time < 'epoch'::timestamptz + $4::bigint * interval '1 millisecond')
            ORDER BY open_time DESC LIMIT $5
            """, [symbol, market == .futures ? "futures" : "spot", interval.name, openTimeMs.map { String($0) }, String(limit)])
        return rows.reversed().compactMap(candle)
    }

    /// One row as a candle; nil for a row that does not parse (never expected).
    static func candle(_ r: [String?]) -> Candle? {
        guard r.count == 12, let open = r[0].flatMap({ Int64($0) }), let close = r[1].flatMap({ Int64($0) }),
              let o = fixed(r[2]), let h = fixed(r[3]), let l = fixed(r[4]), let c = fixed(r[5]), let v = fixed(r[6]),
              let qv = fixed(r[7]), let n = r[8].flatMap({ Int64($0) }), let bv = fixed(r[9]), let bq = fixed(r[10]) else { return nil }
        // The table keeps no trade ids.
        return Candle(openTimeMs: open, closeTimeMs: close, firstTradeId: Candle.noTrade, lastTradeId: Candle.noTrade,
                      open: o, high: h, low: l, close: c, volume: v, quoteVolume: qv, tradeCount: n, takerBuyBase: bv,
                      takerBuyQuote: bq, closed: r[11] != "f")
    }

    /// A NUMERIC's text as fixed point (more than 8 decimals are cut, not refused).
    static func fixed(_ text: String?) -> Int64? {
        guard var t = text else { return nil }
        if let dot = t.firstIndex(of: "."), t.distance(from: dot, to: t.endIndex) > 9 {
            t = String(t[..<t.index(dot, offsetBy: 9)])
        }
        return Fixed.parse(t)
    }
}
