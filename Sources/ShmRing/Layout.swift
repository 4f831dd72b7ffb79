/// The shared-memory segment, one per server instance (DESIGN.md §2). Every offset lives here.
///
/// ```
///  0        +--------------------------------+
///           | SegmentHeader            4 KiB |  magic and version are written last
///  4 KiB    +--------------------------------+
///           | ControlBlock            60 KiB |  supervisor and feed lines, child slots, feed
///           |                                |  figures, terminal clients (see `Control`)
///  64 KiB   +--------------------------------+
///           | RingHeader               4 KiB |  writer counters, one cache line each
///  68 KiB   +--------------------------------+
///           | ring data   `ringCapacity` B   |  power of two, 8-byte aligned records
///           +--------------------------------+
///           | StateTables                    |  sized by StateGeometry (StateLayout)
///           +--------------------------------+
/// ```
///
/// Record in the ring (8-byte aligned; `length` counts header and payload, not padding):
/// ```
///  0        4        8                16
///  | length | type   | sequence       | payload ...
/// ```
/// A padding record (type 0) fills the end of the buffer before a wrap: its `length` is the
/// span it covers, and it may be as short as `length|type` (8 bytes, no sequence).
public enum Layout {
    public static let magic: UInt64 = 0x314D_4853_4D52_5454 // "TTRMSHM1" little-endian
    /// 2: per-market state tables sized by StateGeometry. 3: candles keep their first and last
    /// trade ids, recent trades theirs and their event time. 4: the ring's first epoch.
    public static let version: UInt64 = 4
    public static let cacheLine = 64

    // SegmentHeader, at 0.
    public static let headerOffset = 0
    public static let headerSize = 4096
    public enum Header {
        public static let magic = 0
        public static let version = 8
        public static let segmentSize = 16
        public static let ringCapacity = 24
        public static let ringDataOffset = 32
        public static let stateOffset = 40
        public static let symbolCapacity = 48
        public static let createdRealtimeNs = 56
        public static let supervisorPid = 64
        // The state tables' geometry (StateGeometry), so readers attach without knowing it.
        public static let intervalCount = 72
        public static let candlesPerInterval = 80
        public static let bookLevels = 88
        public static let recentTrades = 96
        public static let liquidations = 104
        public static let stateSize = 112
        /// `intervalCount` interval codes (`Market.KlineInterval.rawValue`), one byte each.
        public static let intervalCodes = 128
        public static let intervalCodesCapacity = 16
    }

    // ControlBlock, after the header.
    public static let controlOffset = headerOffset + headerSize
    public static let controlSize = 60 * 1024
    /// Lines of the control block, relative to `controlOffset`.
    ///
    /// ```
    ///  0          supervisor line, feed line                 (this enum)
    ///  1 KiB      child slots  64 × 256 B                    (`Slot`)
    ///  17 KiB     free
    ///  20 KiB     feed figures, storage figures              (`Feed`, to 30.5 KiB)
    ///  31 KiB     reserved
    ///  32 KiB     terminal clients per worker  64 × 320 B   (`Clients`, to 52 KiB)
    ///  52 KiB     more child counters  64 × 64 B             (`Control.moreCounters…`, to 56 KiB)
    ///  56 KiB     free, to 60 KiB
    /// ```
    public enum Control {
        // Supervisor line: written by the supervisor only.
        public static let supervisorPid = 0
        public static let supervisorStartRealtimeNs = 8
        public static let supervisorState = 16
        public static let workersWanted = 24
        public static let reloadGeneration = 32
        public static let workerRestartsTotal = 40
        public static let feederRestartsTotal = 48
        /// How the last reload ended (`ReloadOutcome`).
        public static let lastReload = 56
        // Feed line: written by the feeder only.
        public static let feedState = 64
        public static let feedEpoch = 72
        public static let feedRecordsPublished = 80
        public static let feedLastPublishRealtimeNs = 88
        public static let feedSourceKind = 96
        public static let databaseState = 104
        public static let databaseCheckedRealtimeNs = 112
        public static let feedReplayLoops = 120
        /// Moves on each symbol registered in the state tables' directory, so a worker that
        /// misses a name re-reads the directory at once when (and only when) it changed.
        public static let directoryGeneration = 128
        // Child slots.
        public static let slotsOffset = 1024
        public static let slotSize = 256
        public static let slotCount = 64
        /// The slot's counter words are full: a child's counters past `Slot.counterCount` go
        /// on a line of their own here, one per slot (child-written, like the slot's second line).
        /// Free space until they were added, so a segment made before reads zeros there.
        public static let moreCountersOffset = 52 * 1024
        public static let moreCountersSize = cacheLine
        public static let moreCounterCount = moreCountersSize / 8
    }
    /// Fields of one child slot, relative to the slot.
    public enum Slot {
        // Supervisor-written line.
        public static let state = 0
        public static let kind = 8
        public static let pid = 16
        public static let startRealtimeNs = 24
        public static let restarts = 32
        public static let generation = 40
        // Child-written line.
        public static let heartbeat = 64
        public static let ringSequence = 72
        public static let ringLaps = 80
        public static let connections = 88
        public static let requests = 96
        public static let badRequests = 104
        public static let childPid = 112
        /// A worker's requests answered 429 by the per-address rate limit.
        public static let rateLimited = 120
        // Child-written counters: a worker's are `WorkerCounter`s.
        public static let counters = 128
        public static let counterCount = 16
    }

