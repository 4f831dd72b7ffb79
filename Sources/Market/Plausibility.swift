/// What a well-formed Binance value may be. The parser checks form (JSON, integers, decimals);
/// this checks sense, before anything becomes a high-water mark: one trade id far ahead, or one
/// event time in the year 2500, would otherwise make every later real event look like a
/// duplicate, and a time near Int64's end overflows the arithmetic that follows. Times are
/// judged against the receiver's clock.
public enum Plausible {
    /// Binance opened in July 2017: no time it sends is older (2017-07-01T00:00Z).
    public static let earliestMs: Int64 = 1_498_867_200_000
    /// How far an exchange time may run ahead of our clock (skew and leap smearing, generously).
    public static let aheadMs: Int64 = 10 * 60_000
    /// Ids and update ids: far above any Binance has used (trade ids ~10^10, futures update
    /// ids ~10^13), far below where sums and spans overflow. -1 is Binance's "none".
    public static let ids: ClosedRange<Int64> = -1...(1 << 53)
    /// The longest kline Binance has (1M) with room: its close minus its open.
    public static let maxKlineSpanMs: Int64 = 32 * 86_400_000

    @inline(__always)
    public static func time(_ ms: Int64, nowMs: Int64) -> Bool { ms >= earliestMs && ms <= nowMs &+ aheadMs }

    /// A time that may be absent (0 or nil: not sent).
    @inline(__always)
    public static func optionalTime(_ ms: Int64?, nowMs: Int64) -> Bool { ms == nil || ms == 0 || time(ms!, nowMs: nowMs) }

    @inline(__always)
    public static func id(_ value: Int64) -> Bool { ids.contains(value) }

    /// Prices of trades, candles and levels are positive; quantities are not negative.
    @inline(__always)
    public static func trade(price: Int64, quantity: Int64) -> Bool { price > 0 && quantity >= 0 }

    /// What is wrong with one REST trade row (nil: nothing).
    public static func tradeRow(id: Int64, price: Int64, quantity: Int64, timeMs: Int64, nowMs: Int64) -> String? {
        if !Plausible.id(id) || id < 0 { return "trade id \(id)" }
        if !trade(price: price, quantity: quantity) { return "price \(price) or quantity \(quantity)" }
        if !time(timeMs, nowMs: nowMs) { return "trade time \(timeMs)" }
        return nil
    }

    /// Depth levels: positive prices, quantities not negative (0 removes a level).
    public static func levels(_ levels: UnsafeBufferPointer<PriceLevel>) -> Bool {
        levels.allSatisfy { $0.price > 0 && $0.quantity >= 0 }
    }
}

extension KlineBar {
    /// What is wrong with this bar (nil: nothing): its times, trade ids, prices and volumes.
    public func implausibility(nowMs: Int64) -> String? {
        guard Plausible.time(openTime, nowMs: nowMs) else { return "kline open time \(openTime)" }
        guard closeTime >= openTime, closeTime - openTime <= Plausible.maxKlineSpanMs else {
            return "kline close time \(closeTime) for open time \(openTime)"
        }
        guard Plausible.id(firstTradeId), Plausible.id(lastTradeId) else { return "kline trade ids \(firstTradeId)…\(lastTradeId)" }
        guard open > 0, high > 0, low > 0, close > 0, volume >= 0, quoteVolume >= 0, tradeCount >= 0,
              takerBuyBase >= 0, takerBuyQuote >= 0 else { return "kline prices or volumes" }
        return nil
    }
}

extension MarketEvent {
    /// What is wrong with this event (nil: nothing, or an event without values to judge).
    /// `bids`/`asks` are a depth update's or snapshot's levels.
    public func implausibility(nowMs: Int64, bids: UnsafeBufferPointer<PriceLevel>,
                               asks: UnsafeBufferPointer<PriceLevel>) -> String? {
        switch self {
        case .trade(let t):
            return Plausible.time(t.eventTime, nowMs: nowMs) ? Plausible.tradeRow(id: t.tradeId, price: t.price,
                quantity: t.quantity, timeMs: t.tradeTime, nowMs: nowMs) : "event time \(t.eventTime)"
        case .aggTrade(let a):
            guard Plausible.time(a.eventTime, nowMs: nowMs) else { return "event time \(a.eventTime)" }
            guard Plausible.id(a.firstTradeId), Plausible.id(a.lastTradeId), a.firstTradeId <= a.lastTradeId else {
                return "trade ids \(a.firstTradeId)…\(a.lastTradeId)"
            }
            return Plausible.tradeRow(id: a.aggregateId, price: a.price, quantity: a.quantity, timeMs: a.tradeTime, nowMs: nowMs)
        case .kline(let k):
            guard Plausible.time(k.eventTime, nowMs: nowMs) else { return "event time \(k.eventTime)" }
            return k.bar.implausibility(nowMs: nowMs)
        case .depthUpdate(let d):
            guard Plausible.time(d.eventTime, nowMs: nowMs), Plausible.optionalTime(d.transactionTime, nowMs: nowMs) else {
                return "event time \(d.eventTime)"
            }
            guard Plausible.id(d.firstUpdateId), Plausible.id(d.finalUpdateId), d.firstUpdateId >= 0,
                  d.firstUpdateId <= d.finalUpdateId, d.previousFinalUpdateId.map(Plausible.id) ?? true else {
                return "update ids \(d.firstUpdateId)…\(d.finalUpdateId)"
            }
            return Plausible.levels(bids) && Plausible.levels(asks) ? nil : "a level's price or quantity"
        case .bookTicker(let b):
            guard Plausible.optionalTime(b.eventTime, nowMs: nowMs), Plausible.optionalTime(b.transactionTime, nowMs: nowMs) else {
                return "event time \(b.eventTime ?? 0)"
            }
            guard Plausible.id(b.updateId), b.updateId >= 0 else { return "update id \(b.updateId)" }
            return b.bidPrice >= 0 && b.askPrice >= 0 && b.bidQuantity >= 0 && b.askQuantity >= 0 ? nil : "prices or quantities"
        case .ticker(let t):
            guard Plausible.time(t.eventTime, nowMs: nowMs) else { return "event time \(t.eventTime)" }
            return t.lastPrice >= 0 && t.volume >= 0 && t.tradeCount >= 0 ? nil : "price, volume or trade count"
        case .markPrice(let m):
            guard Plausible.time(m.eventTime, nowMs: nowMs) else { return "event time \(m.eventTime)" }
            guard m.nextFundingTime == 0 || (m.nextFundingTime >= Plausible.earliestMs
                                             && m.nextFundingTime <= nowMs &+ Plausible.maxKlineSpanMs) else {
                return "next funding time \(m.nextFundingTime)"
            }
            return m.markPrice > 0 && m.indexPrice >= 0 ? nil : "mark or index price"
        case .forceOrder(let f):
            guard Plausible.time(f.eventTime, nowMs: nowMs), Plausible.time(f.tradeTime, nowMs: nowMs) else {
                return "event or trade time \(f.eventTime), \(f.tradeTime)"
            }
            return f.price > 0 && f.quantity >= 0 && f.averagePrice >= 0 && f.filledQuantity >= 0
                && f.lastFilledQuantity >= 0 ? nil : "price or quantities"
        case .depthSnapshot(let s):
            guard Plausible.id(s.lastUpdateId), s.lastUpdateId >= 0 else { return "last update id \(s.lastUpdateId)" }
            return Plausible.levels(bids) && Plausible.levels(asks) ? nil : "a level's price or quantity"
        case .unknownSymbol, .unknown, .malformed:
            return nil
        }
    }
}
