import Market
import Simulator

/// Turns a group's raw records into a loopable `ReplayGroup` (see there).
enum ReplayGroupBuilder {
    static func build(_ draft: ReplayRecording.Draft) -> ReplayGroup? {
        var records = draft.items.sorted { ($0.time, $0.order) < ($1.time, $1.order) }
        guard !records.isEmpty else { return nil }
        let depthEvents = records.compactMap { r -> SimDepthUpdate? in
            if case .depthUpdate(let d) = r.event { return d } else { return nil }
        }
        var book = SimOrderBook()
        var snapshotId: Int64
        if let s = draft.snapshot {
            book = s.book
            snapshotId = s.id
        } else {
            snapshotId = (depthEvents.first?.firstUpdateId ?? 1) - 1
        }
        records = records.filter { r in
            switch r.event {
            case .depthUpdate(let d): return d.finalUpdateId > snapshotId
            case .bookTicker(let b): return draft.snapshot == nil || b.updateId > snapshotId
            default: return true
            }
        }
        if draft.venue == .spot, let i = records.firstIndex(where: { if case .depthUpdate = $0.event { true } else { false } }),
           case .depthUpdate(var d) = records[i].event, d.firstUpdateId <= snapshotId + 1 {
            d.firstUpdateId = snapshotId + 1  // a superset diff: re-applying absolute quantities is harmless
            records[i].event = .depthUpdate(d)
        }
        let recordedAggs = records.contains { if case .aggTrade = $0.event { true } else { false } }
        if !recordedAggs { records = synthesiseAggTrades(records) }
        guard let first = records.first, let last = records.last else { return nil }
        let contract = inferContract(records, book: book, places: draft.places ?? (2, 3))
        return finish(draft, records: records, book: book, snapshotId: snapshotId, contract: contract,
                      recordedAggs: recordedAggs, firstTime: first.time, lastTime: last.time)
    }

    static func finish(_ draft: ReplayRecording.Draft, records: [(time: Int64, order: Int, event: SimEvent)],
                       book: SimOrderBook, snapshotId: Int64, contract: SimContractSpec, recordedAggs: Bool,
                       firstTime: Int64, lastTime: Int64) -> ReplayGroup {
        var end = book
        var lastU = snapshotId
        var bookTickerIds: [Int64] = []
        var tradeIds: [Int64] = []
        var aggIds: [Int64] = []
        var eventTimes: [Int64] = []
        var firstPrice: Int64 = 0
        for r in records {
            if r.event.eventTimeMs > 0 { eventTimes.append(r.event.eventTimeMs) }
            switch r.event {
            case .depthUpdate(let d):
                for l in d.bids { end.set(bid: true, price: l.price, quantity: l.quantity) }
                for l in d.asks { end.set(bid: false, price: l.price, quantity: l.quantity) }
                lastU = d.finalUpdateId
            case .bookTicker(let b): bookTickerIds.append(b.updateId)
            case .trade(let t):
                tradeIds.append(t.tradeId)
                if firstPrice == 0 { firstPrice = t.price }
            case .aggTrade(let a):
                aggIds.append(a.aggregateId)
                tradeIds.append(contentsOf: [a.firstTradeId, a.lastTradeId])
                if firstPrice == 0 { firstPrice = a.price }
            default: break
            }
        }
        let reset = resetDiff(from: end, to: book)
        let hasDepth = lastU > snapshotId
        var depthShift = hasDepth ? lastU - snapshotId + Int64(reset.bids.count + reset.asks.count) : 0
        if !hasDepth, let lo = bookTickerIds.min(), let hi = bookTickerIds.max() { depthShift = hi - lo + 1 }
        let localSpanMs = (lastTime - firstTime) / 1_000_000
        let eventSpanMs = (eventTimes.max() ?? 0) - (eventTimes.min() ?? 0)
        let spanMs = max(localSpanMs, eventSpanMs, 999) + 1  // a loop of a lone frame still takes a second
        if firstPrice == 0 { firstPrice = book.bestBid?.price ?? records.lazy.compactMap(bookTickerBid).first ?? 0 }
        return ReplayGroup(
            venue: draft.venue, symbol: draft.symbol, contract: contract,
            items: records.map { ReplayItem(offsetNanos: $0.time - firstTime, event: $0.event) },
            initialBook: book, snapshotId: snapshotId, hasSnapshot: draft.snapshot != nil,
            spanNanos: spanMs * 1_000_000, firstEventMs: eventTimes.first ?? 0, depthShiftPerLoop: depthShift,
            tradeShiftPerLoop: span(tradeIds), aggShiftPerLoop: span(aggIds), resetBids: reset.bids,
            resetAsks: reset.asks, firstPrice: firstPrice, recordedAggTrades: recordedAggs)
    }

