import Market
import Posix
import Simulator

/// Binance's REST API as served (binance-protocol.md §3): spot under `/api/v3/`, USD-M under
/// `/fapi/v1/`, on both ports, with request weights, weight headers, injected 429/418, and
/// Binance's error bodies for bad parameters.
extension SimulationCore {
    public func rest(_ req: HTTPRequest) -> HTTPResponse {
        let venue: Venue
        let endpoint: String
        if req.path.hasPrefix("/api/v3/") {
            venue = .spot
            endpoint = String(req.path.dropFirst(8))
        } else if req.path.hasPrefix("/fapi/v1/") {
            venue = .futures
            endpoint = String(req.path.dropFirst(9))
        } else {
            return Self.unknownPath()
        }
        guard req.method == "GET", RESTWeights.endpoints(venue).contains(endpoint) else { return Self.unknownPath() }
        if let bad = Self.validate(req) { return bad }
        let nowMs = Clock.realtimeMillis()
        let weight = RESTWeights.weight(venue: venue, endpoint: endpoint, request: req)
        let verdict = state.withLock { $0.gates[venue]!.admit(nowMs: nowMs, weight: weight) }
        switch verdict {
        case .tooMany(let retry, let used):
            ServerStats.bump(stats.rest429)
            let limit = venue == .spot ? 6_000 : 2_400
            return HTTPResponse.binanceError(
                status: 429, code: -1003,
                message: "Too much request weight used; current limit is \(limit) request weight per 1 MINUTE. "
                    + "Please use WebSocket Streams for live updates to avoid polling the API.",
                headers: weightHeaders(venue, used) + [("Retry-After", "\(retry)")])
        case .banned(let retry, let until):
            ServerStats.bump(stats.rest418)
            return HTTPResponse.binanceError(
                status: 418, code: -1003,
                message: "Way too much request weight used; IP banned until \(until). "
                    + "Please use WebSocket Streams for live updates to avoid bans.",
                headers: [("Retry-After", "\(retry)")])
        case .ok(let used):
            let r = state.withLock { s in body(&s, venue: venue, endpoint: endpoint, req: req, nowMs: nowMs) }
            return HTTPResponse(status: r.status, headers: weightHeaders(venue, used), body: r.body)
        }
    }

    func weightHeaders(_ venue: Venue, _ used: Int) -> [(name: String, value: String)] {
        venue == .spot ? [("X-MBX-USED-WEIGHT", "\(used)"), ("X-MBX-USED-WEIGHT-1M", "\(used)")]
            : [("X-MBX-USED-WEIGHT-1M", "\(used)")]
    }

    static func unknownPath() -> HTTPResponse {
        HTTPResponse.binanceError(status: 404, code: -1000, message: "Unknown path.")
    }

    /// -1100 for parameters Binance checks by pattern before anything else.
    static func validate(_ req: HTTPRequest) -> HTTPResponse? {
        for name in ["limit", "fromId", "startTime", "endTime"] {
            guard let v = req.parameter(name) else { continue }
            if v.isEmpty || v.utf8.count > 20 || !v.utf8.allSatisfy({ (48...57).contains($0) }) {
                return illegal(name, "^[0-9]{1,20}$")
            }
        }
        if let s = req.parameter("symbol"), !isSymbol(s) { return illegal("symbol", "^[A-Z0-9-_.]{1,20}$") }
        if req.parameter("symbols") != nil && symbolList(req) == nil {
            return illegal("symbols", "^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$")
        }
        return nil
    }

    static func illegal(_ name: String, _ pattern: String) -> HTTPResponse {
        HTTPResponse.binanceError(status: 400, code: -1100,
                                  message: "Illegal characters found in parameter '\(name)'; legal range is '\(pattern)'.")
    }

    static func isSymbol(_ s: String) -> Bool {
        (1...20).contains(s.utf8.count) && s.utf8.allSatisfy {
            (65...90).contains($0) || (48...57).contains($0) || $0 == 45 || $0 == 95 || $0 == 46
        }
    }

