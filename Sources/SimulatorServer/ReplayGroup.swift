import Market
import Simulator

/// One recorded event and when it was received, relative to its group's first record.
public struct ReplayItem: Sendable {
    public var offsetNanos: Int64
    public var event: SimEvent
}

/// Everything recorded for one symbol on one venue, prepared for looping: items in time order
/// (depth starting after the snapshot, aggregate trades synthesised when the recording has only
/// trades), the snapshot book, and how far ids and times move per loop so they stay contiguous.
public struct ReplayGroup: Sendable {
    public var venue: Venue
    public var symbol: String
    public var contract: SimContractSpec
    public var items: [ReplayItem]
    /// The book at the start of every loop (the recorded REST snapshot, or empty).
    public var initialBook: SimOrderBook
    /// The snapshot's `lastUpdateId` (or the first diff's `U` − 1 without a snapshot).
    public var snapshotId: Int64
    public var hasSnapshot: Bool
    /// One loop's length on the recording's clock.
    public var spanNanos: Int64
    /// The first event time (`E`/`T`) of the recording, ms.
    public var firstEventMs: Int64
    /// Added to update ids per loop; the loop-boundary diff fills the difference.
    public var depthShiftPerLoop: Int64
    public var tradeShiftPerLoop: Int64
    public var aggShiftPerLoop: Int64
    /// The diff turning the book at the end of a loop back into `initialBook`.
    public var resetBids: [PriceLevel]
    public var resetAsks: [PriceLevel]
    /// First trade price (or best bid), for seeding the random walk.
    public var firstPrice: Int64
    public var recordedAggTrades: Bool

    public var spanMs: Int64 { spanNanos / 1_000_000 }
}

extension SimEvent {
    /// The event time in ms (0 when the payload has none, as spot bookTicker).
    var eventTimeMs: Int64 {
        switch self {
        case .trade(let t): t.eventTime
        case .aggTrade(let a): a.eventTime
        case .depthUpdate(let d): d.eventTime
        case .bookTicker(let b): b.eventTime
        case .kline(let k): k.eventTime
        case .ticker(let t): t.eventTime
        case .markPrice(let m): m.eventTime
        case .forceOrder(let f): f.eventTime
        case .malformed(_, _, let time): time
        }
    }

    /// The same event with every time moved by `ms` (zeros stay zero).
    func shiftedTimes(by ms: Int64) -> SimEvent {
        func s(_ v: Int64) -> Int64 { v == 0 ? 0 : v + ms }
        switch self {
        case .trade(var t):
            t.eventTime = s(t.eventTime)
            t.tradeTime = s(t.tradeTime)
            return .trade(t)
        case .aggTrade(var a):
            a.eventTime = s(a.eventTime)
            a.tradeTime = s(a.tradeTime)
            return .aggTrade(a)
        case .depthUpdate(var d):
            d.eventTime = s(d.eventTime)
            d.transactionTime = s(d.transactionTime)
            return .depthUpdate(d)
        case .bookTicker(var b):
            b.eventTime = s(b.eventTime)
            b.transactionTime = s(b.transactionTime)
            return .bookTicker(b)
        case .forceOrder(var f):
            f.eventTime = s(f.eventTime)
            f.tradeTime = s(f.tradeTime)
            return .forceOrder(f)
        default:
            return self
        }
    }
}
