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
/// `streamsPerConnection` streams per route (Binance allows 1024).
public struct FeedPlan: Sendable, Equatable {
    public var connections: [ConnectionPlan]
    public let intervals: [KlineInterval]
    public let streamsPerConnection: Int

    /// Streams named in the URL itself; the rest go in SUBSCRIBE messages. A URL holding
    /// 1024 streams would be ~30 KB, which proxies and servers refuse.
    public static let streamsInURL = 100

    public init(symbols: [String], intervals: [KlineInterval], streamsPerConnection: Int = 1024) {
        self.intervals = intervals
        self.streamsPerConnection = max(1, streamsPerConnection)
        var byRoute: [(FeedRoute, [String])] = [(.spot, []), (.futuresPublic, []), (.futuresMarket, [])]
        for symbol in symbols {
            for (k, streams) in Self.streams(of: symbol, intervals: intervals).enumerated() { byRoute[k].1 += streams.1 }
        }
        byRoute[2].1.append("!forceOrder@arr")
        connections = []
        for (route, streams) in byRoute { _ = place(streams[...], route: route, filling: false) }
    }

    /// One symbol's streams per route, in the order spot, futures `/public`, futures `/market`.
    static func streams(of symbol: String, intervals: [KlineInterval]) -> [(FeedRoute, [String])] {
        let s = symbol.lowercased()
        let klines = intervals.map { "\(s)@kline_\($0.name)" }
        return [(.spot, ["\(s)@trade"] + klines + ["\(s)@depth@100ms", "\(s)@bookTicker", "\(s)@ticker"]),
                (.futuresPublic, ["\(s)@depth@100ms", "\(s)@bookTicker"]),
                (.futuresMarket, ["\(s)@aggTrade"] + klines + ["\(s)@ticker", "\(s)@markPrice@1s", "\(s)@forceOrder"])]
    }

    /// Adds a symbol at run time: its streams fill the last connection of each route up to
    /// `streamsPerConnection` (subscribed there), and what does not fit opens new
    /// connections (appended, so existing indices stay). Returns where the streams went.
    public mutating func add(symbol: String) -> [StreamAssignment] {
        Self.streams(of: symbol, intervals: intervals).flatMap { route, streams in place(streams[...], route: route, filling: true) }
    }

    /// Puts `streams` on `route`: into its last connection's free room when `filling`, the
    /// rest into new connections.
    private mutating func place(_ streams: ArraySlice<String>, route: FeedRoute, filling: Bool) -> [StreamAssignment] {
        var rest = streams
        var placed: [StreamAssignment] = []
        let existing = connections.indices.filter { connections[$0].route == route }
        if filling, let last = existing.last, connections[last].streams.count < streamsPerConnection, !rest.isEmpty {
            let batch = rest.prefix(streamsPerConnection - connections[last].streams.count)
            rest = rest.dropFirst(batch.count)
            connections[last].streams += batch
            placed.append(StreamAssignment(plan: last, streams: Array(batch), isNew: false))
        }
        var part = existing.count
        while !rest.isEmpty {
            let batch = rest.prefix(streamsPerConnection)
            rest = rest.dropFirst(batch.count)
            connections.append(ConnectionPlan(route: route, part: part, streams: Array(batch)))
            placed.append(StreamAssignment(plan: connections.count - 1, streams: Array(batch), isNew: true))
            part += 1
        }
        return placed
    }
}

/// Where streams of a symbol added at run time went: onto connection plan `plan`, which
/// already runs (they are subscribed on its connections) or is new (`isNew`: opened for them).
public struct StreamAssignment: Sendable, Equatable {
    public var plan: Int
    public var streams: [String]
    public var isNew: Bool
}

/// A SUBSCRIBE request for a batch of streams, as Binance expects it.
func subscribeMessage(streams: ArraySlice<String>, id: Int) -> [UInt8] {
    var text = #"{"method":"SUBSCRIBE","params":["#
    text += streams.map { "\"\($0)\"" }.joined(separator: ",")
    text += #"],"id":\#(id)}"#
    return Array(text.utf8)
}
