import Cache
import Market
import ShmRing
import Store

/// The routes the frontend does not use (API.md §1.2, §1.3 range/fetch, §1.4 stats): symbols
/// in PostgreSQL, candle ranges. The collection endpoints (§1.5) are in `MarketREST+Collection`.
extension MarketREST {
    /// The JSON of a `symbols` row, as the original serialised it (nullable decimals as
    /// `{"String","Valid"}` objects).
    static let symbolJSON = """
        json_build_object('id', id, 'symbol', symbol, 'base_asset', base_asset, 'quote_asset', quote_asset,
          'status', status, 'is_active', coalesce(is_active, false), 'price_precision', price_precision,
          'quantity_precision', quantity_precision,
          'min_price', json_build_object('String', coalesce(min_price::text, ''), 'Valid', min_price IS NOT NULL),
          'max_price', json_build_object('String', coalesce(max_price::text, ''), 'Valid', max_price IS NOT NULL),
          'min_qty', json_build_object('String', coalesce(min_qty::text, ''), 'Valid', min_qty IS NOT NULL),
          'max_qty', json_build_object('String', coalesce(max_qty::text, ''), 'Valid', max_qty IS NOT NULL),
          'step_size', json_build_object('String', coalesce(step_size::text, ''), 'Valid', step_size IS NOT NULL),
          'tick_size', json_build_object('String', coalesce(tick_size::text, ''), 'Valid', tick_size IS NOT NULL),
          'created_at', created_at, 'updated_at', updated_at)::text
        """

    static let noDatabase = RESTResponse.error(503, "no database: set DATABASE_URL to keep symbols, history and analytics")
    /// The most candles one `/range` answer carries (a year of 1h candles; 7 days of 1m).
    static let maxRangeCandles = 10_000

    /// A job on the database; 503 when there is none or it is away.
    func database(_ failure: String, _ body: @escaping @Sendable (PostgresConnection) throws(PostgresError) -> RESTResponse) -> Outcome {
        guard queries.databaseURL != nil else { return .now(Self.noDatabase) }
        return .background { context in
            guard let db = context.database else {
                // Why stays with the operator (`tterminal status`, the log): hosts and users are not for clients.
                return .error(503, "database unavailable")
            }
            do throws(PostgresError) { return try body(db) } catch {
                // Bad data (SQLSTATE class 22) or a broken constraint (23) is the request's fault;
                // the connection is dropped only when it broke, never for one request's statement.
                let firstLine = error.message.split(separator: "\n").first.map(String.init) ?? error.message
                context.failed(error)
                return .error(error.isClientData ? 400 : 500, "\(failure): \(firstLine)")
            }
        }
    }