    /// A worker's counters in its slot's counter words (`ChildSlot.counter(_:)`), written at
    /// each tick from the loop's `WorkerCounters`; status and `/metrics` read them.
    public enum WorkerCounter: Int, CaseIterable, Sendable {
        /// Open WebSocket connections (terminal and echo), a gauge.
        case webSocketsOpen = 0
        /// Messages framed for fan-out (once each, whatever the number of subscribers).
        case wsMessages
        /// Messages queued to connections.
        case wsDeliveries
        /// Messages not delivered to a client that fell behind (it was sent a gap notice).
        case wsDropped
        /// Conflatable values (ticker, book ticker, mark price) replaced by a newer one unsent.
        case wsConflated
        /// Connections closed for falling behind.
        case wsSlowClosed
        /// Gap notices sent to clients that fell behind.
        case wsGapNotices
        /// Resumes answered by replaying from the ring.
        case wsRecovered
        /// Resumes refused (epoch changed, too old).
        case wsRecoveryRefused
        /// Messages replayed to resuming clients.
        case wsReplayed
        /// Client protocol errors: messages answered with an `error`, and connections closed
        /// for a broken frame or message (1002, 1007, 1009).
        case wsProtocolErrors
        /// Connections refused: over the per-address limit.
        case refusedPerAddress
        /// Connections refused: the worker is full.
        case refusedFull
        /// Connections dropped (send stalled, reset, shutdown timeout).
        case connectionsDropped
        /// Connections closed for silence (HTTP idle, WebSocket pings unanswered).
        case idleTimeouts
        /// Accept failures (descriptor limits and the like).
        case acceptErrors
        // From here on, in the slot's line of `Control.moreCounters…`.
        /// Terminal client messages not processed: over the connection's message budget.
        case wsRateLimited
        /// Terminal connections closed (1008) for staying over their message budget.
        case wsRateLimitClosed

        /// The Prometheus-style name, `tterminal_worker_<name>`.
        public var name: String {
            switch self {
            case .webSocketsOpen: "websockets_open"
            case .wsMessages: "ws_messages_total"
            case .wsDeliveries: "ws_deliveries_total"
            case .wsDropped: "ws_dropped_total"
            case .wsConflated: "ws_conflated_total"
            case .wsSlowClosed: "ws_slow_closed_total"
            case .wsGapNotices: "ws_gap_notices_total"
            case .wsRecovered: "ws_recovered_total"
            case .wsRecoveryRefused: "ws_recovery_refused_total"
            case .wsReplayed: "ws_replayed_total"
            case .wsProtocolErrors: "ws_protocol_errors_total"
            case .refusedPerAddress: "connections_refused_per_address_total"
            case .refusedFull: "connections_refused_full_total"
            case .connectionsDropped: "connections_dropped_total"
            case .idleTimeouts: "idle_timeouts_total"
            case .acceptErrors: "accept_errors_total"
            case .wsRateLimited: "ws_rate_limited_total"
            case .wsRateLimitClosed: "ws_rate_limit_closed_total"
            }
        }
    }

