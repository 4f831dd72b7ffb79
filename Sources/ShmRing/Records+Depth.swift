/// One price level: the ring's and the state tables' form of `Market.PriceLevel` (same
/// layout: price then quantity, 16 bytes). Quantity 0 in a diff removes the level.
public struct BookLevel: Equatable, Sendable, BitwiseCopyable {
    public var price: Int64
    public var quantity: Int64

    public init(price: Int64, quantity: Int64) {
        self.price = price
        self.quantity = quantity
    }
}

/// The fixed header of a variable-length record: `bidCount` bids, then `askCount` asks
/// follow it as `BookLevel`s.
public protocol LevelsHeader: MarketRecord {
    var bidCount: UInt32 { get set }
    var askCount: UInt32 { get set }
}

/// A diff-depth event (`depthUpdate`): this header, then its levels in wire order. 64 bytes.
public struct DepthDiffHeader: LevelsHeader {
    public static let recordType = RecordType.depthDiff
    public var symbolIndex: UInt32
    /// Bit 1: futures market.
    public var flags: UInt32
    /// `U`
    public var firstUpdateId: Int64
    /// `u`
    public var finalUpdateId: Int64
    /// `pu` (futures); 0 on spot.
    public var previousFinalUpdateId: Int64
    public var eventTimeMs: Int64
    /// `T` (futures); 0 on spot.
    public var transactionTimeMs: Int64
    public var receivedNs: Int64
    public var bidCount: UInt32
    public var askCount: UInt32

    /// Counts are set by the writer from the levels it is given.
    public init(symbolIndex: UInt32, flags: UInt32, firstUpdateId: Int64, finalUpdateId: Int64,
                previousFinalUpdateId: Int64, eventTimeMs: Int64, transactionTimeMs: Int64, receivedNs: Int64) {
        self.symbolIndex = symbolIndex
        self.flags = flags
        self.firstUpdateId = firstUpdateId
        self.finalUpdateId = finalUpdateId
        self.previousFinalUpdateId = previousFinalUpdateId
        self.eventTimeMs = eventTimeMs
        self.transactionTimeMs = transactionTimeMs
        self.receivedNs = receivedNs
        bidCount = 0
        askCount = 0
    }
}

/// The feeder's maintained book after it (re)synchronised: this header, then the top levels,
/// bids best first, then asks best first. Workers send it to clients as a snapshot before
/// the diffs that follow it. 48 bytes.
public struct BookSnapshotHeader: LevelsHeader {
    public static let recordType = RecordType.bookSnapshot
    public var symbolIndex: UInt32
    /// Bit 0: a resynchronisation after a gap (else the first sync). Bit 1: futures market.
    public var flags: UInt32
    /// The book's update id: diffs with a later `u` follow this snapshot.
    public var lastUpdateId: Int64
    public var eventTimeMs: Int64
    public var transactionTimeMs: Int64
    public var receivedNs: Int64
    public var bidCount: UInt32
    public var askCount: UInt32

    public static let resync: UInt32 = 1

    public init(symbolIndex: UInt32, flags: UInt32, lastUpdateId: Int64, eventTimeMs: Int64,
                transactionTimeMs: Int64, receivedNs: Int64) {
        self.symbolIndex = symbolIndex
        self.flags = flags
        self.lastUpdateId = lastUpdateId
        self.eventTimeMs = eventTimeMs
        self.transactionTimeMs = transactionTimeMs
        self.receivedNs = receivedNs
        bidCount = 0
        askCount = 0
    }

    public var isResync: Bool { flags & Self.resync != 0 }
}

/// The levels of one side, read in place from a record's bytes (valid as long as they are).
public struct BookLevels: RandomAccessCollection {
    /// `count × 16` bytes of (price, quantity) pairs, e.g. to hand on without copying.
    public let bytes: UnsafeRawBufferPointer

    @inlinable
    public init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    public var startIndex: Int { 0 }
    public var endIndex: Int { bytes.count / MemoryLayout<BookLevel>.stride }

    @inlinable
    public subscript(i: Int) -> BookLevel {
        precondition(i >= 0 && i < endIndex, "level \(i) out of range")
        return bytes.loadUnaligned(fromByteOffset: i &* MemoryLayout<BookLevel>.stride, as: BookLevel.self)
    }
}

/// A variable-length record read back: its header and both sides' levels, straight from
/// the payload the reader copied (valid as long as that payload is).
public struct LevelsRecordView<Header: LevelsHeader> {
    public let header: Header
    public let bids: BookLevels
    public let asks: BookLevels

    /// The view of `payload`, or nil when its length does not match the header's counts.
    public init?(payload: UnsafeRawBufferPointer) {
        guard let header = Header.load(from: payload) else { return nil }
        let headerSize = MemoryLayout<Header>.size
        let bidBytes = Int(header.bidCount) * MemoryLayout<BookLevel>.stride
        let askBytes = Int(header.askCount) * MemoryLayout<BookLevel>.stride
        guard payload.count == headerSize + bidBytes + askBytes else { return nil }
        self.header = header
        bids = BookLevels(bytes: UnsafeRawBufferPointer(rebasing: payload[headerSize..<(headerSize + bidBytes)]))
        asks = BookLevels(bytes: UnsafeRawBufferPointer(rebasing: payload[(headerSize + bidBytes)...]))
    }
}

public typealias DepthDiffView = LevelsRecordView<DepthDiffHeader>
public typealias BookSnapshotView = LevelsRecordView<BookSnapshotHeader>
