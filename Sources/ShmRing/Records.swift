/// Ring record payloads. Fixed-point numbers: `Int64` with 8 decimals (`Fixed.scale`).
/// Times: exchange times in ms as Binance sends them (0 where Binance sends none);
/// `receivedNs` is the feeder's CLOCK_REALTIME receive time in ns (end-to-end latency is
/// measured from it). Every market record starts with `symbolIndex: UInt32, flags: UInt32`,
/// and bit 1 of `flags` is `RecordFlags.futures`, so spot and futures never mix.

/// A ring payload of a fixed size, published and read as one value.
public protocol RingRecord: BitwiseCopyable, Equatable, Sendable {
    /// The record header's type for this payload.
    static var recordType: RecordType { get }
}

extension RingRecord {
    /// The record in a payload the reader copied, or nil if the payload is too short.
    /// Longer payloads are accepted (a later version may append fields).
    @inlinable @inline(__always)
    public static func load(from payload: UnsafeRawBufferPointer) -> Self? {
        guard payload.count >= MemoryLayout<Self>.size else { return nil }
        return payload.loadUnaligned(as: Self.self)
    }
}

/// A record about one symbol of one market.
public protocol MarketRecord: RingRecord {
    var symbolIndex: UInt32 { get }
    var flags: UInt32 { get }
}

extension MarketRecord {
    /// The market the record belongs to.
    @inlinable
    public var market: MarketKind { MarketKind(flags: flags) }
}

/// Flag bits shared by every market record; bits 0 and 2… mean what each record says.
public enum RecordFlags {
    /// The record is about the USD-M futures market (else spot).
    public static let futures: UInt32 = 1 << 1
}

/// Spot or USD-M futures: which half of a symbol's state a record belongs to.
public enum MarketKind: UInt8, Sendable, CaseIterable {
    case spot = 0
    case futures = 1

    /// The market named by a record's flags.
    @inlinable
    public init(flags: UInt32) { self = flags & RecordFlags.futures != 0 ? .futures : .spot }

    /// The flag bits that name this market.
    @inlinable
    public var flag: UInt32 { self == .futures ? RecordFlags.futures : 0 }
}

/// A spot trade (`trade` stream). 48 bytes, so a trade record is 64 bytes. The state tables
/// also keep a futures `aggTrade` in this shape (`AggTradeRecord.trade`).
public struct TradeRecord: MarketRecord {
    public static let recordType = RecordType.trade
    public var symbolIndex: UInt32
    /// Bit 0: the buyer is the maker (a sell-side taker). Bit 1: futures market.
    public var flags: UInt32
    public var price: Int64
    public var quantity: Int64
    public var tradeId: Int64
    public var tradeTimeMs: Int64
    public var receivedNs: Int64

    public static let buyerIsMaker: UInt32 = 1
    public static let futures: UInt32 = RecordFlags.futures

    public init(symbolIndex: UInt32, flags: UInt32, price: Int64, quantity: Int64,
                tradeId: Int64, tradeTimeMs: Int64, receivedNs: Int64) {
        self.symbolIndex = symbolIndex
        self.flags = flags
        self.price = price
        self.quantity = quantity
        self.tradeId = tradeId
        self.tradeTimeMs = tradeTimeMs
        self.receivedNs = receivedNs
    }

    public var isBuyerMaker: Bool { flags & Self.buyerIsMaker != 0 }
}

/// Written by a feeder when it takes over the ring: a new epoch begins at `sequence`.
public struct EpochStartRecord: RingRecord {
    public static let recordType = RecordType.epochStart
    public var epoch: UInt64
    public var writerPid: Int64
    public var startedRealtimeNs: Int64

    public init(epoch: UInt64, writerPid: Int64, startedRealtimeNs: Int64) {
        self.epoch = epoch
        self.writerPid = writerPid
        self.startedRealtimeNs = startedRealtimeNs
    }
}
