/// One point of a cumulative volume delta series.
public struct CVDPoint: Sendable, Equatable {
    /// Candle open time or bucket start, ms.
    public var timeMs: Int64
    /// Taker buys minus taker sells in this candle or bucket.
    public var delta: Double
    /// Running sum of `delta` from the first point.
    public var cvd: Double
}

/// Cumulative volume delta, from candles' taker-buy volume or from trades per time bucket.
public struct CVDSeries: Sendable, Equatable {
    public var symbol: String
    public var interval: String
    /// Oldest first.
    public var points: [CVDPoint]
    /// Samples dropped as invalid.
    public var skipped: Int

    /// Per candle `delta = takerBuy − (volume − takerBuy)`, summed in open-time order.
    public init(candles: [CandleSample], symbol: String, interval: String) {
        var valid = candles.filter(\.isValid)
        if !valid.indices.dropFirst().allSatisfy({ valid[$0 - 1].openTimeMs <= valid[$0].openTimeMs }) {
            valid.sort { $0.openTimeMs < $1.openTimeMs }
        }
        self.init(symbol: symbol, interval: interval,
                  deltas: valid.map { ($0.openTimeMs, $0.delta) }, skipped: candles.count - valid.count)
    }

    /// Per bucket `floor(time / intervalMs) × intervalMs`: taker buys minus taker sells.
    /// Buckets without trades are absent. A non-positive `intervalMs` gives no points.
    public init(trades: [TradeSample], symbol: String, interval: String, intervalMs: Int64) {
        var valid = trades.filter(\.isValid)
        let skipped = trades.count - valid.count
        guard intervalMs > 0 else {
            self.init(symbol: symbol, interval: interval, deltas: [], skipped: skipped)
            return
        }
        if !valid.isSortedByTime { valid.sort { $0.timeMs < $1.timeMs } }
        var deltas: [(Int64, Double)] = []
        for t in valid {
            let start = bucketStart(t.timeMs, width: intervalMs)
            let signed = t.isTakerBuy ? t.quantity : -t.quantity
            if let last = deltas.last, last.0 == start {
                deltas[deltas.count - 1].1 += signed
            } else {
                deltas.append((start, signed))
            }
        }
        self.init(symbol: symbol, interval: interval, deltas: deltas, skipped: skipped)
    }

    private init(symbol: String, interval: String, deltas: [(Int64, Double)], skipped: Int) {
        self.symbol = symbol
        self.interval = interval
        self.skipped = skipped
        var running = 0.0
        points = deltas.map { time, delta in
            running += delta
            return CVDPoint(timeMs: time, delta: delta, cvd: running)
        }
    }

    /// Appends `{"symbol","interval","d":[{"t","delta","cvd"}],"n"}`.
    public func appendJSON(to out: inout [UInt8]) {
        JSONWriter.write(into: &out) { w in
            w.raw("{")
            w.key("symbol", first: true); w.string(symbol)
            w.key("interval"); w.string(interval)
            w.key("d"); w.raw("[")
            for (i, point) in points.enumerated() {
                if i > 0 { w.raw(",") }
                w.raw("{")
                w.key("t", first: true); w.integer(point.timeMs)
                w.key("delta"); w.number(point.delta)
                w.key("cvd"); w.number(point.cvd)
                w.raw("}")
            }
            w.raw("]")
            w.key("n"); w.integer(points.count)
            w.raw("}")
        }
    }
}
