/// The REST API's routes (API.md §1), matched on the path after `/api/v1/`. Path symbols
/// are upper-cased here: Binance has only upper-case symbols (the original passed lower case
/// through and failed).
public enum APIRoute: Equatable, Sendable {
    case aggregationCandles(symbol: String, interval: String)
    case aggregationMulti
    case aggregationStats
    case aggregationVolumeProfile(symbol: String)
    case aggregationFootprint(symbol: String, interval: String)
    case aggregationCVD(symbol: String, interval: String)
    case aggregationLiquidations(symbol: String)
    case aggregationHeatmap(symbol: String)
    case candles(symbol: String)
    case candlesRaw(symbol: String)
    case candlesMetrics(symbol: String)
    case candlesLatest(symbol: String)
    case candlesRange(symbol: String)
    case candlesFetch
    case candlesWebSocket(symbol: String)
    case websocketStats
    case websocketPrice(symbol: String)
    case websocketDepth(symbol: String)
    case websocketTrades(symbol: String)
    case websocketKline(symbol: String, interval: String)
    case websocketVolume(symbol: String)
    case websocketMarkPrice(symbol: String)
    case websocketLiquidations(symbol: String)
    case websocketAddSymbol(symbol: String)
    case symbols
    case symbol(String)
    case dataCollectionStats
    case dataCollectionAction(String)
    case dataCollectionSymbols
    case dataCollectionSymbol(String)
    case openAPI

    /// What a method and path under `/api/v1/` resolve to.
    public enum Match: Equatable, Sendable {
        case route(APIRoute)
        case notFound
        /// The path exists, not for this method: the methods it takes.
        case methodNotAllowed([HTTPMethod])
    }

    /// Resolves `path` (the whole path, `/api/v1/...`) for `method`; HEAD goes wherever GET does.
    public static func match(method: HTTPMethod, path: String) -> Match {
        guard path.hasPrefix(Router.apiPrefix) else { return .notFound }
        // Split on the UTF-8 bytes: no grapheme breaking on the hot path.
        let segments = path.utf8.dropFirst(Router.apiPrefix.utf8.count)
            .split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { String(Substring($0)) }
        guard let (route, methods) = resolve(segments) else { return .notFound }
        let wanted = method == .head ? .get : method
        return methods.contains(wanted) ? .route(route) : .methodNotAllowed(methods.contains(.get) ? methods + [.head] : methods)
    }

    private static let get: [HTTPMethod] = [.get]
    private static let post: [HTTPMethod] = [.post]

    private static func resolve(_ s: [String]) -> (APIRoute, [HTTPMethod])? {
        guard let group = s.first, !group.isEmpty else { return nil }
        let rest = Array(s.dropFirst())
        // Echo matches an empty path parameter; the aggregation group's handlers answer it with
        // 400 MISSING_SYMBOL / MISSING_INTERVAL (API.md §1.4). Elsewhere an empty segment is 404.
        if group == "aggregation" { return aggregation(rest) }
        guard !rest.contains(where: \.isEmpty) else { return nil }
        switch group {
        case "candles": return candles(rest)
        case "websocket": return websocket(rest)
        case "symbols":
            switch rest.count {
            case 0: return (.symbols, [.get, .post])
            case 1: return (.symbol(rest[0].uppercased()), [.get, .put, .delete])
            default: return nil
            }
        case "data-collection": return dataCollection(rest)
        case "ws" where rest.count == 2 && rest[0] == "candles": return (.candlesWebSocket(symbol: rest[1].uppercased()), get)
        case "openapi.json" where rest.isEmpty: return (.openAPI, get)
        default: return nil
        }
    }

