import Market

/// One step of one instrument: bars roll, taker orders trade against the book, the book walks,
/// then the diff, bookTicker and the periodic streams go out.
extension InstrumentState {
    mutating func step(now: Int64, config: SimConfig, rng: inout SimRandom, out: inout [SimEvent]) {
        if pendingMalformed > 0 {
            pendingMalformed -= 1
            out.append(.malformed(venue: venue, symbol: symbol, eventTime: now))
        }
        rollBars(now: now, config: config, out: &out)
        if external {
            emitPeriodic(now: now, config: config, rng: &rng, out: &out)
            return
        }
        let orders = Int(rng.int(0...Int64(max(0, config.maxTakerOrdersPerStep))))
        for _ in 0..<orders {
            _ = takerOrder(isBuy: rng.bool(), now: now, config: config, rng: &rng, out: &out)
        }
        if venue == .futures, rng.percent(config.liquidationPercent) {
            liquidation(now: now, config: config, rng: &rng, out: &out)
        }
        walkBook(config: config, rng: &rng)
        emitDepth(now: now, out: &out)
        emitPeriodic(now: now, config: config, rng: &rng, out: &out)
    }

    /// A taker order filled at the opposite top level in 1…3 trades, one aggregate trade.
    /// Returns the price and quantity filled, nil when that side is empty.
    mutating func takerOrder(isBuy: Bool, now: Int64, config: SimConfig, rng: inout SimRandom,
                             out: inout [SimEvent]) -> (price: Int64, quantity: Int64)? {
        guard let top = isBuy ? book.bestAsk : book.bestBid else { return nil }
        let step = contract.stepSize
        let lots = min(rng.int(1...max(1, contract.maxTradeQuantity / step)), top.quantity / step)
        guard lots > 0 else { return nil }
        if pendingTradeGap > 0 {
            nextTradeId += Int64(pendingTradeGap)
            nextAggregateId += Int64(pendingTradeGap)
            pendingTradeGap = 0
        }
        let send = pendingDroppedOrders == 0
        if !send { pendingDroppedOrders -= 1 }
        let fills = min(rng.int(1...3), lots)
        let first = nextTradeId
        for k in 0..<fills {
            let part = k == fills - 1 ? lots - (fills - 1) * (lots / fills) : lots / fills
            let t = SimTrade(venue: venue, symbol: symbol, eventTime: now, tradeTime: now, tradeId: nextTradeId,
                             price: top.price, quantity: part * step, buyerIsMaker: !isBuy)
            nextTradeId += 1
            record(t, config: config)
            if send { out.append(.trade(t)) }
        }
        let a = SimAggTrade(venue: venue, symbol: symbol, eventTime: now, tradeTime: now,
                            aggregateId: nextAggregateId, firstTradeId: first, lastTradeId: nextTradeId - 1,
                            price: top.price, quantity: lots * step, buyerIsMaker: !isBuy)
        nextAggregateId += 1
        aggTrades.append(a)
        Self.trim(&aggTrades, config.tradeHistory)
        if send { out.append(.aggTrade(a)) }
        book.set(bid: !isBuy, price: top.price, quantity: top.quantity - lots * step)
        if isBuy { touchedAsks.append(top.price) } else { touchedBids.append(top.price) }
        return (top.price, lots * step)
    }

    mutating func record(_ t: SimTrade, config: SimConfig) {
        trades.append(t)
        Self.trim(&trades, config.tradeHistory)
        lastPrice = t.price
        lastQuantity = t.quantity
        for i in bars.indices { bars[i].current?.add(t) }
    }

