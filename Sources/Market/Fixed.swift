/// Fixed-point decimals: `Int64` with 8 decimals, Binance's precision. Never `Double` on the data path.
public enum Fixed {
    public static let decimals = 8
    public static let scale: Int64 = 100_000_000

    /// Parses an ASCII decimal like `61837.63000000`, `-0.5` or `12`; nil when malformed,
    /// when it has more than 8 decimals that are not zeros, or when it overflows.
    @inlinable
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var i = 0
        let n = bytes.count
        guard n > 0 else { return nil }
        var negative = false
        if bytes[0] == UInt8(ascii: "-") { negative = true; i = 1 }
        var integer: Int64 = 0
        var digits = 0
        while i < n, bytes[i] >= 48, bytes[i] <= 57 {
            let (m, o1) = integer.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(bytes[i] - 48))
            if o1 || o2 { return nil }
            integer = a
            digits += 1
            i += 1
        }
        var fraction: Int64 = 0
        var fractionDigits = 0
        if i < n, bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < n, bytes[i] >= 48, bytes[i] <= 57 {
                if fractionDigits < decimals {
                    fraction = fraction * 10 + Int64(bytes[i] - 48)
                    fractionDigits += 1
                } else if bytes[i] != 48 {
                    return nil
                }
                digits += 1
                i += 1
            }
        }
        guard i == n, digits > 0 else { return nil }
        while fractionDigits < decimals { fraction *= 10; fractionDigits += 1 }
        let (m, o1) = integer.multipliedReportingOverflow(by: scale)
        let (v, o2) = m.addingReportingOverflow(fraction)
        if o1 || o2 { return nil }
        return negative ? -v : v
    }

    public static func parse(_ s: String) -> Int64? {
        var copy = s
        return copy.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// `61837.63` for 6183763000000: trailing zeros trimmed, at least one integer digit.
    public static func format(_ v: Int64) -> String {
        var out = JSONBytes(capacity: 24)
        out.fixed(v)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// The value as a Double, for JSON fields the contract types as numbers.
    public static func double(_ v: Int64) -> Double { Double(v) / Double(scale) }
}
