import Market

/// Candle history before the first step: past 1m bars from `HistoryWalk`, every longer
/// interval folded from them, the open bars ready for the live trades.
extension InstrumentState {
    /// Replaces the bars with `minutes` closed 1m bars ending just before `currentMinute` (a
    /// minute boundary) and the longer intervals built from them; each interval's open bar holds
    /// the history inside it so far. The newest bar closes at the live price, and trade ids end
    /// just below the first live one (moved up when the history needs more ids than lie below).
    /// Sub-minute intervals (1s) get no history. Call before the first step.
    mutating func seedHistory(minutes: Int, currentMinute: Int64, walk: HistoryWalk, rng: inout SimRandom) {
        guard minutes > 0 else { return }
        var history = walk.bars(count: minutes, endMinute: currentMinute, lastClose: lastPrice,
                                lastTradeId: nextTradeId - 1, rng: &rng)
        if let first = history.first, first.firstTradeId < 1 {
            let shift = 1 - first.firstTradeId
            for k in history.indices {
                history[k].firstTradeId += shift
                history[k].lastTradeId += shift
            }
            nextTradeId += shift
        }
        for i in bars.indices where bars[i].ms >= HistoryWalk.minuteMs {
            let ms = bars[i].ms
            let openTime = currentMinute - currentMinute % ms
            var closed = ms == HistoryWalk.minuteMs ? history : HistoryWalk.aggregate(history, ms: ms)
            if let last = closed.last, last.openTime == openTime {
                bars[i].current = closed.removeLast()
            } else {
                bars[i].current = SimBar(openTime: openTime, intervalMs: ms, price: lastPrice)
            }
            bars[i].closed = closed
        }
    }
}