    /// `/symbols` and `/symbols/:symbol`.
    func symbols(_ route: APIRoute, _ request: HTTPRequest, _ q: QueryParameters) -> Outcome {
        let json = Self.symbolJSON
        switch (route, request.method) {
        case (.symbols, .post):
            let names = ["symbol", "base_asset", "quote_asset", "status"]
            let fields: [String]
            switch JSONBody.bind(request.body, { (body) throws(JSONBody.Mismatch) in try names.map { (name) throws(JSONBody.Mismatch) in try body.string(name) ?? "" } }) {
            case .success(let f): fields = f
            case .failure(let f): return .now(.error(400, "Invalid request body: \(f.reason)"))
            }
            if let missing = zip(["symbol", "base_asset", "quote_asset", "status"], fields).first(where: { $0.1.isEmpty }) {
                return .now(.error(400, "Failed to create symbol: \(missing.0) is required"))
            }
            guard ["TRADING", "HALT", "BREAK"].contains(fields[3]) else {
                return .now(.error(400, "Failed to create symbol: status must be TRADING, HALT or BREAK"))
            }
            return database("Failed to create symbol") { db throws(PostgresError) in
                let rows = try db.execute("""
                    INSERT INTO symbols (symbol, base_asset, quote_asset, status, min_price, max_price, min_qty, max_qty,
                                         step_size, tick_size)
                    VALUES (upper($1), upper($2), upper($3), $4, 0.00000001, 1000000, 0.00000001, 9000000, 0.00000001, 0.00000001)
                    RETURNING \(json)
                    """, fields)
                return RESTResponse(status: 201, body: Array((rows.first?.first ?? "{}")?.utf8 ?? "{}".utf8), taggable: false)
            }
        case (.symbols, _):
            let active = q["active"] == "true"
            return database("Failed to retrieve symbols") { db throws(PostgresError) in
                let rows = try db.execute("SELECT \(json) FROM symbols WHERE (NOT $1::boolean OR is_active) ORDER BY symbol",
                                          [active ? "true" : "false"])
                let list = rows.compactMap { $0.first ?? nil }
                let symbols = list.isEmpty ? "null" : "[" + list.joined(separator: ",") + "]"
                return .ok(Array(#"{"symbol":"","count":\#(list.count),"symbols":\#(symbols)}"#.utf8))
            }
        case (.symbol(let s), .get):
            return database("Failed to retrieve symbol") { db throws(PostgresError) in
                guard let row = try db.execute("SELECT \(json) FROM symbols WHERE symbol = $1", [s]).first?.first ?? nil else {
                    return .error(404, "Symbol not found")
                }
                return .ok(Array(row.utf8))
            }
        case (.symbol(let s), .put):
            let status: String?, active: Bool?
            switch JSONBody.bind(request.body, { (body) throws(JSONBody.Mismatch) in (try body.string("status"), try body.bool("is_active")) }) {
            case .success(let f): (status, active) = f
            case .failure(let f): return .now(.error(400, "Invalid request body: \(f.reason)"))
            }
            if status == nil && active == nil { return .now(.error(400, "Failed to update symbol: no fields to update")) }
            if let status, !["TRADING", "HALT", "BREAK"].contains(status) {
                return .now(.error(400, "Failed to update symbol: status must be TRADING, HALT or BREAK"))
            }
            return database("Failed to update symbol") { db throws(PostgresError) in
                let rows = try db.execute("""
                    UPDATE symbols SET status = coalesce($2, status), is_active = coalesce($3::boolean, is_active),
                                       updated_at = now()
                    WHERE symbol = $1 RETURNING id
                    """, [s, status, active.map { $0 ? "true" : "false" }])
                return rows.isEmpty ? .error(404, "Symbol not found")
                    : RESTResponse(status: 200, body: Array(#"{"message":"Symbol updated successfully"}"#.utf8), taggable: false)
            }
        case (.symbol(let s), _):
            return database("Failed to delete symbol") { db throws(PostgresError) in
                let rows = try db.execute("DELETE FROM symbols WHERE symbol = $1 RETURNING id", [s])
                return rows.isEmpty ? .error(404, "Symbol not found")
                    : RESTResponse(status: 200, body: Array(#"{"message":"Symbol deleted successfully"}"#.utf8), taggable: false)
            }
        default:
            return .now(.notFound)
        }
    }

    /// POST `/candles/fetch` `{symbol, interval, limit}`: workers never call Binance (the feeder
    /// keeps candles current), so this says what memory holds for the request.
    func fetchCandles(_ request: HTTPRequest) throws(RESTFailure) -> RESTResponse {
        // A member of the wrong type (`"limit":"10"`, `"limit":10.5`) is a bind failure, as in the original.
        let bound = JSONBody.bind(request.body) { (body) throws(JSONBody.Mismatch) in
            (try body.string("symbol"), try body.string("interval"), try body.integer("limit"))
        }
        guard case .success(let fields) = bound, let symbol = fields.0?.uppercased(), let name = fields.1 else {
            return .error(400, "Invalid request body")
        }
        let index = try symbolIndex(symbol)
        let source = try interval(name)
        let asked = Int(fields.2 ?? 0)
        let limit = asked <= 0 ? 100 : min(asked, Self.maxCandles)
        let market = try candleMarket(QueryParameters(request.query), index, source)
        let list = Array(source.aggregate(tables.candles(symbolIndex: index, market: market, interval: source.base.rawValue,
                                                         limit: limit * source.factor)).suffix(limit))
        var out = JSONBytes(capacity: 300)
        out.raw(#"{"message":"Candles are kept current by the feeder; nothing to fetch""#)
        out.key("symbol")
        out.asciiString(symbol)
        out.key("interval")
        out.asciiString(name)
        out.key("limit")
        out.integer(Int64(limit))
        out.key("count")
        out.integer(Int64(list.count))
        out.key("first_time")
        out.integer(list.first?.openTimeMs ?? 0)
        out.key("last_time")
        out.integer(list.last?.openTimeMs ?? 0)
        out.raw("}")
        return RESTResponse(status: 200, body: out.bytes, taggable: false)
    }

    /// GET `/candles/:symbol/range?interval=1h&start_time=&end_time=` (RFC 3339): full candles
    /// from PostgreSQL, the first `maxRangeCandles` of the range, `[]` when there are none. A
    /// missing time is the zero time, as in the original: both missing is an empty range, only
    /// a start is a start after the end (400).
    func candleRange(symbol: String, _ q: QueryParameters) throws(RESTFailure) -> Outcome {
        _ = try symbolIndex(symbol)
        let name = q["interval"].flatMap { $0.isEmpty ? nil : $0 } ?? "1h"
        guard KlineInterval(name: name) != nil else { _ = try interval(name); return .now(.notFound) }
        let zero = "0001-01-01T00:00:00Z"
        let start = q["start_time"] ?? zero
        let end = q["end_time"] ?? zero
        guard RFC3339.isValid(start) else { return .now(.error(400, "Invalid start_time format, use RFC3339")) }
        guard RFC3339.isValid(end) else { return .now(.error(400, "Invalid end_time format, use RFC3339")) }
        let market = q["market"] == "spot" ? "spot" : "futures"
        return database("Failed to get candles") { db throws(PostgresError) in
            let rows = try db.execute("""
                SELECT $3::timestamptz > $4::timestamptz, json_build_object('symbol', $1::text, 'interval', $2::text,
                  'start_time', $3::timestamptz, 'end_time', $4::timestamptz,
                  'candles', coalesce((SELECT json_agg(json_build_object(
                      'id', (extract(epoch FROM open_time) * 1000)::bigint, 'symbol', symbol,
                      'open_time', open_time, 'close_time', close_time,
                      'open', round(open, 8)::text, 'high', round(high, 8)::text, 'low', round(low, 8)::text,
                      'close', round(close, 8)::text, 'volume', round(volume, 8)::text,
                      'quote_asset_volume', round(quote_asset_volume, 8)::text,
                      'taker_buy_base_asset_volume', round(taker_buy_base_volume, 8)::text,
                      'taker_buy_quote_asset_volume', round(taker_buy_quote_volume, 8)::text,
                      'trade_count', trade_count, 'interval', interval, 'created_at', updated_at, 'updated_at', updated_at)
                      ORDER BY open_time)
                    FROM (SELECT * FROM candles WHERE symbol = $1 AND interval = $2 AND market = $5
                      AND open_time >= $3::timestamptz AND open_time <= $4::timestamptz
                      ORDER BY open_time LIMIT \(Self.maxRangeCandles)) first), '[]'::json))::text
                """, [symbol, name, start, end, market])
            guard let row = rows.first, row.count == 2 else { return .error(500, "Failed to get candles: no answer") }
            if row[0] == "t" { return .error(400, "start time must be before end time") }
            return .ok(Array((row[1] ?? "{}").utf8))
        }
    }
}

extension MarketREST {
    /// GET `/aggregation/stats`: this worker's REST figures.
    func aggregationStats() -> RESTResponse {
        var out = JSONBytes(capacity: 300)
        out.raw(#"{"service":"aggregation","stats":{"#)
        out.key("memory_cache_size", first: true)
        out.integer(Int64(candleAnswers.count))
        out.key("answered_from_memory")
        out.integer(Int64(counts.memory))
        out.key("aggregations")
        out.integer(Int64(counts.background))
        out.key("refused_queue_full")
        out.integer(Int64(counts.refused))
        out.key("error_count")
        out.raw("0")
        out.key("last_error")
        out.raw("null")
        out.key("last_error_time")
        out.raw(#""0001-01-01T00:00:00Z""#)
        out.key("workers")
        out.integer(Int64(workers))
        out.raw("}")
        out.key("timestamp")
        out.asciiString(RFC3339.format(ms: nowMs()))
        out.raw("}")
        return RESTResponse(status: 200, body: out.bytes, taggable: false)
    }
}

/// RFC 3339 date-times, as checked before PostgreSQL parses them.
enum RFC3339 {
    /// `2024-01-01T00:00:00.000Z`.
    static func format(ms: Int64) -> String {
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let (y, m, d) = DateCache.civil(daysSinceEpoch: days)
        let s = seconds - days * 86_400
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let milli = ms - seconds * 1000
        let fraction = milli < 10 ? "00\(milli)" : milli < 100 ? "0\(milli)" : "\(milli)"
        return "\(y)-\(two(Int64(m)))-\(two(Int64(d)))T\(two(s / 3600)):\(two(s / 60 % 60)):\(two(s % 60)).\(fraction)Z"
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, every field in its range (year 1–9999, a day
    /// the month has, a leap second allowed, an offset within ±15:59 and none in years 1 and 9999):
    /// what PostgreSQL accepts, so a bad time is the client's 400, never a failed statement.
    static func isValid(_ s: String) -> Bool {
        let b = Array(s.utf8)
        func digits(_ range: Range<Int>) -> Bool { range.upperBound <= b.count && b[range].allSatisfy { (48...57).contains($0) } }
        func value(_ range: Range<Int>) -> Int { b[range].reduce(0) { $0 * 10 + Int($1 - 48) } }
        guard b.count >= 20, digits(0..<4), b[4] == 45, digits(5..<7), b[7] == 45, digits(8..<10),
              b[10] == 84 || b[10] == 116 || b[10] == 32, digits(11..<13), b[13] == 58, digits(14..<16), b[16] == 58,
              digits(17..<19) else { return false }
        let year = value(0..<4), month = value(5..<7), day = value(8..<10)
        guard year >= 1, (1...12).contains(month), day >= 1, day <= CivilMonth.daysIn(year: year, month: month),
              value(11..<13) < 24, value(14..<16) < 60, value(17..<19) <= 60 else { return false }
        var i = 19
        if b[i] == 46 {
            i += 1
            let start = i
            while i < b.count, (48...57).contains(b[i]) { i += 1 }
            guard i > start else { return false }
        }
        guard i < b.count else { return false }
        if b[i] == 90 || b[i] == 122 { return i + 1 == b.count }
        // PostgreSQL takes offsets up to ±15:59; at the ends of its years an offset would leave them.
        return (b[i] == 43 || b[i] == 45) && i + 6 == b.count && digits(i + 1..<i + 3) && b[i + 3] == 58 && digits(i + 4..<i + 6)
            && value(i + 1..<i + 3) < 16 && value(i + 4..<i + 6) < 60 && year > 1 && year < 9999
    }
}
