/// The shared-memory segment, one per server instance (DESIGN.md §2). Every offset lives here.
///
/// ```
///  0        +--------------------------------+
///           | SegmentHeader            4 KiB |  magic and version are written last
///  4 KiB    +--------------------------------+
///           | ControlBlock            60 KiB |  supervisor line, feed line, 64 child slots
///  64 KiB   +--------------------------------+
///           | RingHeader               4 KiB |  writer counters, one cache line each
///  68 KiB   +--------------------------------+
///           | ring data   `ringCapacity` B   |  power of two, 8-byte aligned records
///           +--------------------------------+
///           | StateTables  symbols × 1 KiB   |  one seqlocked entry per symbol
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
    public static let version: UInt64 = 1
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
    }

    // ControlBlock, after the header.
    public static let controlOffset = headerOffset + headerSize
    public static let controlSize = 60 * 1024
    /// Lines of the control block, relative to `controlOffset`.
    public enum Control {
        // Supervisor line: written by the supervisor only.
        public static let supervisorPid = 0
        public static let supervisorStartRealtimeNs = 8
        public static let supervisorState = 16
        public static let workersWanted = 24
        public static let reloadGeneration = 32
        public static let workerRestartsTotal = 40
        public static let feederRestartsTotal = 48
        // Feed line: written by the feeder only.
        public static let feedState = 64
        public static let feedEpoch = 72
        public static let feedRecordsPublished = 80
        public static let feedLastPublishRealtimeNs = 88
        public static let feedSourceKind = 96
        public static let databaseState = 104
        public static let databaseCheckedRealtimeNs = 112
        public static let feedReplayLoops = 120
        // Child slots.
        public static let slotsOffset = 1024
        public static let slotSize = 256
        public static let slotCount = 64
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
        // Child-written counters, spare room for later issues.
        public static let counters = 128
        public static let counterCount = 16
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
    /// ```
    public enum Ring {
        public static let tailIntent = 0
        public static let tail = 64
        public static let latestSequence = 128
        public static let epoch = 192
        public static let writerPid = 256
        public static let recordsWritten = 320
        public static let latestPosition = 384
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

    // State tables.
    public static let symbolEntrySize = 1024
    /// One symbol's entry in the state tables, relative to the entry. Written by the feeder
    /// only, under the seqlock (odd while writing); readers copy, then re-check the seqlock.
    ///
    /// ```
    ///  0     +------------------------------------------+
    ///        | seqlock      u64  odd while writing      |
    ///  8     | name         16 B ASCII, NUL padded      |
    ///  24    | marketFlags  u64  (TradeRecord.futures…)  |
    ///  32    | tradeCount   u64  0: no trade yet        |
    ///  40    | reserved     24 B                        |
    ///  64    +------------------------------------------+
    ///        | lastTrade    TradeRecord, 48 B           |
    ///  112   | reserved     16 B                        |
    ///  128   +------------------------------------------+
    ///        | reserved for later: book ticker, mark    |
    ///        | price and funding, 24 h ticker, candles  |
    ///  1024  +------------------------------------------+
    /// ```
    public enum SymbolEntry {
        public static let seqlock = 0
        public static let name = 8
        public static let nameCapacity = 16
        public static let marketFlags = 24
        public static let tradeCount = 32
        public static let lastTrade = 64
        public static let lastTradeSize = 48
        /// First byte of the room kept for later sections.
        public static let reserved = 128
    }

    @inline(__always)
    public static func aligned(_ n: Int) -> Int { (n + recordAlignment - 1) & ~(recordAlignment - 1) }

    /// The offset of the state tables for a ring of `ringCapacity` bytes.
    public static func stateOffset(ringCapacity: Int) -> Int { ringDataOffset + ringCapacity }

    /// The whole segment's size.
    public static func segmentSize(ringCapacity: Int, symbolCapacity: Int) -> Int {
        let raw = stateOffset(ringCapacity: ringCapacity) + symbolCapacity * symbolEntrySize
        return (raw + 4095) & ~4095
    }
}

/// Types of ring records. Padding fills the end of the buffer before a wrap.
public enum RecordType: Int32, Sendable {
    case padding = 0
    case trade = 1
    case aggTrade = 2
    /// Written by a feeder when it starts: the epoch changed, state may have moved.
    case epochStart = 3
    /// Test and benchmark records: the payload is opaque.
    case opaque = 100
}

/// Child kinds in the control block.
public enum ChildKind: UInt64, Sendable, CustomStringConvertible {
    case none = 0
    case feeder = 1
    case worker = 2

    public var description: String {
        switch self {
        case .none: return "-"
        case .feeder: return "feeder"
        case .worker: return "worker"
        }
    }
}

/// States of a child slot, as the supervisor sees it.
public enum SlotState: UInt64, Sendable, CustomStringConvertible {
    case free = 0
    case starting = 1
    case running = 2
    case stopping = 3
    case backoff = 4

    public var description: String {
        switch self {
        case .free: return "free"
        case .starting: return "starting"
        case .running: return "running"
        case .stopping: return "stopping"
        case .backoff: return "backoff"
        }
    }
}

/// Feed states, as the feeder publishes them.
public enum FeedState: UInt64, Sendable, CustomStringConvertible {
    case down = 0
    case connecting = 1
    case live = 2
    case stalled = 3

    public var description: String {
        switch self {
        case .down: return "down"
        case .connecting: return "connecting"
        case .live: return "live"
        case .stalled: return "stalled"
        }
    }
}

/// Database state, as the feeder last saw it.
public enum DatabaseState: UInt64, Sendable, CustomStringConvertible {
    case notConfigured = 0
    case healthy = 1
    case unhealthy = 2
    case unknown = 3

    public var description: String {
        switch self {
        case .notConfigured: return "not_configured"
        case .healthy: return "healthy"
        case .unhealthy: return "unhealthy"
        case .unknown: return "unknown"
        }
    }
}