    // RingHeader, after the control block. Each writer counter on its own cache line.
    public static let ringHeaderOffset = controlOffset + controlSize
    public static let ringHeaderSize = 4096
    /// Words of the ring header, all written by the ring's single writer. Positions are byte
    /// counts since the segment was formatted (index in the data = position & (capacity − 1)).
    ///
    /// ```
    ///  0    tailIntent      where the writer will have written up to; stored before each record
    ///  64   tail            end of the last complete record; stored after it
    ///  128  latestSequence  sequence of the last complete record (0: none yet)
    ///  192  epoch           bumped by each new writer (feeder start)
    ///  256  writerPid
    ///  320  recordsWritten  data records since the segment was formatted
    ///  384  latestPosition  start of the last complete record (where a lapped reader rejoins)
    ///  448  firstEpoch      the first writer's epoch: the segment's creation time in µs, so that
    ///                       epochs [firstEpoch, epoch] are this ring's and no other server's
    /// ```
    public enum Ring {
        public static let tailIntent = 0
        public static let tail = 64
        public static let latestSequence = 128
        public static let epoch = 192
        public static let writerPid = 256
        public static let recordsWritten = 320
        public static let latestPosition = 384
        public static let firstEpoch = 448
    }
    public static let ringDataOffset = ringHeaderOffset + ringHeaderSize

    // Ring records.
    public static let recordHeaderSize = 16
    public static let recordAlignment = 8
    public enum Record {
        public static let length = 0
        public static let type = 4
        public static let sequence = 8
    }

    // State tables, after the ring data. Their sizes follow `StateGeometry` (see `StateLayout`).
    //
    //  stateOffset +----------------------------------------------+
    //              | directory    symbols × 64 B                  |  name, market flags
    //              +----------------------------------------------+
    //              | market entries  symbols × 2 × entry size     |  (0, spot) (0, futures) (1, spot) …
    //              +----------------------------------------------+
    //
    // Every directory entry and every section of a market entry starts with its own seqlock
    // (odd while the feeder writes it); readers copy, then check the seqlock did not move.

    /// One symbol's directory entry, relative to the entry.
    ///
    /// ```
    ///  0   seqlock      u64
    ///  8   name         16 B ASCII, NUL padded
    ///  24  marketFlags  u64  (RecordFlags.futures …)
    ///  32  reserved
    ///  64
    /// ```
    public enum Directory {
        public static let entrySize = 64
        public static let seqlock = 0
        public static let name = 8
        public static let nameCapacity = 16
        public static let marketFlags = 24
    }

    /// One (symbol, market) entry, relative to the entry. Fixed sections first, then the
    /// variable ones at offsets `StateLayout` computes; every section is 64-byte aligned.
    ///
    /// ```
    ///  0     trade         seqlock | count   | TradeRecord 48 B                  64 B
    ///  64    ticker        seqlock | count   | TickerRecord 96 B                128 B
    ///  192   bookTicker    seqlock | count   | BookTickerRecord 72 B            128 B
    ///  320   markPrice     seqlock | count   | MarkPriceRecord 64 B             128 B
    ///  448   book          seqlock | updates | BookTop 48 B | bids[L] asks[L]   64 + 32 L
    ///  …     recentTrades  seqlock | total   | pad | RecentTrade × cap          64 + 72 cap
    ///  …     liquidations  seqlock | total   | pad | LiquidationRecord × cap    64 + 80 cap
    ///  …     candles[i]    seqlock | total   | pad | Candle × cap, per interval 64 + 104 cap
    /// ```
    /// `count` is how many updates the section has seen (0: none yet); `total` how many items
    /// a ring section has appended, the newest at index `(total − 1) % cap`.
    public enum MarketEntry {
        public static let trade = 0
        public static let ticker = 64
        public static let bookTicker = 192
        public static let markPrice = 320
        public static let book = 448
        /// Where the variable sections begin.
        public static let fixedSize = 512
    }

