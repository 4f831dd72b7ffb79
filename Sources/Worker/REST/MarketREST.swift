import Market
import Posix
import ShmRing

/// The REST API of API.md §1 over the state tables (fresh data, answered on the loop's
/// thread) and PostgreSQL (history, answered by the query thread). Loop thread only.
public final class MarketREST {
    let tables: StateTables
    let directory: SymbolDirectory
    /// The intervals with a candle ring; the others are built from them.
    let served: [KlineInterval]
    let queries: QueryThread
    let nowMs: @Sendable () -> Int64
    /// Rendered candle answers and the candle ring version they were made from.
    var candleAnswers: [CandleAnswerKey: (version: UInt64, response: RESTResponse)] = [:]
    /// Worker processes of the server (for `/aggregation/stats`).
    var workers = 1
    /// Where the feeder takes requests (collection control, symbols added at run time); nil
    /// for a worker without a feeder (tests, the demo server).
    var feeder: FeederLink?
    /// Requests answered from memory, handed to the query thread or a feeder question's, refused
    /// for a full queue.
    var counts = (memory: 0, background: 0, refused: 0)

    public init(tables: StateTables, directory: SymbolDirectory, served: [KlineInterval], queries: QueryThread,
                nowMs: @escaping @Sendable () -> Int64 = { Clock.realtimeNanos() / 1_000_000 }) {
        self.tables = tables
        self.directory = directory
        self.served = served
        self.queries = queries
        self.nowMs = nowMs
    }

    /// Answers `request` (its path already under `/api/v1/`).
    public func answer(_ request: HTTPRequest, subscriber: SubscriberID) -> APIAnswer {
        switch APIRoute.match(method: request.method, path: request.path) {
        case .notFound:
            return .response(.notFound)
        case .methodNotAllowed(let methods):
            var r = RESTResponse.message(405, "Method Not Allowed")
            r.headers = "Allow: \(methods.map(\.description).joined(separator: ", "))\r\n"
            return .response(r)
        case .route(let route):
            let q = QueryParameters(request.query)
            let outcome: Outcome
            do { outcome = try handle(route, q, request) } catch { outcome = .now(error.response) }
            switch outcome {
            case .now(let response):
                counts.memory += 1
                return .response(response)
            case .background(let work):
                return handedOver(queries.submit(subscriber, work), "Too many requests waiting for the database")
            case .feeder(let question):
                return handedOver(queries.submitAside(subscriber, question), "Too many questions to the feeder at once")
            }
        }
    }

    /// `.later` when the work was taken, else 503 with `Retry-After` (both counted).
    private func handedOver(_ taken: Bool, _ refusal: String) -> APIAnswer {
        guard taken else {
            counts.refused += 1
            var r = RESTResponse.error(503, refusal + "; try again shortly")
            r.headers = "Retry-After: 1\r\n"
            return .response(r)
        }
        counts.background += 1
        return .later
    }

    /// An answer ready now, work for the query thread, or a question to the feeder (on a
    /// thread of its own: it may wait seconds, and must hold up no database read).
    enum Outcome {
        case now(RESTResponse)
        case background(QueryThread.Work)
        case feeder(@Sendable () -> RESTResponse)
    }

