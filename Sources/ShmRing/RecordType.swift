/// Types of ring records (the record header's `type`). Padding fills the end of the buffer
/// before a wrap. Each market type's payload is the `RingRecord` named beside it.
public enum RecordType: Int32, Sendable, CaseIterable {
    case padding = 0
    /// `TradeRecord`: a spot `trade`.
    case trade = 1
    /// `AggTradeRecord`: a futures `aggTrade`.
    case aggTrade = 2
    /// `EpochStartRecord`, written by a feeder when it starts: the epoch changed, state may have moved.
    case epochStart = 3
    /// `KlineRecord`: a candle update.
    case kline = 4
    /// `DepthDiffHeader` then its levels (variable length).
    case depthDiff = 5
    /// `BookSnapshotHeader` then the maintained book's top levels, after a (re)sync (variable length).
    case bookSnapshot = 6
    /// `BookTickerRecord`: best bid and ask.
    case bookTicker = 7
    /// `TickerRecord`: rolling 24 h statistics.
    case ticker = 8
    /// `MarkPriceRecord`: mark price and funding (futures).
    case markPrice = 9
    /// `LiquidationRecord`: a `forceOrder` (futures).
    case liquidation = 10
    /// `FeedGapRecord`: the feed lost (or later filled) part of a channel.
    case feedGap = 11
    /// Test and benchmark records: the payload is opaque.
    case opaque = 100
}