    /// `symbols=["BTCUSDT","ETHUSDT"]` (URL-decoded JSON array).
    static func symbolList(_ req: HTTPRequest) -> [String]? {
        guard let text = req.parameter("symbols"), case .success(.array(let items)) = JSONReader.parse(Array(text.utf8))
        else { return nil }
        let names = items.compactMap(\.string)
        guard names.count == items.count, !names.isEmpty, names.allSatisfy(isSymbol) else { return nil }
        return names
    }

    static func int(_ req: HTTPRequest, _ name: String) -> Int? { req.parameter(name).flatMap { Int($0) } }

    static func int64(_ req: HTTPRequest, _ name: String) -> Int64? { req.parameter(name).flatMap { Int64($0) } }

    func body(_ s: inout State, venue: Venue, endpoint: String, req: HTTPRequest, nowMs: Int64) -> RESTResponse {
        switch endpoint {
        case "ping": return BinanceREST.ping()
        case "time": return BinanceREST.time(nowMs: nowMs)
        case "exchangeInfo":
            let list = Self.symbolList(req) ?? req.parameter("symbol").map { [$0] }
            return BinanceREST.exchangeInfo(s.market, venue: venue, symbols: list, nowMs: nowMs)
        case "ticker/24hr": return tickers(s, venue: venue, req: req, nowMs: nowMs)
        case "ticker/price", "ticker/bookTicker":
            return priceTickers(s, venue: venue, book: endpoint == "ticker/bookTicker", req: req, nowMs: nowMs)
        default: break
        }
        guard let symbol = req.parameter("symbol") else { return BinanceREST.missingParameter("symbol") }
        let key = InstrumentKey(venue: venue, symbol: symbol)
        guard let spec = spec(symbol), let ledger = s.ledgers[key] else { return BinanceREST.invalidSymbol() }
        let contract = spec.contract(venue)
        let limit = Self.int(req, "limit")
        switch endpoint {
        case "depth":
            guard let (book, id) = book(s, key) else { return BinanceREST.invalidSymbol() }
            return BinanceREST.depthBody(book: book, lastUpdateId: id, venue: venue, contract: contract,
                                         limit: RESTWeights.depthLimit(venue, limit), nowMs: nowMs)
        case "trades", "historicalTrades":
            let n = min(max(limit ?? 500, 1), 1000)
            let from = endpoint == "trades" ? nil : Self.int64(req, "fromId")
            return BinanceREST.tradeRows(ledger.tradeRows(fromId: from, limit: n).map(ledger.simTrade),
                                         contract: contract, venue: venue)
        case "aggTrades":
            let rows = ledger.aggRows(fromId: Self.int64(req, "fromId"), startTime: Self.int64(req, "startTime"),
                                      endTime: Self.int64(req, "endTime"), limit: min(max(limit ?? 500, 1), 1000))
            return BinanceREST.aggTradeRows(rows.map(ledger.simAgg), contract: contract)
        case "klines", "uiKlines", "continuousKlines":
            var query = Dictionary(req.query, uniquingKeysWith: { first, _ in first })
            query["symbol"] = symbol
            let path = (venue == .spot ? "/api/v3/" : "/fapi/v1/") + "klines"
            return BinanceREST.respond(s.market, path: path, query: query, nowMs: nowMs)
        case "avgPrice" where venue == .spot:
            guard let t = s.market.ticker(symbol: symbol, venue: venue, nowMs: nowMs) else { return BinanceREST.invalidSymbol() }
            var out = JSONBytes(capacity: 96)
            out.raw("{\"mins\":5")
            out.member("price", decimal: t.weightedAveragePrice == 0 ? t.lastPrice : t.weightedAveragePrice, places: 8)
            out.member("closeTime", nowMs)
            out.raw("}")
            return RESTResponse(status: 200, body: out.bytes)
        case "premiumIndex" where venue == .futures:
            guard let (book, _) = book(s, key) else { return BinanceREST.invalidSymbol() }
            return premiumIndex(symbol: symbol, book: book, nowMs: nowMs)
        default:
            return BinanceREST.error(code: -1000, message: "Unknown path.", status: 404)
        }
    }

