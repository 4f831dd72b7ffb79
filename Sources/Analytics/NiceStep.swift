/// A price step held exactly as `units / 10^decimals` (0.1 is `1/10^1`, 2.5 is `25/10^1`), so
/// bin prices print as the decimals they are (`108894.7`, not `108894.70000000001`).
public struct PriceStep: Sendable, Equatable, CustomStringConvertible {
    public let units: Int64
    public let decimals: Int

    /// The largest number of decimals a step may have (steps below 1e-16 are not supported).
    static let maxDecimals = 16

    init(units: Int64, decimals: Int) {
        var u = max(units, 1)
        var d = decimals
        while d > 0 && u % 10 == 0 { u /= 10; d -= 1 }
        self.units = u
        self.decimals = d
    }

    /// The decimal nearest a given tick size (`0.1` → `1/10^1`); nil for non-finite, ≤ 0 or
    /// absurdly large ticks. A tick with more decimals than fit (16, or fewer for large ticks,
    /// since `units` stays below 9e15) is rounded at the last decimal that fits.
    public init?(tick: Double) {
        guard tick.isFinite, tick > 0, tick < 1e15 else { return nil }
        var fitting = 0
        for d in 0...Self.maxDecimals {
            let scaled = tick * pow10(d)
            guard scaled < 9e15 else { break }
            fitting = d
            let r = scaled.rounded()
            if r >= 1, abs(scaled - r) <= 1e-6 { // a decimal, up to rounding in the product
                self.init(units: Int64(r), decimals: d)
                return
            }
        }
        self.init(units: Int64(max((tick * pow10(fitting)).rounded(), 1)), decimals: fitting)
    }

    /// The step as a double (correctly rounded).
    public var value: Double { Double(units) / pow10(decimals) }

    public var description: String { value.description }

    /// This step times a positive integer; nil on overflow.
    func times(_ n: Int64?) -> PriceStep? {
        guard let n, n > 0 else { return nil }
        let (product, overflow) = units.multipliedReportingOverflow(by: n)
        return overflow ? nil : PriceStep(units: product, decimals: decimals)
    }
}

/// "Nice" steps: `m × 10^k` with `m ∈ {1, 2, 2.5, 5}`, the steps people read axes in.
/// Internally nice step number `n = 4k + i` is `[1, 2, 2.5, 5][i] × 10^k`.
public enum NiceStep {
    /// The mantissas in tenths: 1.0, 2.0, 2.5, 5.0.
    private static let tenths: [Int64] = [10, 20, 25, 50]
    /// Steps are kept within [1e-16, 1e15].
    private static let smallest = 1e-16
    private static let largest = 1e15

    /// The smallest nice step ≥ `minimum`; nil when `minimum` is not finite and positive.
    public static func atLeast(_ minimum: Double) -> PriceStep? {
        guard minimum.isFinite, minimum > 0 else { return nil }
        return step(number(atLeast: minimum))
    }

    /// The smallest nice step that puts `span` into at most `rows` rows of a grid aligned to
    /// multiples of the step (`span / (rows − 1)`, since an aligned grid may need one extra
    /// row). Nil when `span` is not finite and positive.
    public static func forSpan(_ span: Double, rows: Int) -> PriceStep? {
        atLeast(span / Double(max(rows - 1, 1)))
    }

    /// The nice step nearest `span / rows` in ratio (with `s` below and `S` above the target,
    /// `s` when `target² ≤ s·S`), so the grid has about `rows` rows: between `rows / √2` and
    /// `rows · √2`, plus one for alignment. Nil when `span` is not finite and positive.
    public static func about(_ span: Double, rows: Int) -> PriceStep? {
        let target = span / Double(max(rows, 1))
        guard target.isFinite, target > 0 else { return nil }
        let above = number(atLeast: target)
        guard value(above) > target * (1 + 1e-12), value(above - 1) >= smallest else { return step(above) }
        let below = above - 1
        return target * target <= value(below) * value(above) ? step(below) : step(above)
    }

    /// The number of the smallest nice step ≥ `minimum` (clamped into the supported range).
    private static func number(atLeast minimum: Double) -> Int {
        let target = min(max(minimum, smallest), largest)
        var k = 0 // 10^k ≤ target < 10^(k+1)
        while pow10(k) > target { k -= 1 }
        while pow10(k + 1) <= target { k += 1 }
        for i in 0..<4 where value(4 * k + i) >= target * (1 - 1e-12) { return 4 * k + i }
        return 4 * (k + 1)
    }

    private static func value(_ n: Int) -> Double { Double(tenths[n & 3]) * pow10((n >> 2) - 1) }

    private static func step(_ n: Int) -> PriceStep {
        let x = (n >> 2) - 1 // the power of ten applied to the mantissa in tenths
        if x >= 0 {
            var units = tenths[n & 3]
            for _ in 0..<x { units *= 10 }
            return PriceStep(units: units, decimals: 0)
        }
        return PriceStep(units: tenths[n & 3], decimals: -x)
    }
}

/// `10^e` for −22…22 (clamped), exact for e ≥ 0 and correctly rounded for e < 0.
@inline(__always) func pow10(_ e: Int) -> Double {
    let i = min(abs(e), 22)
    return e >= 0 ? powersOfTen[i] : 1 / powersOfTen[i]
}

private let powersOfTen: [Double] = {
    var table = [1.0]
    for _ in 1...22 { table.append(table[table.count - 1] * 10) }
    return table
}()
