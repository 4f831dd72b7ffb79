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
///                     | storage   32 words (StorageCounter)       |  the persister's figures
///  control + 30.25 KiB+-------------------------------------------+
///                     | storage error  seqlock | length | 240 B   |  last error text, UTF-8
///  control + 30.5 KiB +-------------------------------------------+
///                     | (free)                                    |
///  control + 31 KiB   +-------------------------------------------+
///                     | collection  paused | paused since ms |    |  data-collection control
///                     |             not-collected symbol mask     |  (`Layout.Collection`); kept
///                     |             (1 KiB, 3 words used)         |  across feeder restarts
///  control + 32 KiB   +-------------------------------------------+
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

        /// The persister's figures (`StorageCounter`), written by the feeder's persistence thread.
        public static let storageOffset = end
        public static let storageCount = 32
        /// Its last error: a seqlock word, a byte count, then the text.
        public static let storageErrorOffset = storageOffset + 8 * storageCount
        public static let storageErrorCapacity = 240
        static let storageEnd = storageErrorOffset + 16 + storageErrorCapacity
    }

    /// Data-collection control (`/api/v1/data-collection/*`), written by the feeder's requests
    /// thread only, read by workers and the feeder's persistence. Not reset when a feeder
    /// starts: a restarted feeder keeps collection paused and symbols uncollected.
    public enum Collection {
        public static let offset = 31 * 1024
        /// 1 while storing is paused (`POST /data-collection/stop`).
        public static let paused = offset
        /// When the pause began (realtime ms): the history run at start covers it.
        public static let pausedSinceMs = offset + 8
        /// Bit i: ring symbol index i is streamed but not stored (`DELETE /data-collection/symbols/:s`).
        public static let uncollectedMask = offset + 16
        /// Symbols the mask can name.
        public static let maskSymbols = 64
        static let end = offset + 1024
    }
}

/// The persister's figures (`Layout.Feed.storageOffset` + 8 × rawValue).
public enum StorageCounter: Int, CaseIterable, Sendable {
    /// `StorageStateCode`.
    case state = 0
    case capacity, pending
    case candlesWritten, tradesWritten, liquidationsWritten, bookSnapshotsWritten
    case dropped, rejected, flushes, flushErrors, outages
    case lastFlushRealtimeNs, lastErrorRealtimeNs
    /// Times the persistence reader was lapped by the ring writer, and the records it missed.
    case readerLaps, readerMissed
    /// Rows not stored because collection is paused or their symbol is not collected.
    case notCollected
    /// Candle history fetch runs (the feeder's start, `collect`, a resumed collection): begun,
    /// finished with every request answered, finished with some failed.
    case runsTotal, runsSucceeded, runsFailed
    /// When the last run began, the last successful one ended, the last failed one ended (realtime ns).
    case lastRunRealtimeNs, lastRunSuccessRealtimeNs, lastRunErrorRealtimeNs
    /// The last failed run's failed requests and requests ("k errors out of n total operations").
    case lastRunErrors, lastRunOperations

    public var name: String {
        switch self {
        case .state: "state"
        case .capacity: "capacity"
        case .pending: "pending"
        case .candlesWritten: "candles_written"
        case .tradesWritten: "trades_written"
        case .liquidationsWritten: "liquidations_written"
        case .bookSnapshotsWritten: "book_snapshots_written"
        case .dropped: "dropped"
        case .rejected: "rejected"
        case .flushes: "flushes"
        case .flushErrors: "flush_errors"
        case .outages: "outages"
        case .lastFlushRealtimeNs: "last_flush_realtime_ns"
        case .lastErrorRealtimeNs: "last_error_realtime_ns"
        case .readerLaps: "reader_laps"
        case .readerMissed: "reader_missed"
        case .notCollected: "not_collected"
        case .runsTotal: "history_runs"
        case .runsSucceeded: "history_runs_succeeded"
        case .runsFailed: "history_runs_failed"
        case .lastRunRealtimeNs: "last_history_run_realtime_ns"
        case .lastRunSuccessRealtimeNs: "last_history_run_success_realtime_ns"
        case .lastRunErrorRealtimeNs: "last_history_run_error_realtime_ns"
        case .lastRunErrors: "last_history_run_errors"
        case .lastRunOperations: "last_history_run_operations"
        }
    }
}

/// The persister's state as stored in `StorageCounter.state` (the values of `Store.StorageState`).
public enum StorageStateCode: UInt64, Sendable, CustomStringConvertible {
    case notConfigured = 0, connecting = 1, up = 2, down = 3, stopped = 4

    public var description: String {
        switch self {
        case .notConfigured: "not_configured"
        case .connecting: "connecting"
        case .up: "up"
        case .down: "down"
        case .stopped: "stopped"
        }
    }
}

