/// Ring record payloads. Fixed-point numbers: `Int64` with 8 decimals (`Fixed.scale`).
/// Times: exchange times in ms as Binance sends them; `receivedNs` is the feeder's
/// CLOCK_REALTIME receive time in ns (end-to-end latency is measured from it).

/// A trade (spot `trade` or futures `aggTrade`). 48 bytes, so a trade record is 64 bytes.
public struct TradeRecord: Equatable, Sendable, BitwiseCopyable {
    public var symbolIndex: UInt32
    /// Bit 0: the buyer is the maker (a sell-side taker). Bit 1: futures market.
    public var flags: UInt32
    public var price: Int64
    public var quantity: Int64
    public var tradeId: Int64
    public var tradeTimeMs: Int64
    public var receivedNs: Int64

    public static let buyerIsMaker: UInt32 = 1
    public static let futures: UInt32 = 2

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
public struct EpochStartRecord: Equatable, Sendable, BitwiseCopyable {
    public var epoch: UInt64
    public var writerPid: Int64
    public var startedRealtimeNs: Int64

    public init(epoch: UInt64, writerPid: Int64, startedRealtimeNs: Int64) {
        self.epoch = epoch
        self.writerPid = writerPid
        self.startedRealtimeNs = startedRealtimeNs
    }
}