    /// Words at the start of every section, relative to the section.
    public enum Section {
        public static let seqlock = 0
        public static let count = 8
        /// A single-record section's record.
        public static let record = 16
        /// A ring section's first item.
        public static let items = 64
    }

    /// The order book section, relative to the section: top `L` levels a side after each update.
    public enum Book {
        public static let top = 16
        public static let levels = 64
        public static let levelSize = 16
    }

    @inline(__always)
    public static func aligned(_ n: Int) -> Int { (n + recordAlignment - 1) & ~(recordAlignment - 1) }

    /// The offset of the state tables for a ring of `ringCapacity` bytes.
    public static func stateOffset(ringCapacity: Int) -> Int { ringDataOffset + ringCapacity }

    /// The whole segment's size with the default state geometry for `symbolCapacity` symbols.
    public static func segmentSize(ringCapacity: Int, symbolCapacity: Int) -> Int {
        segmentSize(ringCapacity: ringCapacity, geometry: StateGeometry(symbolCapacity: symbolCapacity))
    }

    /// The whole segment's size, rounded up to whole pages.
    public static func segmentSize(ringCapacity: Int, geometry: StateGeometry) -> Int {
        let raw = stateOffset(ringCapacity: ringCapacity) + StateLayout(geometry).size
        return (raw + 4095) & ~4095
    }
}


/// The state tables' offsets for one `StateGeometry` (see `Layout.MarketEntry`).
public struct StateLayout: Sendable, Equatable {
    public let geometry: StateGeometry
    /// Offsets of the variable sections in a market entry, and their sizes.
    public let bookSize: Int
    public let recentTradesOffset: Int
    public let recentTradesSize: Int
    public let liquidationsOffset: Int
    public let liquidationsSize: Int
    public let candlesOffset: Int
    public let candleRingSize: Int
    /// One (symbol, market) entry.
    public let marketEntrySize: Int
    public let directorySize: Int
    /// The whole state region.
    public let size: Int

    public init(_ geometry: StateGeometry) {
        self.geometry = geometry
        bookSize = Self.line(Layout.Book.levels + 2 * geometry.bookLevels * Layout.Book.levelSize)
        recentTradesOffset = Layout.MarketEntry.book + bookSize
        recentTradesSize = Self.line(Layout.Section.items + geometry.recentTrades * MemoryLayout<RecentTrade>.size)
        liquidationsOffset = recentTradesOffset + recentTradesSize
        liquidationsSize = Self.line(Layout.Section.items + geometry.liquidations * MemoryLayout<LiquidationRecord>.size)
        candlesOffset = liquidationsOffset + liquidationsSize
        candleRingSize = Self.line(Layout.Section.items + geometry.candlesPerInterval * MemoryLayout<Candle>.size)
        marketEntrySize = candlesOffset + geometry.intervals.count * candleRingSize
        directorySize = geometry.symbolCapacity * Layout.Directory.entrySize
        size = directorySize + geometry.symbolCapacity * MarketKind.allCases.count * marketEntrySize
    }

    /// The offset of a symbol's directory entry in the state region.
    @inline(__always)
    public func directoryEntry(_ symbol: Int) -> Int { symbol * Layout.Directory.entrySize }

    /// The offset of a (symbol, market) entry in the state region.
    @inline(__always)
    public func marketEntry(_ symbol: Int, _ market: MarketKind) -> Int {
        directorySize + (symbol * MarketKind.allCases.count + Int(market.rawValue)) * marketEntrySize
    }

    /// The offset of interval slot `slot`'s candle ring in a market entry.
    @inline(__always)
    public func candleRing(_ slot: Int) -> Int { candlesOffset + slot * candleRingSize }

    /// The offset of every section of a market entry (what `repairAfterCrash` walks).
    var sections: [Int] {
        [Layout.MarketEntry.trade, Layout.MarketEntry.ticker, Layout.MarketEntry.bookTicker,
         Layout.MarketEntry.markPrice, Layout.MarketEntry.book, recentTradesOffset, liquidationsOffset]
            + (0..<geometry.intervals.count).map(candleRing)
    }

    static func line(_ n: Int) -> Int { (n + Layout.cacheLine - 1) & ~(Layout.cacheLine - 1) }
}