    func tickers(_ s: State, venue: Venue, req: HTTPRequest, nowMs: Int64) -> RESTResponse {
        guard let list = Self.symbolList(req) else {
            return BinanceREST.ticker24hr(s.market, symbol: req.parameter("symbol"), venue: venue, nowMs: nowMs)
        }
        var body: [UInt8] = [UInt8(ascii: "[")]
        for (k, symbol) in list.enumerated() {
            let one = BinanceREST.ticker24hr(s.market, symbol: symbol, venue: venue, nowMs: nowMs)
            guard one.status == 200 else { return one }
            if k > 0 { body.append(UInt8(ascii: ",")) }
            body += one.body
        }
        body.append(UInt8(ascii: "]"))
        return RESTResponse(status: 200, body: body)
    }

    /// `ticker/price` (`symbol`,`price`) and `ticker/bookTicker` (best bid and ask), one object
    /// for `symbol`, else an array of all.
    func priceTickers(_ s: State, venue: Venue, book: Bool, req: HTTPRequest, nowMs: Int64) -> RESTResponse {
        let requested = req.parameter("symbol")
        let names = requested.map { [$0] } ?? Self.symbolList(req) ?? specs.map(\.symbol)
        var out = JSONBytes(capacity: 128 * names.count)
        if requested == nil { out.raw("[") }
        for (k, symbol) in names.enumerated() {
            let key = InstrumentKey(venue: venue, symbol: symbol)
            guard let spec = spec(symbol), let t = s.market.ticker(symbol: symbol, venue: venue, nowMs: nowMs),
                  let (b, id) = self.book(s, key) else { return BinanceREST.invalidSymbol() }
            let c = spec.contract(venue)
            if k > 0 { out.raw(",") }
            out.raw("{")
            out.member("symbol", ascii: symbol, first: true)
            if book {
                out.member("bidPrice", decimal: b.bestBid?.price ?? 0, places: c.priceDecimals)
                out.member("bidQty", decimal: b.bestBid?.quantity ?? 0, places: c.quantityDecimals)
                out.member("askPrice", decimal: b.bestAsk?.price ?? 0, places: c.priceDecimals)
                out.member("askQty", decimal: b.bestAsk?.quantity ?? 0, places: c.quantityDecimals)
                if venue == .futures { out.member("lastUpdateId", id) }
            } else {
                out.member("price", decimal: t.lastPrice, places: c.priceDecimals)
            }
            if venue == .futures { out.member("time", nowMs) }
            out.raw("}")
        }
        if requested == nil { out.raw("]") }
        return RESTResponse(status: 200, body: out.bytes)
    }

    func premiumIndex(symbol: String, book: SimOrderBook, nowMs: Int64) -> RESTResponse {
        let mark = book.bestBid?.price ?? 0
        let eightHours: Int64 = 8 * 3_600_000
        var out = JSONBytes(capacity: 256)
        out.raw("{")
        out.member("symbol", ascii: symbol, first: true)
        out.member("markPrice", decimal: mark, places: 8)
        out.member("indexPrice", decimal: mark, places: 8)
        out.member("estimatedSettlePrice", decimal: mark, places: 8)
        out.member("lastFundingRate", decimal: 10_000, places: 8)
        out.member("interestRate", decimal: 10_000, places: 8)
        out.member("nextFundingTime", (nowMs / eightHours + 1) * eightHours)
        out.member("time", nowMs)
        out.raw("}")
        return RESTResponse(status: 200, body: out.bytes)
    }
}
