/// A liquidation order (`forceOrder`, futures), fields from Binance's `o` object. 80 bytes.
public struct LiquidationRecord: MarketRecord {
    public static let recordType = RecordType.liquidation
    public var symbolIndex: UInt32
    /// Bit 1: futures market.
    public var flags: UInt32
    /// `Market.OrderSide.rawValue`: 0 buy, 1 sell (a long was force-closed).
    public var side: UInt8
    /// `orderTypeLimit` or `orderTypeMarket` (`o.o`; Binance liquidations are LIMIT), 0 unknown.
    public var orderType: UInt8
    /// `o.f`: 1 GTC, 2 IOC, 3 FOK, 4 GTX; 0 unknown (Binance liquidations are IOC).
    public var timeInForce: UInt8
    /// `Market.OrderStatus.rawValue`: 0 new, 1 partially filled, 2 filled, 3 canceled, 4 expired, 5 other.
    public var status: UInt8
    var reserved: UInt32 = 0
    public var eventTimeMs: Int64
    public var tradeTimeMs: Int64
    public var receivedNs: Int64
    public var price: Int64
    public var averagePrice: Int64
    public var originalQuantity: Int64
    public var lastFilledQuantity: Int64
    /// Cumulative filled quantity (`o.z`).
    public var filledQuantity: Int64

    public static let orderTypeLimit: UInt8 = 1
    public static let orderTypeMarket: UInt8 = 2
    public static let timeInForceIOC: UInt8 = 2

    public init(symbolIndex: UInt32, flags: UInt32, side: UInt8, orderType: UInt8 = orderTypeLimit,
                timeInForce: UInt8 = timeInForceIOC, status: UInt8, eventTimeMs: Int64, tradeTimeMs: Int64,
                receivedNs: Int64, price: Int64, averagePrice: Int64, originalQuantity: Int64,
                lastFilledQuantity: Int64, filledQuantity: Int64) {
        self.symbolIndex = symbolIndex
        self.flags = flags
        self.side = side
        self.orderType = orderType
        self.timeInForce = timeInForce
        self.status = status
        self.eventTimeMs = eventTimeMs
        self.tradeTimeMs = tradeTimeMs
        self.receivedNs = receivedNs
        self.price = price
        self.averagePrice = averagePrice
        self.originalQuantity = originalQuantity
        self.lastFilledQuantity = lastFilledQuantity
        self.filledQuantity = filledQuantity
    }
}

/// The feed lost part of a channel, or later filled (or gave up on) a gap it reported. A gap
/// is reported once as `.open` when found; a second record with the same `gapId` says how
/// it ended. Workers tell their clients from these. 64 bytes.
///
/// Ids are trade ids (trade), aggregate ids (aggTrade) or update ids (depth): `fromId` is the
/// first id missing and `toId` the last one (0 when not known yet, e.g. while a connection
/// is down). Times are the exchange times (ms) of the last event seen before the gap and the
/// first one after it (0 when not known yet).
public struct FeedGapRecord: MarketRecord {
    public static let recordType = RecordType.feedGap
    /// `allSymbols` when the gap hits every symbol of the connection.
    public var symbolIndex: UInt32
    /// Bit 1: futures market.
    public var flags: UInt32
    // Raw codes, not the enums: a record is bytes another process (or host) wrote, and an
    // enum loaded from a code it does not know would be undefined behaviour.
    public var channelCode: UInt8
    public var reasonCode: UInt8
    public var statusCode: UInt8
    /// For `.kline`: the interval code (`Market.KlineInterval.rawValue`); else 0.
    public var interval: UInt8
    var reserved: UInt32 = 0
    /// The feeder's number for this gap (unique within an epoch), shared by its follow-up.
    public var gapId: UInt64
    public var fromId: Int64
    public var toId: Int64
    public var fromTimeMs: Int64
    public var toTimeMs: Int64
    /// When the feeder found the gap (`.open`) or finished with it.
    public var receivedNs: Int64

    public static let allSymbols = UInt32.max

    /// The channel, reason and status; nil for a code this binary does not know.
    public var channel: FeedChannel? { FeedChannel(rawValue: channelCode) }
    public var reason: GapReason? { GapReason(rawValue: reasonCode) }
    public var status: GapStatus? { GapStatus(rawValue: statusCode) }

    public init(symbolIndex: UInt32, flags: UInt32, channel: FeedChannel, reason: GapReason, status: GapStatus,
                interval: UInt8 = 0, gapId: UInt64, fromId: Int64, toId: Int64, fromTimeMs: Int64, toTimeMs: Int64,
                receivedNs: Int64) {
        self.symbolIndex = symbolIndex
        self.flags = flags
        channelCode = channel.rawValue
        reasonCode = reason.rawValue
        statusCode = status.rawValue
        self.interval = interval
        self.gapId = gapId
        self.fromId = fromId
        self.toId = toId
        self.fromTimeMs = fromTimeMs
        self.toTimeMs = toTimeMs
        self.receivedNs = receivedNs
    }
}

/// The channel a feed gap hit.
public enum FeedChannel: UInt8, Sendable, CaseIterable {
    /// Every channel of a connection.
    case connection = 0
    case trade = 1
    case aggTrade = 2
    case kline = 3
    case depth = 4
    case bookTicker = 5
    case ticker = 6
    case markPrice = 7
    case liquidation = 8
}

/// Why events went missing.
public enum GapReason: UInt8, Sendable, CaseIterable {
    /// The connection dropped (or stalled and was replaced) before its replacement was live.
    case connectionLost = 1
    /// Ids jumped: events between them never arrived.
    case sequenceBreak = 2
    /// The order book broke its update-id chain (or crossed) and is being rebuilt from a snapshot.
    case resync = 3
}

/// Where a gap stands.
public enum GapStatus: UInt8, Sendable, CaseIterable {
    /// Found; not (yet) filled.
    case open = 0
    /// Filled: the missing events were fetched (REST) and published, or the book resynced.
    case filled = 1
    /// The feeder gave up: the events are lost.
    case lost = 2
}
