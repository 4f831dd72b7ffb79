import Simulator

/// One symbol on one venue.
public struct InstrumentKey: Hashable, Sendable, CustomStringConvertible {
    public var venue: Venue
    public var symbol: String

    public init(venue: Venue, symbol: String) {
        self.venue = venue
        self.symbol = symbol
    }

    public var description: String { "\(venue.name)/\(symbol)" }
}

extension Venue {
    /// `spot` or `futures`, as the control API spells it.
    public var name: String { self == .spot ? "spot" : "futures" }
}

/// What the state endpoint reports per instrument; the generator updates it once per step.
struct InstrumentCounters: Sendable {
    var lastTradeId: Int64 = -1
    var lastTradeIdSent: Int64 = -1
    var lastAggTradeId: Int64 = -1
    var lastAggTradeIdSent: Int64 = -1
    var lastDepthUpdateId: Int64 = -1
    var tradesGenerated: Int64 = 0
    var tradesSent: Int64 = 0
    var tradesHidden: Int64 = 0
    var aggTradesSent: Int64 = 0
    var depthUpdatesSent: Int64 = 0
    var bookTickersSent: Int64 = 0
    var otherEventsSent: Int64 = 0
    /// Frames queued to connections for this instrument's streams.
    var messagesDelivered: Int64 = 0
    var faults: [String: Int] = [:]
}

/// A fault as logged in the state document.
struct FaultRecord: Sendable {
    var kind: FaultKind
    var venue: Venue
    var symbol: String?
    var atMs: Int64
    var affected: Int
}

/// `SimSymbolSpec`s for any symbol: the built-in BTC/ETH ones, else a generic USDT-quoted one.
enum SymbolSpecs {
    static func spec(for symbol: String) -> SimSymbolSpec {
        switch symbol {
        case "BTCUSDT": return .btcusdt
        case "ETHUSDT": return .ethusdt
        default:
            let quotes = ["USDT", "USDC", "FDUSD", "BUSD", "BTC", "ETH", "BNB", "EUR", "TRY"]
            let quote = quotes.first { symbol.hasSuffix($0) && symbol.count > $0.count } ?? "USDT"
            let base = symbol.hasSuffix(quote) ? String(symbol.dropLast(quote.count)) : symbol
            let contract = SimContractSpec(tickSize: 100_000, stepSize: 100_000, priceDecimals: 8, quantityDecimals: 8,
                                           maxTradeQuantity: 100_000_000, maxLevelQuantity: 1_000_000_000)
            var futures = contract
            futures.priceDecimals = 3
            futures.quantityDecimals = 3
            return SimSymbolSpec(symbol: symbol, baseAsset: base, quoteAsset: quote, startPrice: 100 * 100_000_000,
                                 spot: contract, futures: futures)
        }
    }
}
