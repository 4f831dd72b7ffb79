/// Fixed-point decimals as the storage tables take them.
public enum StoreDecimal {
    /// Decimals of every price and quantity in a row (the ring's fixed point).
    public static let decimals = 8
    public static let scale: Int64 = 100_000_000

    /// `42000.1` for 4200010000000, `-0.00000001` for -1: trailing zeros trimmed, at least
    /// one integer digit (what PostgreSQL prints for the same NUMERIC).
    public static func format(_ v: Int64) -> String {
        var text = CopyText()
        text.appendDecimal(v)
        return String(decoding: text.bytes, as: UTF8.self)
    }
}

/// Rows in PostgreSQL's COPY text format: one line per row, columns separated by a tab,
/// `\N` for NULL, and backslash, tab, newline and carriage return escaped inside values.
/// Numbers are written digit by digit into one growing byte array (no string per value).
public struct CopyText: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var atLineStart = true

    public init(reservingCapacity n: Int = 0) { bytes.reserveCapacity(n) }

    /// Rows written so far.
    public private(set) var rows = 0

    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        atLineStart = true
        rows = 0
    }

    /// Ends the current row.
    public mutating func endRow() {
        bytes.append(0x0A)
        atLineStart = true
        rows += 1
    }

    private mutating func column() {
        if !atLineStart { bytes.append(0x09) }
        atLineStart = false
    }

    /// A text value, escaped. NUL bytes, which no PostgreSQL text can hold, are left out.
    public mutating func text(_ s: String) {
        column()
        for b in s.utf8 {
            switch b {
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
            case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
            case 0x00: continue
            default: bytes.append(b)
            }
        }
    }

    public mutating func integer(_ v: Int64) {
        column()
        appendInteger(v)
    }

    /// An optional integer: NULL when nil.
    public mutating func integer(_ v: Int64?) {
        if let v { integer(v) } else { null() }
    }

    /// A fixed-point value with `StoreDecimal.decimals` decimals.
    public mutating func decimal(_ v: Int64) {
        column()
        appendDecimal(v)
    }

    public mutating func boolean(_ b: Bool) {
        column()
        bytes.append(b ? UInt8(ascii: "t") : UInt8(ascii: "f"))
    }

    public mutating func null() {
        column()
        bytes.append(0x5C)
        bytes.append(UInt8(ascii: "N"))
    }

    /// A NUMERIC[] literal, `{1.5,2.25}` (`{}` when empty): digits, dots and minus signs
    /// need no quoting or escaping in an array literal or in COPY text.
    public mutating func decimalArray<C: Collection>(_ values: C) where C.Element == Int64 {
        column()
        bytes.append(UInt8(ascii: "{"))
        var first = true
        for v in values {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            appendDecimal(v)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func appendInteger(_ v: Int64) {
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(v.magnitude)
    }

    mutating func appendDecimal(_ v: Int64) {
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        let m = v.magnitude
        let scale = UInt64(StoreDecimal.scale)
        appendDigits(m / scale)
        var fraction = m % scale
        guard fraction != 0 else { return }
        var digits = StoreDecimal.decimals
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        bytes.append(UInt8(ascii: "."))
        let start = bytes.count
        for _ in 0..<digits {
            bytes.append(UInt8(ascii: "0") + UInt8(fraction % 10))
            fraction /= 10
        }
        bytes[start...].reverse()
    }

    /// Decimal digits of `m`, most significant first.
    private mutating func appendDigits(_ m: UInt64) {
        let start = bytes.count
        var n = m
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(n % 10))
            n /= 10
        } while n != 0
        bytes[start...].reverse()
    }
}
