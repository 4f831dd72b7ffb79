/// Appends JSON straight into bytes: ASCII keys, fixed-point numbers printed without a
/// Double round trip, no intermediate Strings. The data path's encoder (ticks are encoded
/// once per wire format and sent to many connections).
public struct JSONBytes {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    @inline(__always)
    public mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Bytes that are JSON already (a number's text, a nested document).
    @inline(__always)
    public mutating func raw<S: Sequence>(bytes more: S) where S.Element == UInt8 {
        bytes.append(contentsOf: more)
    }

    /// `"key":` after a comma unless `first`.
    @inline(__always)
    public mutating func key(_ k: StaticString, first: Bool = false) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        raw(k)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// A JSON string of trusted ASCII (symbols, enum names): no escaping needed.
    public mutating func asciiString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: s.utf8)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A JSON string of arbitrary text, escaped per RFC 8259.
    public mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20:
                raw("\\u00")
                bytes.append(Self.hex[Int(b >> 4)])
                bytes.append(Self.hex[Int(b & 15)])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func bool(_ v: Bool) { v ? raw("true") : raw("false") }

    public mutating func integer(_ v: Int64) {
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        digits(v.magnitude, minimum: 1)
    }

    /// A fixed-point value (8 decimals) as a JSON number: `61837.63`, `0.00000001`, `12`.
    public mutating func fixed(_ v: Int64) {
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        let mag = v.magnitude
        digits(mag / UInt64(Fixed.scale), minimum: 1)
        var fraction = mag % UInt64(Fixed.scale)
        guard fraction != 0 else { return }
        var width = Fixed.decimals
        while fraction % 10 == 0 { fraction /= 10; width -= 1 }
        bytes.append(UInt8(ascii: "."))
        digits(fraction, minimum: width)
    }

    /// A fixed-point value as a JSON string (Binance's own form for prices in arrays).
    public mutating func fixedString(_ v: Int64) {
        bytes.append(UInt8(ascii: "\""))
        fixed(v)
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func digits(_ value: UInt64, minimum: Int) {
        var buf: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes of scratch
        withUnsafeMutableBytes(of: &buf) { scratch in
            var i = scratch.count
            var v = value
            repeat {
                i -= 1
                scratch[i] = UInt8(48 + v % 10)
                v /= 10
            } while v != 0 || scratch.count - i < minimum
            bytes.append(contentsOf: scratch[i...])
        }
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)
}