    func handle(_ route: APIRoute, _ q: QueryParameters, _ request: HTTPRequest) throws(RESTFailure) -> Outcome {
        try Self.requireParameters(route)
        switch route {
        case .aggregationCandles(let s, let i): return try aggregationCandles(symbol: s, interval: i, q)
        case .candlesLatest(let s): return .now(try latestCandle(symbol: s, q))
        case .candles(let s), .candlesRaw(let s): return try legacyCandles(symbol: s, q)
        case .candlesMetrics(let s): return try candleMetrics(symbol: s, q)
        case .candlesWebSocket(let s):
            return .now(RESTResponse(status: 501, body: Array(#"{"message":"use the WebSocket at /api/v1/websocket/connect","symbol":"\#(s)"}"#.utf8), taggable: false))
        case .websocketStats: return .now(websocketStats())
        case .websocketPrice(let s): return .now(try price(symbol: s, q))
        case .websocketDepth(let s): return .now(try depth(symbol: s, q))
        case .websocketTrades(let s): return try trades(symbol: s, q)
        case .websocketKline(let s, let i): return .now(try kline(symbol: s, interval: i, q))
        case .websocketVolume(let s): return .now(try volume(symbol: s, q))
        case .websocketMarkPrice(let s): return .now(try markPrice(symbol: s))
        case .websocketLiquidations(let s): return try recentLiquidations(symbol: s, q)
        case .aggregationLiquidations(let s): return try liquidationHistory(symbol: s, q)
        case .aggregationMulti: return try multi(request)
        case .aggregationVolumeProfile(let s): return try volumeProfile(symbol: s, q)
        case .aggregationCVD(let s, let i): return try cvd(symbol: s, interval: i, q)
        case .aggregationFootprint(let s, let i): return try footprint(symbol: s, interval: i, q)
        case .aggregationHeatmap(let s): return try heatmap(symbol: s, q)
        case .symbols, .symbol: return symbols(route, request, q)
        case .candlesRange(let s): return try candleRange(symbol: s, q)
        case .aggregationStats: return .now(aggregationStats())
        case .candlesFetch: return .now(try fetchCandles(request))
        case .dataCollectionStats, .dataCollectionAction, .dataCollectionSymbols, .dataCollectionSymbol:
            return collection(route, request)
        case .websocketAddSymbol(let s): return addSymbol(s)
        case .openAPI: return .now(RESTResponse(status: 200, body: OpenAPIDocument.bytes, headers: "Cache-Control: public, max-age=300\r\n"))
        }
    }

    // MARK: Parameters

    /// A served symbol's index, or the 404 that says it is not served.
    func symbolIndex(_ symbol: String) throws(RESTFailure) -> Int {
        guard let i = directory.index(of: symbol) else {
            let served = directory.servedNames.joined(separator: ", ")
            throw (RESTFailure(.failure(404, error: "Symbol not found",
                                                 message: "\(symbol) is not served; served symbols: \(served)",
                                                 code: "SYMBOL_NOT_FOUND", details: ["symbol": symbol])))
        }
        return Int(i)
    }

    /// `market=futures|spot`; without it futures (the terminal's default), or spot for a
    /// symbol with no futures data of the kind asked for (`hasData`).
    func market(_ q: QueryParameters, hasData: (MarketKind) -> Bool) throws(RESTFailure) -> MarketKind {
        switch q["market"]?.lowercased() {
        case nil, "": return !hasData(.futures) && hasData(.spot) ? .spot : .futures
        case "futures", "usdm", "perp": return .futures
        case "spot": return .spot
        case let other?:
            throw (RESTFailure(.failure(400, error: "Invalid parameter value", message: "market must be futures or spot, got: \(other)",
                                                 code: "INVALID_MARKET", details: ["parameter": "market", "value": other])))
        }
    }

    /// A Binance interval name this server can answer for, or the 400 that lists them.
    func interval(_ name: String) throws(RESTFailure) -> CandleSource {
        if let i = KlineInterval(name: name), let source = CandleSource(i, served: served) { return source }
        let known = KlineInterval(name: name) != nil
        let names = KlineInterval.allCases.filter { CandleSource($0, served: served) != nil }.map(\.name).joined(separator: ", ")
        throw (RESTFailure(.failure(400, error: "Invalid parameter value",
                                             message: known ? "interval \(name) is not served here; served: \(names)"
                                                 : "\(name) is not a Binance interval; served: \(names)",
                                             code: "INVALID_INTERVAL", details: ["parameter": "interval", "value": name])))
    }

    /// An integer parameter: absent → `defaultValue`; not an integer or out of `range` →
    /// `lenient` (the original's silent fallback, kept where clients rely on it) or a 400.
    func integer(_ q: QueryParameters, _ name: String, default defaultValue: Int, range: ClosedRange<Int>,
                 lenient: Int? = nil) throws(RESTFailure) -> Int {
        guard let text = q[name], !text.isEmpty else { return defaultValue }
        guard let n = Int(text) else {
            if let lenient { return lenient }
            throw Self.notAnInteger(name, text)
        }
        guard range.contains(n) else {
            if let lenient { return lenient }
            throw Self.outOfRange(name, text, range)
        }
        return n
    }

    /// A count of items to return, with the original's tolerance: absent, not an integer or below
    /// 1 → `defaultValue` (the original's routes took any of these as their default); above `max`
    /// (however large) → `max`, so that asking for more never returns less. The answer echoes the
    /// value used.
    func count(_ q: QueryParameters, _ name: String, default defaultValue: Int, max: Int) -> Int {
        guard let text = q[name], !text.isEmpty else { return defaultValue }
        guard let n = Int(text) else {
            // Digits past Int's range: still a count, and more than `max`.
            let digits = text.utf8.first == UInt8(ascii: "+") ? text.utf8.dropFirst() : text.utf8[...]
            return !digits.isEmpty && digits.allSatisfy({ (48...57).contains($0) }) ? max : defaultValue
        }
        return n < 1 ? defaultValue : min(n, max)
    }

    /// 400 `INVALID_<NAME>_FORMAT` (API.md §1.4's shape).
    static func notAnInteger(_ name: String, _ text: String) -> RESTFailure {
        RESTFailure(.failure(400, error: "Invalid parameter format", message: "\(title(name)) must be a valid integer, got: \(text)",
                             code: "INVALID_\(name.uppercased())_FORMAT", details: ["parameter": name, "value": text]))
    }

    /// 400 `INVALID_<NAME>_RANGE` (API.md §1.4's shape).
    static func outOfRange(_ name: String, _ text: String, _ range: ClosedRange<Int>) -> RESTFailure {
        RESTFailure(.failure(400, error: "Invalid parameter value",
                             message: "\(title(name)) must be between \(range.lowerBound) and \(range.upperBound), got: \(text)",
                             code: "INVALID_\(name.uppercased())_RANGE",
                             details: ["parameter": name, "value": text, "min": "\(range.lowerBound)", "max": "\(range.upperBound)"]))
    }

    private static func title(_ name: String) -> String { name.prefix(1).uppercased() + name.dropFirst() }

    /// Echo matches an empty path parameter (`/aggregation/candles//1m`, `…/BTCUSDT/`), and the
    /// aggregation handlers answer it with API.md §1.4's 400 `MISSING_SYMBOL` / `MISSING_INTERVAL`
    /// (the symbol first). Only the aggregation group's router lets empty parameters through.
    static func requireParameters(_ route: APIRoute) throws(RESTFailure) {
        let symbol: String, interval: String?
        switch route {
        case .aggregationCandles(let s, let i), .aggregationFootprint(let s, let i), .aggregationCVD(let s, let i):
            (symbol, interval) = (s, i)
        case .aggregationVolumeProfile(let s), .aggregationLiquidations(let s), .aggregationHeatmap(let s):
            (symbol, interval) = (s, nil)
        default:
            return
        }
        for (name, value) in [("symbol", symbol), ("interval", interval)] where value?.isEmpty == true {
            throw RESTFailure(.failure(400, error: "Missing required parameter", message: "\(title(name)) parameter is required",
                                       code: "MISSING_\(name.uppercased())", details: ["parameter": name]))
        }
    }
}

/// A refusal on the way to an answer.
struct RESTFailure: Error {
    let response: RESTResponse
    init(_ response: RESTResponse) { self.response = response }
}

/// What a rendered candle answer is kept under.
struct CandleAnswerKey: Hashable {
    var symbol: Int
    var market: MarketKind
    var interval: KlineInterval
    var limit: Int
    /// Which route's shape.
    var shape: UInt8
}

extension JSONBytes {
    /// A finite Double in its shortest round-trip form (0 for NaN and infinities).
    mutating func double(_ v: Double) {
        let text = v.isFinite ? (v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)) : "0"
        raw(bytes: text.utf8)
    }
}