/// Global counters of the live feed (`Layout.Feed.countersOffset` + 8 × rawValue).
public enum FeedCounter: Int, CaseIterable, Sendable {
    case connectionsOpened = 0, plannedSwitches, unplannedDrops, failovers, stalls, silentConnections
    case serverShutdowns, attemptsDelayed, malformedFrames, restRequests, restFailures, restRateLimited, restBanned
    case restUsedWeight, liveConnections
    /// Receive→ring-publish latency of stream events, ns, since the feeder started.
    case publishLatencyP50Ns, publishLatencyP99Ns, publishLatencyP999Ns, publishLatencyMaxNs, publishLatencyCount
    /// Stream connections whose TCP connect, TLS handshake or WebSocket upgrade failed (a 429
    /// or 418 answer included).
    case handshakeFailures
    /// WebSocket upgrades answered 429 and 418; each pauses its market's connection attempts.
    case wsRateLimited, wsBanned

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
        case .handshakeFailures: "handshake_failures"
        case .wsRateLimited: "ws_rate_limited"
        case .wsBanned: "ws_banned"
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
    public func storageCounter(_ c: StorageCounter) -> SharedWord { word(Layout.Feed.storageOffset + 8 * c.rawValue) }

    /// The persister's last error (feeder only): under its own seqlock, cut to the capacity
    /// on a character boundary. A word left odd by a dead writer is taken over, not trusted.
    public func storeStorageError(_ text: String) {
        let lock = word(Layout.Feed.storageErrorOffset)
        let odd = lock.loadRelaxed() | 1
        lock.storeRelaxed(odd)
        // The odd value must be visible before any byte of the text changes.
        storeFence()
        var n = 0
        for scalar in text.unicodeScalars {
            let width = UTF8.width(scalar)
            if n + width > Layout.Feed.storageErrorCapacity { break }
            n += width
        }
        let bytes = Array(text.utf8.prefix(n))
        let start = base + Layout.Feed.storageErrorOffset + 16
        bytes.withUnsafeBytes { if let b = $0.baseAddress { start.copyMemory(from: b, byteCount: $0.count) } }
        word(Layout.Feed.storageErrorOffset + 8).storeRelaxed(UInt64(bytes.count))
        // Pairs with the loadAcquiring in `storageError`'s seqlock read.
        lock.storeReleasing(odd &+ 1)
    }

    /// The persister's last error ("" if none, or if it stayed torn).
    public var storageError: String {
        let start = UnsafeRawPointer(base + Layout.Feed.storageErrorOffset + 16)
        let text = Seqlock(at: base + Layout.Feed.storageErrorOffset).read(attempts: 100) { () -> [UInt8] in
            let n = min(Int(word(Layout.Feed.storageErrorOffset + 8).loadRelaxed()), Layout.Feed.storageErrorCapacity)
            return Array(UnsafeRawBufferPointer(start: start, count: n))
        }
        return String(decoding: text ?? [], as: UTF8.self)
    }

    /// Whether storing is paused (`Layout.Collection.paused`).
    public var collectionPaused: Bool { word(Layout.Collection.paused).loadAcquiring() != 0 }

    /// Pauses (with the time it began) or resumes storing. Feeder only.
    public func setCollectionPaused(_ paused: Bool, sinceMs: Int64) {
        word(Layout.Collection.pausedSinceMs).storeRelaxed(UInt64(max(0, sinceMs)))
        // Pairs with the loadAcquiring in `collectionPaused`: the time is there before the flag.
        word(Layout.Collection.paused).storeReleasing(paused ? 1 : 0)
    }

    /// When the current pause began (realtime ms; 0 when never paused).
    public var collectionPausedSinceMs: Int64 { Int64(bitPattern: word(Layout.Collection.pausedSinceMs).loadRelaxed()) }

    /// Symbols streamed but not stored, bit i for ring symbol index i.
    public var uncollectedMask: UInt64 { word(Layout.Collection.uncollectedMask).loadAcquiring() }

    /// Marks ring symbol `index` collected or not; returns whether it was collected before. Feeder only.
    @discardableResult
    public func setCollected(symbol index: Int, _ collected: Bool) -> Bool {
        guard index >= 0 && index < Layout.Collection.maskSymbols else { return true }
        let w = word(Layout.Collection.uncollectedMask)
        let old = w.loadRelaxed()
        let bit = UInt64(1) << UInt64(index)
        // Pairs with the loadAcquiring in `uncollectedMask`.
        w.storeReleasing(collected ? old & ~bit : old | bit)
        return old & bit == 0
    }

    /// Zeroes the storage figures and error (a feeder starting, with or without a database).
    public func resetStorage() {
        for offset in stride(from: Layout.Feed.storageOffset, to: Layout.Feed.storageEnd, by: 8) { word(offset).storeRelaxed(0) }
    }
}
