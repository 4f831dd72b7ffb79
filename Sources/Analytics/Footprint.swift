/// Buy and sell volume traded in one price row of one footprint candle.
public struct FootprintLevel: Sendable, Equatable {
    /// The row's lower bound (with the exchange tick as `tickSize`, the trade price itself).
    public var price: Double
    /// Taker buys (`buyerIsMaker == false`).
    public var buyVolume: Double
    /// Taker sells.
    public var sellVolume: Double
    public var delta: Double { buyVolume - sellVolume }
}

/// One candle of a footprint: its rows by price descending and its totals.
public struct FootprintCandle: Sendable, Equatable {
    /// Bucket start: `floor(time / intervalMs) × intervalMs`.
    public var timeMs: Int64
    /// Rows with volume, highest price first.
    public var levels: [FootprintLevel]
    public var buyVolume: Double
    public var sellVolume: Double
    public var delta: Double { buyVolume - sellVolume }
    /// The row with the most volume (ties: nearest the middle of the candle's rows, then the
    /// lower); 0 when the candle traded nothing.
    public var poc: Double
}

/// A footprint built from actual trades (`/aggregation/footprint/:symbol/:interval`).
///
/// One price grid serves the whole request: the given tick (coarsened ×2, ×5, ×10, … past
/// `maxRows` rows over the request's price range) or a nice step giving about `rows` rows over
/// that range. Candles without trades are absent.
public struct Footprint: Sendable, Equatable {
    public var symbol: String
    public var interval: String
    public var intervalMs: Int64
    /// The row height used (0 when there are no trades).
    public var tickSize: Double
    /// Oldest first.
    public var candles: [FootprintCandle]
    /// Trades dropped as invalid (NaN or negative numbers, negative time).
    public var skipped: Int

    /// Rows a given tick may span over the whole request before it is coarsened.
    public static let maxRows = 10_000

    /// - Parameters:
    ///   - limit: keep only the newest `limit` candles (nil or ≤ 0: all).
    public init(trades: [TradeSample], symbol: String, interval: String, intervalMs: Int64,
                tickSize: Double? = nil, rows: Int = Analytics.defaultRows, limit: Int? = nil) {
        self.symbol = symbol
        self.interval = interval
        self.intervalMs = intervalMs
        var valid = trades.filter(\.isValid)
        skipped = trades.count - valid.count
        self.tickSize = 0
        candles = []
        guard intervalMs > 0, !valid.isEmpty else { return }
        var low = Double.infinity
        var high = -Double.infinity
        for t in valid {
            low = min(low, t.price)
            high = max(high, t.price)
        }
        let rowCap = tickSize == nil ? Analytics.maxRows : Self.maxRows
        guard let grid = PriceGrid(low: low, high: high, tick: tickSize, rows: rows, maxRows: rowCap) else { return }
        self.tickSize = grid.step.value
        if !valid.isSortedByTime { valid.sort { $0.timeMs < $1.timeMs } }
        var runs = Self.buckets(valid, intervalMs: intervalMs)
        if let limit, limit > 0, runs.count > limit { runs.removeFirst(runs.count - limit) }
        candles = runs.map { Self.candle(valid[$0.range], start: $0.start, grid: grid) }
    }

    /// Consecutive runs of time-sorted trades sharing a bucket.
    private static func buckets(_ trades: [TradeSample], intervalMs: Int64) -> [(start: Int64, range: Range<Int>)] {
        var runs: [(start: Int64, range: Range<Int>)] = []
        var i = 0
        while i < trades.count {
            let start = bucketStart(trades[i].timeMs, width: intervalMs)
            var j = i + 1
            while j < trades.count && bucketStart(trades[j].timeMs, width: intervalMs) == start { j += 1 }
            runs.append((start, i..<j))
            i = j
        }
        return runs
    }

    private static func candle(_ trades: ArraySlice<TradeSample>, start: Int64, grid: PriceGrid) -> FootprintCandle {
        var lowRow = Int.max
        var highRow = Int.min
        for t in trades {
            let r = grid.row(of: t.price)
            lowRow = min(lowRow, r)
            highRow = max(highRow, r)
        }
        var buy = Array(repeating: 0.0, count: highRow - lowRow + 1)
        var sell = buy
        for t in trades {
            let r = grid.row(of: t.price) - lowRow
            if t.isTakerBuy { buy[r] += t.quantity } else { sell[r] += t.quantity }
        }
        let volumes = zip(buy, sell).map { $0 + $1 }
        let levels = volumes.indices.reversed().filter { volumes[$0] > 0 }.map {
            FootprintLevel(price: grid.price(ofRow: lowRow + $0), buyVolume: buy[$0], sellVolume: sell[$0])
        }
        let poc = ProfileMath.pointOfControl(volumes).map { grid.price(ofRow: lowRow + $0) } ?? 0
        return FootprintCandle(timeMs: start, levels: levels, buyVolume: buy.reduce(0, +),
                               sellVolume: sell.reduce(0, +), poc: poc)
    }
}

extension [TradeSample] {
    /// Whether times never decrease (then sorting can be skipped).
    var isSortedByTime: Bool {
        indices.dropFirst().allSatisfy { self[$0 - 1].timeMs <= self[$0].timeMs }
    }
}
