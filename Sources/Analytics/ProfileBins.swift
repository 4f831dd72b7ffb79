/// Buy and sell volume per row of a `PriceGrid`, filled from candles (spread over each
/// candle's range) or trades (exact rows).
struct ProfileBins {
    let grid: PriceGrid
    private(set) var buy: [Double]
    private(set) var sell: [Double]

    init(grid: PriceGrid) {
        self.grid = grid
        buy = Array(repeating: 0, count: grid.count)
        sell = Array(repeating: 0, count: grid.count)
    }

    var volumes: [Double] { zip(buy, sell).map { $0 + $1 } }

    /// Adds a trade to the row holding its price.
    mutating func add(_ trade: TradeSample) {
        let r = grid.row(of: trade.price)
        if trade.isTakerBuy { buy[r] += trade.quantity } else { sell[r] += trade.quantity }
    }

    /// Spreads a candle's volume uniformly over its price range `[low, high]`: a row receives
    /// `volume × overlap / (high − low)`, where `overlap` is the length of the row's
    /// `[lower, upper)` inside the range; the top row takes what is left, so the candle's volume
    /// is kept whole. A `high` exactly on a row boundary does not reach into the row above.
    /// A flat candle (`high == low`) puts everything in its one row. Each piece splits into
    /// buy and sell in the candle's `takerBuyVolume / volume` proportion.
    mutating func add(_ candle: CandleSample) {
        guard candle.volume > 0 else { return }
        let buyShare = candle.takerBuyVolume / candle.volume
        let first = grid.row(of: candle.low)
        let last = max(first, grid.row(ofUpperEnd: candle.high))
        let range = candle.high - candle.low
        var assigned = 0.0
        if first < last && range > 0 {
            // The bottom row holds [low, its upper edge); rows strictly inside are whole steps.
            let bottom = candle.volume * (grid.price(ofRow: first + 1) - candle.low) / range
            put(bottom, buyShare: buyShare, row: first)
            let whole = candle.volume * grid.step.value / range
            for r in (first + 1)..<last { put(whole, buyShare: buyShare, row: r) }
            assigned = bottom + whole * Double(last - first - 1)
        }
        put(max(candle.volume - assigned, 0), buyShare: buyShare, row: last)
    }

    private mutating func put(_ amount: Double, buyShare: Double, row: Int) {
        let bought = amount * buyShare
        buy[row] += bought
        sell[row] += amount - bought
    }
}

extension PriceGrid {
    /// The row an interval ending at `price` reaches into: the row holding `price`, or the row
    /// below when `price` sits exactly on a row boundary (clamped into the grid).
    func row(ofUpperEnd price: Double) -> Int {
        let r = row(of: price)
        return r > 0 && Self.isBoundary(price, step: step) ? r - 1 : r
    }

    /// Whether `price` is (within the snapping tolerance) a multiple of `step`.
    static func isBoundary(_ price: Double, step: PriceStep) -> Bool {
        let x = price * pow10(step.decimals) / Double(step.units)
        return abs(x - x.rounded()) <= 1e-12 * max(1, abs(x))
    }
}
