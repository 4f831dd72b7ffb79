/// The live feed's figures in the control block, written by the feeder and read by `status`
/// and `/api/v1/health`: global counters, one line per WebSocket connection, and counters per
/// symbol and market.
///
/// ```
///  control + 20 KiB   +-------------------------------------------+
///                     | counters          32 words (FeedCounter)  |
///  control + 20.25 KiB+-------------------------------------------+
///                     | connections       16 × 64 B               |
///  control + 22 KiB   +-------------------------------------------+
///                     | symbols   64 symbols × 2 markets × 64 B   |  index symbol * 2 + market
///  control + 30 KiB   +-------------------------------------------+
/// ```
extension Layout {
    public enum Feed {
        public static let countersOffset = 20 * 1024
        public static let counterCount = 32

        public static let connectionsOffset = countersOffset + 256
        public static let connectionSize = 64
        public static let connectionCount = 16
        /// Words of a connection line.
        public enum Connection {
            public static let id = 0
            /// `FeedRouteCode` | part << 8.
            public static let route = 8
            public static let state = 16
            public static let endpointIndex = 24
            public static let messages = 32
            public static let sinceRealtimeNs = 40
            public static let lastFrameRealtimeNs = 48
        }

        public static let symbolsOffset = 22 * 1024
        public static let symbolEntrySize = 64
        /// Words of a symbol-and-market entry.
        public enum Symbol {
            public static let gapsFound = 0
            public static let gapsFilled = 8
            public static let gapsLost = 16
            public static let idsMissing = 24
            public static let bookResyncs = 32
            public static let duplicatesDropped = 40
            public static let published = 48
            public static let idsRecovered = 56
        }

        public static func symbolEntry(symbol: Int, market: MarketKind) -> Int {
            symbolsOffset + (symbol * 2 + Int(market.rawValue)) * symbolEntrySize
        }

        static let end = symbolsOffset + 64 * 2 * symbolEntrySize
    }
}

/// Global counters of the live feed (`Layout.Feed.countersOffset` + 8 × rawValue).
public enum FeedCounter: Int, CaseIterable, Sendable {
    case connectionsOpened = 0, plannedSwitches, unplannedDrops, failovers, stalls, silentConnections
    case serverShutdowns, attemptsDelayed, malformedFrames, restRequests, restFailures, restRateLimited, restBanned
    case restUsedWeight, liveConnections
    /// Receive→ring-publish latency of stream events, ns, since the feeder started.
    case publishLatencyP50Ns, publishLatencyP99Ns, publishLatencyP999Ns, publishLatencyMaxNs, publishLatencyCount

    public var name: String {
        switch self {
        case .connectionsOpened: "connections_opened"
        case .plannedSwitches: "planned_switches"
        case .unplannedDrops: "unplanned_drops"
        case .failovers: "failovers"
        case .stalls: "stalls"
        case .silentConnections: "silent_connections"
        case .serverShutdowns: "server_shutdowns"
        case .attemptsDelayed: "connection_attempts_delayed"
        case .malformedFrames: "malformed_frames"
        case .restRequests: "rest_requests"
        case .restFailures: "rest_failures"
        case .restRateLimited: "rest_rate_limited"
        case .restBanned: "rest_banned"
        case .restUsedWeight: "rest_used_weight_1m"
        case .liveConnections: "live_connections"
        case .publishLatencyP50Ns: "publish_latency_p50_ns"
        case .publishLatencyP99Ns: "publish_latency_p99_ns"
        case .publishLatencyP999Ns: "publish_latency_p999_ns"
        case .publishLatencyMaxNs: "publish_latency_max_ns"
        case .publishLatencyCount: "publish_latency_count"
        }
    }
}

/// The state of one feed connection line.
public enum FeedConnectionState: UInt64, Sendable, CustomStringConvertible {
    case free = 0, connecting, subscribed, live, stalled, silent, retiring

    public var description: String {
        switch self {
        case .free: "free"
        case .connecting: "connecting"
        case .subscribed: "subscribed"
        case .live: "live"
        case .stalled: "stalled"
        case .silent: "silent"
        case .retiring: "retiring"
        }
    }
}

/// Routes as stored in a connection line.
public enum FeedRouteCode: UInt64, Sendable, CustomStringConvertible {
    case spot = 0, futuresPublic = 1, futuresMarket = 2

    public var description: String {
        switch self {
        case .spot: "spot"
        case .futuresPublic: "futures/public"
        case .futuresMarket: "futures/market"
        }
    }
}

/// What the feed's source is, for health (`Layout.Control.feedSourceKind`).
public enum FeedSourceCode: UInt64, Sendable, CustomStringConvertible {
    case replay = 0, binance = 1, simulated = 2

    public var description: String {
        switch self {
        case .replay: "replay"
        case .binance: "binance"
        case .simulated: "simulated"
        }
    }
}

extension ControlBlock {
    public func feedCounter(_ c: FeedCounter) -> SharedWord { word(Layout.Feed.countersOffset + 8 * c.rawValue) }
    public func feedConnectionWord(_ line: Int, _ offset: Int) -> SharedWord {
        word(Layout.Feed.connectionsOffset + line * Layout.Feed.connectionSize + offset)
    }
    public func feedSymbolWord(symbol: Int, market: MarketKind, _ offset: Int) -> SharedWord {
        word(Layout.Feed.symbolEntry(symbol: symbol, market: market) + offset)
    }
}
