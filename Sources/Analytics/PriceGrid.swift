/// Rows of equal price width aligned to multiples of a `PriceStep`: row `r` is absolute bin
/// `k = firstBin + r` and covers `[k·step, (k+1)·step)`; its price is the lower bound `k·step`.
struct PriceGrid: Sendable, Equatable {
    let step: PriceStep
    /// The absolute bin (`floor(price / step)`) of row 0.
    let firstBin: Int64
    let count: Int

    /// A grid over `[low, high]`. With a valid `tick` the step is that tick, multiplied by
    /// 2, 5, 10, 20, 50… when it would give more than `maxRows` rows. Otherwise it is the nice
    /// step giving about `rows` rows (`NiceStep.about`), or, where that would pass `maxRows`,
    /// the smallest nice step within it; a zero range gets one row of a 1-basis-point nice
    /// step. Nil when the bounds are not finite positive prices with `low ≤ high`.
    init?(low: Double, high: Double, tick: Double?, rows: Int, maxRows: Int) {
        guard isPrice(low), isPrice(high), low <= high, high < 1e15 else { return nil }
        let rowCap = max(maxRows, 1)
        let base: PriceStep
        if let tick, let given = PriceStep(tick: tick) {
            base = given
        } else {
            base = Self.automaticStep(low: low, high: high, rows: min(max(rows, 1), rowCap), cap: rowCap)
        }
        var step = base
        var attempt = 0
        while !Self.fits(low: low, high: high, step: step, rows: rowCap) {
            attempt += 1
            guard attempt < 60, let coarser = base.times(Self.multiplier(attempt)) else { return nil }
            step = coarser
        }
        let first = Self.bin(of: low, step: step)
        self.step = step
        self.firstBin = first
        self.count = Int(Self.bin(of: high, step: step) - first + 1)
    }

    private static func automaticStep(low: Double, high: Double, rows: Int, cap: Int) -> PriceStep {
        if let about = NiceStep.about(high - low, rows: rows), fits(low: low, high: high, step: about, rows: cap) {
            return about
        }
        return NiceStep.forSpan(high - low, rows: cap) ?? NiceStep.atLeast(high * 1e-4) ?? PriceStep(units: 1, decimals: 0)
    }

    /// The `n`-th of 1, 2, 5, 10, 20, 50, … (nil past Int64).
    private static func multiplier(_ n: Int) -> Int64? {
        var m: Int64 = [1, 2, 5][n % 3]
        for _ in 0..<(n / 3) {
            let (next, overflow) = m.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            m = next
        }
        return m
    }

    private static func fits(low: Double, high: Double, step: PriceStep, rows: Int) -> Bool {
        guard high / step.value < 9e15 else { return false }
        return bin(of: high, step: step) - bin(of: low, step: step) < Int64(rows)
    }

    /// The row holding `price`, clamped into the grid.
    func row(of price: Double) -> Int {
        let r = Self.bin(of: price, step: step) - firstBin
        return Int(min(max(r, 0), Int64(count - 1)))
    }

    /// The lower bound of row `r`, printed as the decimal it is.
    func price(ofRow r: Int) -> Double { Self.price(ofBin: firstBin + Int64(r), step: step) }

    /// `floor(price / step)`, snapping values within 1e-12 (relative) of an integer onto it so
    /// that a price exactly on a boundary (100.3 with step 0.1) lands in the bin it starts.
    static func bin(of price: Double, step: PriceStep) -> Int64 {
        let x = price * pow10(step.decimals) / Double(step.units)
        let nearest = x.rounded()
        let k = abs(x - nearest) <= 1e-12 * max(1, abs(x)) ? nearest : x.rounded(.down)
        return Int64(min(max(k, -9e15), 9e15))
    }

    static func price(ofBin k: Int64, step: PriceStep) -> Double {
        Double(k) * Double(step.units) / pow10(step.decimals)
    }
}
