import Simulator

/// Request weights per endpoint and parameters (binance-protocol.md §3.3, §3.4).
enum RESTWeights {
    /// The endpoints served per venue (anything else is 404).
    static func endpoints(_ venue: Venue) -> Set<String> {
        let common: Set<String> = ["ping", "time", "exchangeInfo", "depth", "trades", "historicalTrades", "aggTrades",
                                   "klines", "ticker/24hr", "ticker/price", "ticker/bookTicker"]
        return venue == .spot ? common.union(["uiKlines", "avgPrice"]) : common.union(["continuousKlines", "premiumIndex"])
    }

    static func weight(venue: Venue, endpoint: String, request: HTTPRequest) -> Int {
        let limit = request.parameter("limit").flatMap { Int($0) }
        let hasSymbol = request.parameter("symbol") != nil
        let listed = request.parameter("symbols") != nil ? SimulationCore.symbolList(request)?.count ?? 1 : nil
        if venue == .spot {
            switch endpoint {
            case "exchangeInfo": return 20
            case "depth":
                switch depthLimit(.spot, limit) {
                case ...100: return 5
                case ...500: return 25
                case ...1000: return 50
                default: return 250
                }
            case "trades", "historicalTrades": return 25
            case "aggTrades": return 4
            case "klines", "uiKlines", "avgPrice": return 2
            case "ticker/24hr":
                if hasSymbol { return 2 }
                guard let n = listed else { return 80 }
                return n <= 20 ? 2 : n <= 100 ? 40 : 80
            case "ticker/price", "ticker/bookTicker": return hasSymbol ? 2 : 4
            default: return 1
            }
        }
        switch endpoint {
        case "depth":
            switch depthLimit(.futures, limit) {
            case ...50: return 2
            case 100: return 5
            case 500: return 10
            default: return 20
            }
        case "trades": return 5
        case "historicalTrades": return 20
        case "aggTrades": return 20
        case "klines", "continuousKlines":
            switch limit ?? 500 {
            case ..<100: return 1
            case ..<500: return 2
            case ...1000: return 5
            default: return 10
            }
        case "ticker/24hr": return hasSymbol ? 1 : 40
        case "ticker/price", "ticker/bookTicker": return hasSymbol ? 1 : 2
        case "premiumIndex": return 1
        default: return 1
        }
    }

    /// Spot: 1…5000 (default 100). Futures: rounded up to 5, 10, 20, 50, 100, 500 or 1000
    /// (default 500).
    static func depthLimit(_ venue: Venue, _ limit: Int?) -> Int {
        if venue == .spot { return min(max(limit ?? 100, 1), 5000) }
        let allowed = [5, 10, 20, 50, 100, 500, 1000]
        return allowed.first { $0 >= (limit ?? 500) } ?? 1000
    }
}
