/// A ring record decoded by type: what a reader's `drain` body switches on. The depth views
/// read their levels in place from the payload, so they are valid only as long as it is
/// (during the `drain` call); copy what must outlive it.
public enum RingEvent {
    case trade(TradeRecord)
    case aggTrade(AggTradeRecord)
    case kline(KlineRecord)
    case depthDiff(DepthDiffView)
    case bookSnapshot(BookSnapshotView)
    case bookTicker(BookTickerRecord)
    case ticker(TickerRecord)
    case markPrice(MarkPriceRecord)
    case liquidation(LiquidationRecord)
    case feedGap(FeedGapRecord)
    case epochStart(EpochStartRecord)
    /// `.opaque` or a type this binary does not know: the payload as it came.
    case other(type: Int32, payload: UnsafeRawBufferPointer)
    /// A known type whose payload has the wrong length (never written by this writer).
    case malformed(RecordType)

    /// Decodes the payload of a record of `type` (as `ReadResult.record` gives it).
    public init(type: Int32, payload: UnsafeRawBufferPointer) {
        guard let known = RecordType(rawValue: type) else {
            self = .other(type: type, payload: payload)
            return
        }
        switch known {
        case .trade: self = Self.fixed(payload, known, RingEvent.trade)
        case .aggTrade: self = Self.fixed(payload, known, RingEvent.aggTrade)
        case .kline: self = Self.fixed(payload, known, RingEvent.kline)
        case .bookTicker: self = Self.fixed(payload, known, RingEvent.bookTicker)
        case .ticker: self = Self.fixed(payload, known, RingEvent.ticker)
        case .markPrice: self = Self.fixed(payload, known, RingEvent.markPrice)
        case .liquidation: self = Self.fixed(payload, known, RingEvent.liquidation)
        case .feedGap: self = Self.fixed(payload, known, RingEvent.feedGap)
        case .epochStart: self = Self.fixed(payload, known, RingEvent.epochStart)
        case .depthDiff: self = DepthDiffView(payload: payload).map(RingEvent.depthDiff) ?? .malformed(known)
        case .bookSnapshot: self = BookSnapshotView(payload: payload).map(RingEvent.bookSnapshot) ?? .malformed(known)
        case .padding, .opaque: self = .other(type: type, payload: payload)
        }
    }

    @inline(__always)
    static func fixed<R: RingRecord>(_ payload: UnsafeRawBufferPointer, _ type: RecordType,
                                     _ make: (R) -> RingEvent) -> RingEvent {
        R.load(from: payload).map(make) ?? .malformed(type)
    }
}
