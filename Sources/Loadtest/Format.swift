/// Numbers for people: thousands separators, fixed decimals, µs as ms.
public enum Format {
    /// `1234567` → `1,234,567`.
    public static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return value < 0 ? "-" + out : out
    }

    /// `value` with `places` decimals (rounded half away from zero), no exponent.
    public static func fixed(_ value: Double, _ places: Int) -> String {
        guard value.isFinite else { return "-" }
        var scale: Int64 = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = Int64((abs(value) * Double(scale)).rounded())
        let whole = String(scaled / scale)
        var text = (value < 0 && scaled != 0 ? "-" : "") + whole
        if places > 0 {
            let fraction = String(scaled % scale)
            text += "." + String(repeating: "0", count: places - fraction.count) + fraction
        }
        return text
    }

    /// Microseconds as milliseconds with one or two decimals: `8100` → `8.1 ms`.
    public static func millis(_ micros: Int64) -> String {
        micros < 10_000 ? fixed(Double(micros) / 1000, 2) + " ms" : fixed(Double(micros) / 1000, 1) + " ms"
    }

    /// A ratio as a percentage with two decimals.
    public static func percent(_ ratio: Double) -> String { fixed(ratio * 100, 2) + " %" }
}
