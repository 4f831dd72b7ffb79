import Market
import ShmRing

extension MarketKind {
    /// Incoming control messages (pings, pongs, JSON requests) Binance accepts per second.
    var controlMessagesPerSecond: Int { self == .spot ? 5 : 10 }
}

/// A futures connection's routed path (`/public` for book data, `/market` for the rest);
/// spot has one unrouted path.
public enum FeedRoute: String, Sendable, CustomStringConvertible {
    case spot = ""
    case futuresPublic = "/public"
    case futuresMarket = "/market"

    public var description: String { self == .spot ? "spot" : "futures" + rawValue }
    public var market: MarketKind { self == .spot ? .spot : .futures }
}

/// One WebSocket connection the feeder keeps open: its route and the streams it carries.
public struct ConnectionPlan: Sendable, Equatable, CustomStringConvertible {
    public var route: FeedRoute
    /// Index among the connections of the same route (when streams are split).
    public var part: Int
    public var streams: [String]

    public var description: String { "\(route)#\(part) (\(streams.count) streams)" }

    /// The combined-stream path for an endpoint base, e.g. `/market/stream?streams=a/b`.
    /// Long lists are subscribed after connecting instead (see `initialStreams`).
    public func path(initialStreams: Int, routed: Bool = true) -> String {
        let first = streams.prefix(initialStreams)
        let base = (routed ? route.rawValue : "") + "/stream"
        return first.isEmpty ? base : base + "?streams=" + first.joined(separator: "/")
    }
}

/// The streams every symbol needs (DESIGN §3), split into connections of at most
/// `streamsPerConnection` streams per route.
public struct FeedPlan: Sendable, Equatable {
    public var connections: [ConnectionPlan]

    /// Streams named in the URL itself; the rest go in SUBSCRIBE messages. A URL holding
    /// 1024 streams would be ~30 KB, which proxies and servers refuse.
    public static let streamsInURL = 100

    public init(symbols: [String], intervals: [KlineInterval], streamsPerConnection: Int = 1024) {
        var spot: [String] = []
        var futuresPublic: [String] = []
        var futuresMarket: [String] = []
        for symbol in symbols {
            let s = symbol.lowercased()
            let klines = intervals.map { "\(s)@kline_\($0.name)" }
            spot += ["\(s)@trade"] + klines + ["\(s)@depth@100ms", "\(s)@bookTicker", "\(s)@ticker"]
            futuresPublic += ["\(s)@depth@100ms", "\(s)@bookTicker"]
            futuresMarket += ["\(s)@aggTrade"] + klines + ["\(s)@ticker", "\(s)@markPrice@1s", "\(s)@forceOrder"]
        }
        futuresMarket.append("!forceOrder@arr")
        let size = max(1, streamsPerConnection)
        var plans: [ConnectionPlan] = []
        for (route, streams) in [(FeedRoute.spot, spot), (.futuresPublic, futuresPublic), (.futuresMarket, futuresMarket)] {
            var part = 0
            var start = 0
            while start < streams.count {
                let end = min(streams.count, start + size)
                plans.append(ConnectionPlan(route: route, part: part, streams: Array(streams[start..<end])))
                part += 1
                start = end
            }
        }
        connections = plans
    }
}

/// A SUBSCRIBE request for a batch of streams, as Binance expects it.
func subscribeMessage(streams: ArraySlice<String>, id: Int) -> [UInt8] {
    var text = #"{"method":"SUBSCRIBE","params":["#
    text += streams.map { "\"\($0)\"" }.joined(separator: ",")
    text += #"],"id":\#(id)}"#
    return Array(text.utf8)
}
