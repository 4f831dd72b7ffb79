import Market

/// Routing a request path and decoded query to the body functions, so the server shell only
/// parses HTTP. Spot under `/api/v3/`, USD-M futures under `/fapi/v1/`.
extension BinanceREST {
    public static func respond(_ market: SimulatedMarket, path: String, query: [String: String],
                               nowMs: Int64) -> RESTResponse {
        let venue: Venue
        let endpoint: Substring
        if path.hasPrefix("/api/v3/") {
            venue = .spot
            endpoint = path.dropFirst(8)
        } else if path.hasPrefix("/fapi/v1/") {
            venue = .futures
            endpoint = path.dropFirst(9)
        } else {
            return error(code: -1000, message: "Unknown path.", status: 404)
        }
        let limit = query["limit"].flatMap { Int($0) }
        let start = query["startTime"].flatMap { Int64($0) }
        let end = query["endTime"].flatMap { Int64($0) }
        switch endpoint {
        case "ping": return ping()
        case "time": return time(nowMs: nowMs)
        case "exchangeInfo": return exchangeInfo(market, venue: venue, symbol: query["symbol"], nowMs: nowMs)
        case "ticker/24hr": return ticker24hr(market, symbol: query["symbol"], venue: venue, nowMs: nowMs)
        default: break
        }
        guard let symbol = query["symbol"] else {
            return missingParameter("symbol")
        }
        switch endpoint {
        case "depth": return depth(market, symbol: symbol, venue: venue, limit: limit, nowMs: nowMs)
        case "trades": return trades(market, symbol: symbol, venue: venue, limit: limit)
        case "aggTrades":
            return aggTrades(market, symbol: symbol, venue: venue, fromId: query["fromId"].flatMap { Int64($0) },
                             startTime: start, endTime: end, limit: limit)
        case "klines":
            guard let name = query["interval"] else {
                return missingParameter("interval")
            }
            guard let interval = KlineInterval.allCases.first(where: { $0.name == name }) else {
                return invalidInterval()
            }
            return klines(market, symbol: symbol, venue: venue, interval: interval, startTime: start, endTime: end,
                          limit: limit)
        default:
            return error(code: -1000, message: "Unknown path.", status: 404)
        }
    }

    /// -1102 MANDATORY_PARAM_EMPTY_OR_MALFORMED.
    public static func missingParameter(_ name: String) -> RESTResponse {
        error(code: -1102, message: "Mandatory parameter '\(name)' was not sent, was empty/null, or malformed.")
    }
}
