import Market

/// Bars rolling over interval boundaries, and the streams pushed on a timer: kline updates,
/// the 24 h ticker, futures mark price.
extension InstrumentState {
    /// Opens the first bars; closes every bar whose interval ended by `now` (one closed event
    /// each) and fills intervals nobody traded in with empty bars.
    mutating func rollBars(now: Int64, config: SimConfig, out: inout [SimEvent]) {
        for i in bars.indices {
            let ms = bars[i].ms
            let openTime = now - now % ms
            guard var bar = bars[i].current else {
                bars[i].current = SimBar(openTime: openTime, intervalMs: ms, price: lastPrice)
                continue
            }
            guard now > bar.closeTime else { continue }
            out.append(.kline(SimKline(venue: venue, symbol: symbol, interval: bars[i].interval, eventTime: now,
                                       bar: bar, closed: true)))
            bars[i].closed.append(bar)
            let missing = min((openTime - bar.openTime) / ms - 1, Int64(config.barHistory))
            for k in stride(from: missing, to: 0, by: -1) {
                bar = SimBar(openTime: openTime - k * ms, intervalMs: ms, price: bar.close)
                bars[i].closed.append(bar)
            }
            Self.trim(&bars[i].closed, config.barHistory)
            bars[i].current = SimBar(openTime: openTime, intervalMs: ms, price: bar.close)
        }
    }

    mutating func emitPeriodic(now: Int64, config: SimConfig, rng: inout SimRandom, out: inout [SimEvent]) {
        if now >= nextKlinePush {
            nextKlinePush = now + config.klinePushMs
            for b in bars where config.klineIntervals.contains(b.interval) {
                guard let bar = b.current else { continue }
                out.append(.kline(SimKline(venue: venue, symbol: symbol, interval: b.interval, eventTime: now,
                                           bar: bar, closed: false)))
            }
        }
        if now >= nextTickerPush {
            nextTickerPush = now + config.tickerPushMs
            out.append(.ticker(ticker(now: now)))
        }
        if venue == .futures, now >= nextMarkPush {
            nextMarkPush = now + config.markPricePushMs
            out.append(.markPrice(markPrice(now: now, rng: &rng)))
        }
    }

    /// 24 h statistics from the 1m bars whose open time lies in (now − 24 h, now].
    func ticker(now: Int64) -> SimTicker {
        let day: Int64 = 86_400_000
        let minute = bars.first { $0.interval == .m1 }
        let all = (minute?.closed ?? []) + (minute?.current.map { [$0] } ?? [])
        let firstIndex = all.firstIndex { $0.openTime > now - day } ?? all.count
        let window = all[firstIndex...]
        let previousClose = firstIndex > 0 ? all[firstIndex - 1].close : (window.first?.open ?? lastPrice)
        var t = SimTicker(
            venue: venue, symbol: symbol, eventTime: now, priceChange: 0, priceChangePercent: 0,
            weightedAveragePrice: 0, previousClose: previousClose, lastPrice: lastPrice, lastQuantity: lastQuantity,
            bidPrice: book.bestBid?.price ?? 0, bidQuantity: book.bestBid?.quantity ?? 0,
            askPrice: book.bestAsk?.price ?? 0, askQuantity: book.bestAsk?.quantity ?? 0,
            open: window.first?.open ?? lastPrice, high: lastPrice, low: lastPrice, volume: 0, quoteVolume: 0,
            openTime: now - day, closeTime: now, firstTradeId: -1, lastTradeId: -1, tradeCount: 0)
        var traded = false
        for bar in window where bar.tradeCount > 0 {
            if !traded { t.open = bar.open; t.high = bar.high; t.low = bar.low; t.firstTradeId = bar.firstTradeId }
            traded = true
            t.high = max(t.high, bar.high)
            t.low = min(t.low, bar.low)
            t.volume = t.volume.saturatingSum(bar.volume)
            t.quoteVolume = t.quoteVolume.saturatingSum(bar.quoteVolume)
            t.tradeCount += bar.tradeCount
            t.lastTradeId = bar.lastTradeId
        }
        t.priceChange = t.lastPrice - t.open
        // Thousandths of a percent, then to fixed point; prices stay far below overflow.
        t.priceChangePercent = t.open == 0 ? 0 : t.priceChange * 100_000 / t.open * 100_000
        if t.volume > 0 {
            let quote = t.quoteVolume.multipliedFullWidth(by: Fixed.scale)
            let vwap = t.volume.dividingFullWidth(quote).quotient
            t.weightedAveragePrice = vwap - vwap % contract.tickSize
        }
        return t
    }

    /// Mark = mid; index a few ticks off; funding walks in ±0.05 %; funding every 8 h.
    mutating func markPrice(now: Int64, rng: inout SimRandom) -> SimMarkPrice {
        let tick = contract.tickSize
        let mark = (book.bestBid?.price ?? lastPrice) / tick * tick
        fundingRate = min(50_000, max(-50_000, fundingRate + rng.int(-100...100)))
        let eightHours: Int64 = 8 * 3_600_000
        return SimMarkPrice(symbol: symbol, eventTime: now, markPrice: mark, indexPrice: mark + rng.int(-3...3) * tick,
                            estimatedSettlePrice: mark, fundingRate: fundingRate,
                            nextFundingTime: (now / eightHours + 1) * eightHours)
    }
}