    static func bookTickerBid(_ r: (time: Int64, order: Int, event: SimEvent)) -> Int64? {
        if case .bookTicker(let b) = r.event { return b.bidPrice }
        return nil
    }

    static func span(_ ids: [Int64]) -> Int64 {
        guard let lo = ids.min(), let hi = ids.max() else { return 0 }
        return hi - lo + 1
    }

    /// Levels to set so that `from` becomes `to`: removals (quantity 0) and changed quantities.
    static func resetDiff(from: SimOrderBook, to: SimOrderBook) -> (bids: [PriceLevel], asks: [PriceLevel]) {
        func side(_ a: [PriceLevel], _ b: [PriceLevel], descending: Bool) -> [PriceLevel] {
            var want: [Int64: Int64] = [:]
            for l in b { want[l.price] = l.quantity }
            var out: [PriceLevel] = []
            for l in a where want[l.price] == nil { out.append(PriceLevel(price: l.price, quantity: 0)) }
            var have: [Int64: Int64] = [:]
            for l in a { have[l.price] = l.quantity }
            for l in b where have[l.price] != l.quantity { out.append(l) }
            return out.sorted { descending ? $0.price > $1.price : $0.price < $1.price }
        }
        return (side(from.bids, to.bids, descending: true), side(from.asks, to.asks, descending: false))
    }

    /// One aggregate trade per run of trades with the same time, price and side, placed right
    /// after the run's last trade (recordings from hftbacktest carry `@trade` only).
    static func synthesiseAggTrades(_ records: [(time: Int64, order: Int, event: SimEvent)])
        -> [(time: Int64, order: Int, event: SimEvent)] {
        guard let firstTrade = records.lazy.compactMap({ r -> SimTrade? in
            if case .trade(let t) = r.event { return t } else { return nil }
        }).first else { return records }
        var nextAgg = max(1, firstTrade.tradeId / 5 * 4)
        var out: [(time: Int64, order: Int, event: SimEvent)] = []
        out.reserveCapacity(records.count * 5 / 4)
        var run: [SimTrade] = []
        var runTime: Int64 = 0
        func flush() {
            guard let f = run.first, let l = run.last else { return }
            let quantity = run.reduce(Int64(0)) { $0 + $1.quantity }
            out.append((runTime, Int.max, .aggTrade(SimAggTrade(
                venue: f.venue, symbol: f.symbol, eventTime: l.eventTime, tradeTime: l.tradeTime, aggregateId: nextAgg,
                firstTradeId: f.tradeId, lastTradeId: l.tradeId, price: f.price, quantity: quantity,
                buyerIsMaker: f.buyerIsMaker))))
            nextAgg += 1
            run.removeAll(keepingCapacity: true)
        }
        for r in records {
            if case .trade(let t) = r.event {
                if let p = run.last, !(p.tradeTime == t.tradeTime && p.price == t.price
                                       && p.buyerIsMaker == t.buyerIsMaker && p.tradeId + 1 == t.tradeId) {
                    flush()
                }
                out.append(r)
                run.append(t)
                runTime = r.time
            } else {
                flush()
                out.append(r)
            }
        }
        flush()
        return out
    }

    /// Tick and lot as the largest powers of ten dividing every recorded price and quantity, no
    /// finer than the decimals Binance prints.
    static func inferContract(_ records: [(time: Int64, order: Int, event: SimEvent)], book: SimOrderBook,
                              places: (price: Int, quantity: Int)) -> SimContractSpec {
        var prices: [Int64] = []
        var quantities: [Int64] = []
        for r in records.prefix(20_000) {
            switch r.event {
            case .trade(let t): prices.append(t.price); quantities.append(t.quantity)
            case .aggTrade(let a): prices.append(a.price); quantities.append(a.quantity)
            case .depthUpdate(let d):
                for l in d.bids + d.asks { prices.append(l.price); if l.quantity > 0 { quantities.append(l.quantity) } }
            default: break
            }
        }
        for l in book.bids.prefix(200) + book.asks.prefix(200) { prices.append(l.price); quantities.append(l.quantity) }
        func power(_ values: [Int64], places: Int) -> Int64 {
            var unit = Fixed.scale * 10
            while unit > 1 && values.contains(where: { $0 % unit != 0 }) { unit /= 10 }
            var floor: Int64 = 1
            for _ in 0..<max(0, 8 - places) { floor *= 10 }
            return max(unit, floor)
        }
        let tick = power(prices, places: places.price)
        let step = power(quantities, places: places.quantity)
        return SimContractSpec(tickSize: tick, stepSize: step, priceDecimals: places.price,
                               quantityDecimals: places.quantity, maxTradeQuantity: step * 1_000,
                               maxLevelQuantity: step * 10_000)
    }
}