    /// Segments after the route's name are path parameters and may be empty.
    private static func aggregation(_ r: [String]) -> (APIRoute, [HTTPMethod])? {
        switch (r.count, r.first ?? "") {
        case (3, "candles"): return (.aggregationCandles(symbol: r[1].uppercased(), interval: r[2]), get)
        case (1, "multi"): return (.aggregationMulti, post)
        case (1, "stats"): return (.aggregationStats, get)
        case (2, "volume-profile"): return (.aggregationVolumeProfile(symbol: r[1].uppercased()), get)
        case (3, "footprint"): return (.aggregationFootprint(symbol: r[1].uppercased(), interval: r[2]), get)
        case (3, "cvd"): return (.aggregationCVD(symbol: r[1].uppercased(), interval: r[2]), get)
        case (2, "liquidations"): return (.aggregationLiquidations(symbol: r[1].uppercased()), get)
        case (2, "heatmap"): return (.aggregationHeatmap(symbol: r[1].uppercased()), get)
        default: return nil
        }
    }

    private static func candles(_ r: [String]) -> (APIRoute, [HTTPMethod])? {
        switch r.count {
        case 1: return r[0] == "fetch" ? (.candlesFetch, post) : (.candles(symbol: r[0].uppercased()), get)
        case 2:
            let s = r[0].uppercased()
            switch r[1] {
            case "raw": return (.candlesRaw(symbol: s), get)
            case "metrics": return (.candlesMetrics(symbol: s), get)
            case "latest": return (.candlesLatest(symbol: s), get)
            case "range": return (.candlesRange(symbol: s), get)
            default: return nil
            }
        default: return nil
        }
    }

    private static func websocket(_ r: [String]) -> (APIRoute, [HTTPMethod])? {
        switch (r.count, r.first ?? "") {
        case (1, "stats"): return (.websocketStats, get)
        case (2, "price"): return (.websocketPrice(symbol: r[1].uppercased()), get)
        case (2, "depth"): return (.websocketDepth(symbol: r[1].uppercased()), get)
        case (2, "trades"): return (.websocketTrades(symbol: r[1].uppercased()), get)
        case (3, "kline"): return (.websocketKline(symbol: r[1].uppercased(), interval: r[2]), get)
        case (2, "volume"): return (.websocketVolume(symbol: r[1].uppercased()), get)
        case (2, "markprice"): return (.websocketMarkPrice(symbol: r[1].uppercased()), get)
        case (2, "liquidations"): return (.websocketLiquidations(symbol: r[1].uppercased()), get)
        case (2, "symbols"): return (.websocketAddSymbol(symbol: r[1].uppercased()), post)
        default: return nil
        }
    }

    private static func dataCollection(_ r: [String]) -> (APIRoute, [HTTPMethod])? {
        switch (r.count, r.first ?? "") {
        case (1, "stats"): return (.dataCollectionStats, get)
        case (1, "collect"), (1, "historical"), (1, "start"), (1, "stop"): return (.dataCollectionAction(r[0]), post)
        case (1, "symbols"): return (.dataCollectionSymbols, post)
        case (2, "symbols"): return (.dataCollectionSymbol(r[1].uppercased()), [.delete])
        default: return nil
        }
    }
}

/// A query string's parameters, percent-decoded; the first of a repeated name wins.
public struct QueryParameters: Sendable {
    private var values: [String: String] = [:]

    public init(_ query: String?) {
        guard let query else { return }
        for pair in query.utf8.split(separator: UInt8(ascii: "&")) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(Substring(parts[0]))
            if values[name] == nil { values[name] = parts.count > 1 ? Self.decode(Substring(parts[1])) : "" }
        }
    }

    public subscript(_ name: String) -> String? { values[name] }

    /// `+` is a space; `%XY` a byte; a malformed escape stays as it is.
    static func decode(_ s: Substring) -> String {
        guard s.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return String(s) }
        var out: [UInt8] = []
        let bytes = Array(s.utf8)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "+") {
                out.append(0x20)
            } else if b == UInt8(ascii: "%"), i + 2 < bytes.count, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) {
                out.append(h << 4 | l)
                i += 2
            } else {
                out.append(b)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }
}
