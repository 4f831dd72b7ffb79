import Market
import Simulator

/// What a stream carries, independent of how it was spelled: `btcusdt@depth` and
/// `btcusdt@depth@100ms` are the same diff-depth topic.
public enum TopicKind: Hashable, Sendable {
    case trade, aggTrade, depthDiff, bookTicker, ticker, miniTicker, avgPrice, markPrice, forceOrder
    /// `<s>@depth<levels>[@<ms>ms]`: the best levels every `intervalMs`.
    case depthPartial(levels: Int, intervalMs: Int64)
    case kline(KlineInterval)
    /// All-market streams: `!bookTicker`, `!ticker@arr`, `!miniTicker@arr`, `!markPrice@arr`,
    /// `!forceOrder@arr`.
    case allBookTicker, allTicker, allMiniTicker, allMarkPrice, allForceOrder
    /// A well-formed stream the simulator never feeds (rolling-window tickers, `!contractInfo`, …):
    /// acknowledged, then silent, like Binance for a stream with no activity.
    case silent(String)

    /// Whether the topic spans every symbol (its `Topic.symbol` is empty).
    public var isAllMarket: Bool {
        switch self {
        case .allBookTicker, .allTicker, .allMiniTicker, .allMarkPrice, .allForceOrder: true
        default: false
        }
    }
}

/// One venue's stream for one symbol (empty for all-market streams): the key the fan-out hub
/// routes on.
public struct Topic: Hashable, Sendable, CustomStringConvertible {
    public var venue: Venue
    /// Upper case, as in payloads; a name spelled with upper-case letters maps to a symbol that
    /// never exists (Binance's stream names are lower case: acknowledged, silent).
    public var symbol: String
    public var kind: TopicKind

    public init(venue: Venue, symbol: String, kind: TopicKind) {
        self.venue = venue
        self.symbol = symbol
        self.kind = kind
    }

    public var description: String { "\(venue)/\(symbol.isEmpty ? "*" : symbol)/\(kind)" }
}

/// Which URL family of a server a WebSocket connection came in on (binance-protocol.md §2.1).
public enum StreamRoute: String, Sendable, Hashable {
    /// The spot server: every spot stream.
    case spot
    /// Futures `/public/…`: book data (`@depth*`, `@bookTicker`, `!bookTicker`) and `@trade`.
    case futuresPublic = "public"
    /// Futures `/market/…`: everything else public, and `@trade`.
    case futuresMarket = "market"
    /// Futures `/private/…`: user data, which the simulator has none of.
    case futuresPrivate = "private"
    /// Futures unrouted `/ws`, `/stream`: accepted and acknowledged, but silent since 2026-04.
    case futuresLegacy = "legacy"

    public var venue: Venue { self == .spot ? .spot : .futures }

    /// Whether a connection on this route gets data for `kind`. A stream asked for on the
    /// wrong route is acknowledged and stays silent, as on Binance.
    public func serves(_ kind: TopicKind) -> Bool {
        switch self {
        case .spot: return true
        case .futuresPrivate, .futuresLegacy: return false
        case .futuresPublic:
            switch kind {
            case .depthDiff, .depthPartial, .bookTicker, .allBookTicker, .trade: return true
            default: return false
            }
        case .futuresMarket:
            switch kind {
            case .depthDiff, .depthPartial, .bookTicker, .allBookTicker: return false
            default: return true
            }
        }
    }
}
