import Glibc
import Market
import Net
import Posix
import Runtime
import ShmRing

/// Trades in id order: duplicates dropped, gaps held back and filled from REST.
extension Publisher {
    /// Whether `offerTrade`/`offerAggTrade` may take an id: not one further ahead of the last
    /// than the exchange could have traded since (`maxTradesPerSecond` over the trade times
    /// between them, plus a minute's worth). One junk id far ahead would otherwise become the
    /// last id, and every real trade after it a "duplicate".
    static func plausibleJump(from last: Int64?, lastTimeMs: Int64, to id: Int64, timeMs: Int64) -> Bool {
        guard let last, lastTimeMs > 0, id > last else { return true }
        let seconds = max(0, timeMs - lastTimeMs) / 1000 + 60
        return id - last <= seconds * maxTradesPerSecond
    }

    /// Far above any symbol's trade rate on Binance (BTCUSDT peaks at a few thousand a second).
    static let maxTradesPerSecond: Int64 = 10_000

    func offerTrade(_ r: TradeRecord, _ e: Entry) {
        guard Self.plausibleJump(from: e.trades.last, lastTimeMs: e.lastTradeTimeMs, to: r.tradeId, timeMs: r.tradeTimeMs) else {
            return rejectImplausibleTrade(e, last: e.trades.last, id: r.tradeId)
        }
        let verdict = e.trades.offer(id: r.tradeId, item: r, nowNs: Clock.monotonicNanos())
        e.lastTradeTimeMs = max(e.lastTradeTimeMs, r.tradeTimeMs)
        if verdict == .publish { emit(r) } else { sequenced(verdict, e, channel: .trade) }
    }

    func offerAggTrade(_ r: AggTradeRecord, _ e: Entry) {
        guard Self.plausibleJump(from: e.aggTrades.last, lastTimeMs: e.lastTradeTimeMs, to: r.aggregateId, timeMs: r.tradeTimeMs) else {
            return rejectImplausibleTrade(e, last: e.aggTrades.last, id: r.aggregateId)
        }
        let verdict = e.aggTrades.offer(id: r.aggregateId, item: r, nowNs: Clock.monotonicNanos())
        e.lastTradeTimeMs = max(e.lastTradeTimeMs, r.tradeTimeMs)
        if verdict == .publish { emit(r) } else { sequenced(verdict, e, channel: .aggTrade) }
    }

    /// Called under the lock (from `publish`).
    private func rejectImplausibleTrade(_ e: Entry, last: Int64?, id: Int64) {
        rejectImplausibleRow("trade id \(id) jumps too far ahead of \(last ?? 0) for the time between them", e)
    }

    /// What a sequencer said other than "publish": a duplicate is counted, a gap is filled.
    func sequenced<Item>(_ verdict: IdSequencer<Item>.Verdict, _ e: Entry, channel: FeedChannel) {
        switch verdict {
        case .duplicate: count(e, Layout.Feed.Symbol.duplicatesDropped)
        case .gap(let range): openGap(e, channel: channel, range: range)
        case .held, .publish: break
        }
    }

    func emit(_ r: TradeRecord) {
        emitted(r, market: .spot)
        tables.updateTrade(r)
    }

    func emit(_ r: AggTradeRecord) {
        emitted(r, market: .futures)
        tables.updateTrade(r)
    }

    func emitted<R: MarketRecord>(_ r: R, market: MarketKind) {
        writer.publish(r)
        published += 1
        count(entry(SymbolID(r.symbolIndex), market), Layout.Feed.Symbol.published)
    }

    func openGap(_ e: Entry, channel: FeedChannel, range: ClosedRange<Int64>) {
        count(e, Layout.Feed.Symbol.gapsFound)
        log.warning("trade ids skipped: filling from REST", [
            "symbol": symbols.name(e.symbol), "market": "\(e.market)", "from": "\(range.lowerBound)",
            "to": "\(range.upperBound)"])
        e.tradeGapId = nextGapId()
        gapRecord(e, channel: channel, reason: .sequenceBreak, status: .open, range: range, gapId: e.tradeGapId)
        e.fillBuffer.removeAll()
        e.fillPages = 0
        rest?.enqueue(.trades(symbol: e.symbol, market: e.market, range: range))
    }

    func nextGapId() -> UInt64 {
        gapIds += 1
        return gapIds
    }

    func gapRecord(_ e: Entry, channel: FeedChannel, reason: GapReason, status: GapStatus,
                           range: ClosedRange<Int64>, gapId: UInt64, interval: UInt8 = 0) {
        writer.publish(FeedGapRecord(symbolIndex: UInt32(e.symbol), flags: e.market.flag, channel: channel, reason: reason,
                                     status: status, interval: interval, gapId: gapId, fromId: range.lowerBound,
                                     toId: range.upperBound, fromTimeMs: 0, toTimeMs: 0, receivedNs: Clock.realtimeNanos()))
    }

    /// Ends a fill: publishes what came back plus what was held, counts the rest as lost.
    func finishFill(_ e: Entry, spot: [(id: Int64, item: TradeRecord)], futures: [(id: Int64, item: AggTradeRecord)]) {
        let range: ClosedRange<Int64>?
        let outcome: (missing: Int64, nextGap: ClosedRange<Int64>?)
        let now = Clock.monotonicNanos()
        if e.market == .spot {
            range = e.trades.filling
            let done = e.trades.complete(with: spot, nowNs: now)
            done.publish.forEach(emit)
            outcome = (done.missing, done.nextGap)
        } else {
            range = e.aggTrades.filling
            let done = e.aggTrades.complete(with: futures, nowNs: now)
            done.publish.forEach(emit)
            outcome = (done.missing, done.nextGap)
        }
        guard let range else { return }
        let channel: FeedChannel = e.market == .spot ? .trade : .aggTrade
        let recovered = range.idCount - outcome.missing
        count(e, Layout.Feed.Symbol.idsRecovered, by: UInt64(recovered))
        if outcome.missing == 0 {
            count(e, Layout.Feed.Symbol.gapsFilled)
            gapRecord(e, channel: channel, reason: .sequenceBreak, status: .filled, range: range, gapId: e.tradeGapId)
        } else {
            count(e, Layout.Feed.Symbol.gapsLost)
            count(e, Layout.Feed.Symbol.idsMissing, by: UInt64(outcome.missing))
            gapRecord(e, channel: channel, reason: .sequenceBreak, status: .lost, range: range, gapId: e.tradeGapId)
            log.warning("trade gap not fully filled", ["symbol": symbols.name(e.symbol), "market": "\(e.market)",
                                                       "missing": "\(outcome.missing)", "recovered": "\(recovered)"])
        }
        if let next = outcome.nextGap { openGap(e, channel: channel, range: next) }
        wake()
    }
}
