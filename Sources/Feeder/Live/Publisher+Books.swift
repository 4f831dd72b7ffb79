import Glibc
import Market
import Net
import Posix
import Runtime
import ShmRing

/// Candles and order books: duplicates by event time, books by Binance's update-id chain.
extension Publisher {
    func publishKline(_ k: KlineEvent, market: MarketKind, receivedNs: Int64) {
        let e = entry(k.symbol, market)
        let slot = Int(k.interval.rawValue)
        let closesNew = k.closed && k.bar.openTime > e.lastClosedOpenMs[slot]
        guard k.eventTime > e.lastKlineEventMs[slot] || closesNew else {
            count(e, Layout.Feed.Symbol.duplicatesDropped)
            return
        }
        if k.bar.openTime <= e.lastClosedOpenMs[slot] {
            // An update of a candle already closed (the other connection was ahead).
            count(e, Layout.Feed.Symbol.duplicatesDropped)
            return
        }
        e.lastKlineEventMs[slot] = max(e.lastKlineEventMs[slot], k.eventTime)
        if k.closed { e.lastClosedOpenMs[slot] = k.bar.openTime }
        let r = KlineRecord(symbolIndex: UInt32(k.symbol), flags: market.flag, interval: k.interval.rawValue,
                            eventTimeMs: k.eventTime, receivedNs: receivedNs, candle: Self.candle(k.bar, closed: k.closed))
        writer.publish(r)
        tables.updateCandle(r)
        published += 1
    }

    static func candle(_ b: KlineBar, closed: Bool) -> Candle {
        Candle(openTimeMs: b.openTime, closeTimeMs: b.closeTime, firstTradeId: b.firstTradeId, lastTradeId: b.lastTradeId,
               open: b.open, high: b.high, low: b.low, close: b.close,
               volume: b.volume, quoteVolume: b.quoteVolume, tradeCount: b.tradeCount, takerBuyBase: b.takerBuyBase,
               takerBuyQuote: b.takerBuyQuote, closed: closed)
    }

    // MARK: - Books

    func applyDiff(_ d: DepthUpdateEvent, bids: UnsafeBufferPointer<PriceLevel>, asks: UnsafeBufferPointer<PriceLevel>,
                           market: MarketKind, receivedNs: Int64) {
        let e = entry(d.symbol, market)
        let result = e.book.apply(d, bids: bids, asks: asks)
        switch result {
        case .applied:
            let header = DepthDiffHeader(symbolIndex: UInt32(d.symbol), flags: market.flag, firstUpdateId: d.firstUpdateId,
                                         finalUpdateId: d.finalUpdateId, previousFinalUpdateId: d.previousFinalUpdateId ?? 0,
                                         eventTimeMs: d.eventTime, transactionTimeMs: d.transactionTime ?? 0, receivedNs: receivedNs)
            writer.publish(header, bids: bids, asks: asks)
            storeBookTop(e, receivedNs: receivedNs)
            published += 1
        case .buffered:
            requestSnapshot(e)
        case .stale:
            count(e, Layout.Feed.Symbol.duplicatesDropped)
            if e.staleBook.older(now: Clock.monotonicNanos(), limit: staleLimitNs) {
                // Diffs keep coming and every one is "older" than the book: its update id is
                // not the stream's (junk far ahead, from a diff or a snapshot). Start over.
                e.book.reset()
                resync(e, d, market: market, why: "every diff for \(staleLimitNs / 1_000_000_000) s was older than the book")
            }
        case .gap, .crossed:
            resync(e, d, market: market, why: "\(result)")
        }
        if result == .applied { e.staleBook.newer() }
    }

    /// Marks `e`'s book unsynced, records and counts the resync, and asks for a snapshot.
    private func resync(_ e: Entry, _ d: DepthUpdateEvent, market: MarketKind, why: String) {
        count(e, Layout.Feed.Symbol.gapsFound)
        count(e, Layout.Feed.Symbol.bookResyncs)
        log.warning("order book broke its update chain: resynchronising", [
            "symbol": symbols.name(d.symbol), "market": "\(market)", "result": why])
        tables.markBookUnsynced(symbolIndex: Int(d.symbol), market: market)
        let range = e.book.lastUpdateId...max(e.book.lastUpdateId, d.firstUpdateId)
        if e.resyncing {
            // The same gap again (the book broke while waiting for its snapshot): its range grows.
            e.bookGapRange = e.bookGapRange.lowerBound...max(e.bookGapRange.upperBound, range.upperBound)
        } else {
            e.bookGapId = nextGapId()
            e.bookGapRange = range
        }
        gapRecord(e, channel: .depth, reason: .resync, status: .open, range: e.bookGapRange, gapId: e.bookGapId)
        e.resyncing = true  // the book keeps the breaking diff buffered for the coming snapshot
        e.snapshotRequestedNs = nil
        requestSnapshot(e)
    }

    func requestSnapshot(_ e: Entry) {
        guard e.snapshotRequestedNs == nil else { return }
        e.snapshotRequestedNs = Clock.monotonicNanos()
        rest?.enqueue(.depth(symbol: e.symbol, market: e.market))
    }

    func storeBookTop(_ e: Entry, receivedNs: Int64) {
        let levels = min(tables.geometry.bookLevels, Self.snapshotLevels)
        let n = e.book.top(bids: UnsafeMutableBufferPointer(rebasing: scratchBids[0..<levels]),
                           asks: UnsafeMutableBufferPointer(rebasing: scratchAsks[0..<levels]))
        let top = BookTop(lastUpdateId: e.book.lastUpdateId, eventTimeMs: e.book.eventTimeMs,
                          transactionTimeMs: e.book.transactionTimeMs, receivedNs: receivedNs, synced: e.book.isSynced)
        tables.updateBook(symbolIndex: Int(e.symbol), market: e.market, top: top,
                          bids: UnsafeBufferPointer(rebasing: scratchBids[0..<n.bids]),
                          asks: UnsafeBufferPointer(rebasing: scratchAsks[0..<n.asks]))
    }

    func publishSnapshot(_ e: Entry, receivedNs: Int64) {
        let n = e.book.top(bids: scratchBids, asks: scratchAsks)
        var header = BookSnapshotHeader(symbolIndex: UInt32(e.symbol), flags: e.market.flag, lastUpdateId: e.book.lastUpdateId,
                                        eventTimeMs: e.book.eventTimeMs, transactionTimeMs: e.book.transactionTimeMs,
                                        receivedNs: receivedNs)
        if e.resyncing { header.flags |= BookSnapshotHeader.resync }
        writer.publish(header, bids: UnsafeBufferPointer(rebasing: scratchBids[0..<n.bids]),
                       asks: UnsafeBufferPointer(rebasing: scratchAsks[0..<n.asks]))
        storeBookTop(e, receivedNs: receivedNs)
        published += 1
    }
}
