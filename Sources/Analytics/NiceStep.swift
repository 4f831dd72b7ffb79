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
    /// absurdly large ticks. A tick with more than 16 decimals is rounded to 16.
    public init?(tick: Double) {
        guard tick.isFinite, tick > 0, tick < 1e15 else { return nil }
        for d in 0...Self.maxDecimals {
            let scaled = tick * pow10(d)
            let r = scaled.rounded()
            if r >= 1, abs(scaled - r) <= 1e-9 * scaled {
                self.init(units: Int64(r), decimals: d)
                return
            }
        }
        let r = (tick * pow10(Self.maxDecimals)).rounded()
        self.init(units: Int64(max(r, 1)), decimals: Self.maxDecimals)
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
public enum NiceStep {
    /// The mantissas in tenths: 1.0, 2.0, 2.5, 5.0 and the next decade's 1.0.
    static let tenths: [Int64] = [10, 20, 25, 50, 100]

    /// The smallest nice step ≥ `minimum`; nil when `minimum` is not finite and positive.
    /// Steps are clamped to [1e-16, 1e15].
    public static func atLeast(_ minimum: Double) -> PriceStep? {
        guard minimum.isFinite, minimum > 0 else { return nil }
        let target = min(max(minimum, 1e-16), 1e15)
        var e = 0 // 10^e ≤ target < 10^(e+1)
        while e > -PriceStep.maxDecimals && pow10(e) > target { e -= 1 }
        while e < 15 && pow10(e + 1) <= target { e += 1 }
        for m in tenths {
            let candidate = Double(m) * pow10(e - 1)
            if candidate >= target * (1 - 1e-12) { return step(tenths: m, exponent: e - 1) }
        }
        return step(tenths: 100, exponent: e - 1)
    }

    /// The smallest nice step that puts `span` into at most `rows` rows of a grid aligned to
    /// multiples of the step (`span / (rows − 1)`, since an aligned grid may need one extra
    /// row). Nil when `span` is not finite and positive.
    public static func forSpan(_ span: Double, rows: Int) -> PriceStep? {
        atLeast(span / Double(max(rows - 1, 1)))
    }

    private static func step(tenths m: Int64, exponent x: Int) -> PriceStep {
        if x >= 0 {
            var units = m
            for _ in 0..<x { units *= 10 }
            return PriceStep(units: units, decimals: 0)
        }
        return PriceStep(units: m, decimals: -x)
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
