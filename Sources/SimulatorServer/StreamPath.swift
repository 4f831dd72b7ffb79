import Simulator

/// A WebSocket URL as Binance reads it: the route, whether frames are wrapped, and the streams
/// named in the URL (binance-protocol.md §1.1, §2.1).
public struct StreamEndpoint: Sendable, Equatable {
    public var route: StreamRoute
    /// `/stream…` connections wrap frames as `{"stream":…,"data":…}`; `/ws…` ones do not.
    public var combined: Bool
    /// As written in the URL, in order.
    public var streams: [String]

    public init(route: StreamRoute, combined: Bool, streams: [String]) {
        self.route = route
        self.combined = combined
        self.streams = streams
    }
}

/// Parses the request target of a WebSocket upgrade on the spot or the futures server.
public enum StreamPath {
    public enum Result: Sendable, Equatable {
        case endpoint(StreamEndpoint)
        /// Not a stream URL at all: 404.
        case notFound
        /// A stream URL naming an invalid stream (Binance closes with 1008).
        case invalidStream(String)
    }

    public static let maxStreams = 1024

    /// `path` is the decoded path, `query` the decoded query pairs.
    public static func parse(path: String, query: [(String, String)], venue: Venue) -> Result {
        var rest = Substring(path)
        var route: StreamRoute = .spot
        if venue == .futures {
            route = .futuresLegacy
            for (prefix, r) in [("/public", StreamRoute.futuresPublic), ("/market", .futuresMarket), ("/private", .futuresPrivate)]
            where rest.hasPrefix(prefix + "/") {
                route = r
                rest = rest.dropFirst(prefix.count)
                break
            }
        }
        let streams: [String]
        let combined: Bool
        if rest == "/ws" || rest == "/ws/" {
            streams = []
            combined = false
        } else if rest.hasPrefix("/ws/") {
            streams = rest.dropFirst(4).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            combined = false
        } else if rest == "/stream" || rest == "/stream/" {
            let list = query.first { $0.0 == "streams" }?.1 ?? ""
            streams = list.isEmpty ? [] : list.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            combined = true
        } else {
            return .notFound
        }
        guard streams.count <= maxStreams else { return .invalidStream("more than \(maxStreams) streams") }
        for s in streams where StreamName.parse(s, venue: venue) == nil {
            return .invalidStream(s)
        }
        var unique: [String] = []
        for s in streams where !unique.contains(s) { unique.append(s) }
        return .endpoint(StreamEndpoint(route: route, combined: combined, streams: unique))
    }
}