    /// A forced close hitting the book; `SELL` closes a long.
    mutating func liquidation(now: Int64, config: SimConfig, rng: inout SimRandom, out: inout [SimEvent]) {
        let side: OrderSide = rng.bool() ? .buy : .sell
        guard let fill = takerOrder(isBuy: side == .buy, now: now, config: config, rng: &rng, out: &out) else {
            return
        }
        let slippage = rng.int(5...50) * contract.tickSize
        let price = side == .buy ? fill.price + slippage : max(contract.tickSize, fill.price - slippage)
        out.append(.forceOrder(SimForceOrder(symbol: symbol, eventTime: now, side: side, quantity: fill.quantity,
                                             price: price, averagePrice: fill.price, tradeTime: now)))
    }

    /// Moves the top by a few ticks, drops levels outside the window, refills the top and
    /// changes a few random levels. The book never crosses: bids stay at or below
    /// `bestBidTicks`, asks at or above `bestBidTicks + spreadTicks`.
    mutating func walkBook(config: SimConfig, rng: inout SimRandom) {
        let levels = Int64(max(1, config.bookLevels))
        if rng.percent(30) { bestBidTicks = max(levels + 10, bestBidTicks + rng.int(-2...2)) }
        if rng.percent(10) { spreadTicks = rng.int(1...2) }
        let tick = contract.tickSize
        let bidTop = bestBidTicks * tick
        let askTop = (bestBidTicks + spreadTicks) * tick
        let bidFloor = bidTop - (levels - 1) * tick
        let askCeiling = askTop + (levels - 1) * tick
        for l in book.bids where l.price > bidTop || l.price < bidFloor { change(bid: true, l.price, 0) }
        for l in book.asks where l.price < askTop || l.price > askCeiling { change(bid: false, l.price, 0) }
        if book.quantity(bid: true, price: bidTop) == 0 { change(bid: true, bidTop, levelQuantity(&rng)) }
        if book.quantity(bid: false, price: askTop) == 0 { change(bid: false, askTop, levelQuantity(&rng)) }
        for _ in 0..<rng.int(1...4) {
            let bid = rng.bool()
            let offset = rng.int(0...(levels - 1))
            let price = bid ? bidTop - offset * tick : askTop + offset * tick
            let remove = offset > 0 && rng.percent(25)
            change(bid: bid, price, remove ? 0 : levelQuantity(&rng))
        }
    }

    mutating func change(bid: Bool, _ price: Int64, _ quantity: Int64) {
        book.set(bid: bid, price: price, quantity: quantity)
        if bid { touchedBids.append(price) } else { touchedAsks.append(price) }
    }

    /// One diff with the final quantity of every touched level (one update id each), then
    /// the bookTicker at the same id.
    mutating func emitDepth(now: Int64, out: inout [SimEvent]) {
        let bidPrices = Array(Set(touchedBids)).sorted(by: >)
        let askPrices = Array(Set(touchedAsks)).sorted()
        touchedBids.removeAll(keepingCapacity: true)
        touchedAsks.removeAll(keepingCapacity: true)
        let count = Int64(bidPrices.count + askPrices.count)
        guard count > 0 else { return }
        let gap = Int64(pendingDepthGap)
        pendingDepthGap = 0
        let d = SimDepthUpdate(
            venue: venue, symbol: symbol, eventTime: now, transactionTime: now,
            firstUpdateId: lastUpdateId + gap + 1, finalUpdateId: lastUpdateId + gap + count,
            previousFinalUpdateId: lastUpdateId + gap,
            bids: bidPrices.map { PriceLevel(price: $0, quantity: book.quantity(bid: true, price: $0)) },
            asks: askPrices.map { PriceLevel(price: $0, quantity: book.quantity(bid: false, price: $0)) })
        lastUpdateId = d.finalUpdateId
        out.append(.depthUpdate(d))
        if let b = book.bestBid, let a = book.bestAsk {
            out.append(.bookTicker(SimBookTicker(
                venue: venue, symbol: symbol, eventTime: now, transactionTime: now, updateId: lastUpdateId,
                bidPrice: b.price, bidQuantity: b.quantity, askPrice: a.price, askQuantity: a.quantity)))
        }
    }
}
