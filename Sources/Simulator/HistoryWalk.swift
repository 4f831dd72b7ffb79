import Market

/// Past 1m bars of one instrument, made directly instead of by replaying steps, so a long
/// history costs a few draws per minute.
///
/// One minute stands for `stepsPerMinute` live steps. A live step moves the top by −2…2 ticks
/// with probability 30 % (variance 0.6 tick²), so a minute moves by a sum of three uniform draws
/// in ±a ticks, a = √(0.6 · steps) (same variance, close to normal). High and low reach past
/// open and close by 0…a ticks each. A live step sends 0…`maxOrdersPerStep` taker orders of
/// 1…`maxTradeQuantity` in 1…3 fills; a minute draws its order count around that mean
/// (±50 %), trades at 1…3 per order on average, volume around the mean order size (±50 %),
/// 30…70 % of it taker buys, and quote volumes at the bar's typical price (o+h+l+c)/4.
///
/// The walk runs backwards from the live price: the newest bar closes at `lastClose` and every
/// bar opens at the previous one's close, so the path is continuous and the live walk goes on
/// from exactly where the history ends.
struct HistoryWalk {
    let contract: SimContractSpec
    let stepsPerMinute: Int
    let maxOrdersPerStep: Int
    /// The live walk keeps the best bid at or above this many ticks.
    let floorTicks: Int64

    static let minuteMs: Int64 = 60_000

    /// `count` bars, oldest first, the newest opening one minute before `endMinute` and closing
    /// at `lastClose`; trade ids are contiguous and the newest bar's last id is `lastTradeId`.
    func bars(count: Int, endMinute: Int64, lastClose: Int64, lastTradeId: Int64,
              rng: inout SimRandom) -> [SimBar] {
        guard count > 0 else { return [] }
        let tick = contract.tickSize
        let reach = max(1, Int64((0.6 * Double(max(1, stepsPerMinute))).squareRoot().rounded()))
        var out: [SimBar] = []
        out.reserveCapacity(count)
        var closeTicks = max(1, lastClose / tick)
        var lastId = lastTradeId
        for k in 1...count {
            let move = rng.int(-reach...reach) + rng.int(-reach...reach) + rng.int(-reach...reach)
            let openTicks = max(floorTicks, closeTicks - move)
            var bar = SimBar(openTime: endMinute - Int64(k) * Self.minuteMs, intervalMs: Self.minuteMs,
                             price: openTicks * tick)
            bar.close = closeTicks * tick
            bar.high = (max(openTicks, closeTicks) + rng.int(0...reach)) * tick
            bar.low = max(1, min(openTicks, closeTicks) - rng.int(0...reach)) * tick
            fillActivity(&bar, rng: &rng)
            bar.lastTradeId = lastId
            bar.firstTradeId = lastId - bar.tradeCount + 1
            lastId = bar.firstTradeId - 1
            out.append(bar)
            closeTicks = openTicks
        }
        out.reverse()
        return out
    }

    /// Trade count, volumes and taker-buy volumes of one minute (at least one trade of one lot).
    func fillActivity(_ bar: inout SimBar, rng: inout SimRandom) {
        let step = contract.stepSize
        let meanOrders = max(1, Int64(stepsPerMinute) * Int64(max(0, maxOrdersPerStep)) / 2)
        let orders = rng.int(max(1, meanOrders / 2)...max(1, meanOrders * 3 / 2))
        let trades = orders + rng.int(0...2 * orders)
        let maxLots = max(1, contract.maxTradeQuantity / step)
        let lots = max(trades, orders * (maxLots + 1) * rng.int(50...150) / 200)
        let buyLots = lots * rng.int(30...70) / 100
        let typical = (bar.open + bar.high + bar.low + bar.close) / 4 / contract.tickSize * contract.tickSize
        bar.tradeCount = trades
        bar.volume = lots * step
        bar.takerBuyBase = buyLots * step
        bar.quoteVolume = fixedProduct(typical, bar.volume)
        bar.takerBuyQuote = fixedProduct(typical, bar.takerBuyBase)
    }

    /// Consecutive 1m bars (oldest first) folded into bars of `ms`, aligned like the live bars
    /// (open time = time − time % ms); the first and last may cover only part of their interval.
    static func aggregate(_ minutes: [SimBar], ms: Int64) -> [SimBar] {
        var out: [SimBar] = []
        out.reserveCapacity(minutes.count / max(1, Int(ms / minuteMs)) + 2)
        for m in minutes {
            let openTime = m.openTime - m.openTime % ms
            if let last = out.last, last.openTime == openTime {
                out[out.count - 1].absorb(m)
            } else {
                var bar = m
                bar.openTime = openTime
                bar.closeTime = openTime + ms - 1
                out.append(bar)
            }
        }
        return out
    }
}

extension SimBar {
    /// Folds in the bar that follows within the same longer bar: open stays, high and low
    /// widen, close moves on, counts and volumes add up.
    mutating func absorb(_ next: SimBar) {
        high = max(high, next.high)
        low = min(low, next.low)
        close = next.close
        volume = volume.saturatingSum(next.volume)
        quoteVolume = quoteVolume.saturatingSum(next.quoteVolume)
        tradeCount += next.tradeCount
        takerBuyBase = takerBuyBase.saturatingSum(next.takerBuyBase)
        takerBuyQuote = takerBuyQuote.saturatingSum(next.takerBuyQuote)
        if firstTradeId < 0 { firstTradeId = next.firstTradeId }
        if next.lastTradeId >= 0 { lastTradeId = next.lastTradeId }
    }
}
