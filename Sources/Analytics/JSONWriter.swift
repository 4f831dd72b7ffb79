/// Appends JSON text to a byte array: ASCII keys, escaped strings, integers, and doubles in
/// Swift's shortest round-trip form (`description`). Non-finite doubles are written as `0`,
/// `-0.0` as `0.0`, so the output is always valid JSON.
struct JSONWriter {
    var bytes: [UInt8] = []

    /// Runs `body` with a writer that appends to `out`, moving the buffer in and out so it
    /// is never copied.
    static func write(into out: inout [UInt8], _ body: (inout JSONWriter) -> Void) {
        var writer = JSONWriter()
        swap(&writer.bytes, &out)
        body(&writer)
        swap(&writer.bytes, &out)
    }

    @inline(__always)
    /// `{"s":symbol,"st":start,"et":end,"l":[…]` with each element written by `element` as an
    /// object's members; the caller adds its own members and closes the object.
    mutating func window<T>(symbol: String, startMs: Int64, endMs: Int64, _ list: [T],
                            _ element: (inout JSONWriter, T) -> Void) {
        raw("{")
        key("s", first: true); string(symbol)
        key("st"); integer(startMs)
        key("et"); integer(endMs)
        key("l"); raw("[")
        for (i, item) in list.enumerated() {
            raw(i > 0 ? ",{" : "{")
            element(&self, item)
            raw("}")
        }
        raw("]")
    }

    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// `"key":`, preceded by a comma unless `first`.
    mutating func key(_ k: StaticString, first: Bool = false) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        raw(k)
        raw("\":")
    }

    /// A JSON string escaped per RFC 8259 (symbols come from URLs, so never trust them).
    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0..<0x20:
                raw("\\u00")
                bytes.append(Self.hex[Int(b >> 4)])
                bytes.append(Self.hex[Int(b & 15)])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func integer(_ v: Int64) {
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        let m = v.magnitude
        var divisor: UInt64 = 1
        while m / divisor >= 10 { divisor *= 10 }
        repeat {
            bytes.append(UInt8(48 + (m / divisor) % 10))
            divisor /= 10
        } while divisor != 0
    }

    mutating func integer(_ v: Int) { integer(Int64(v)) }

    /// A finite double in shortest round-trip form; NaN and ±infinity become `0`.
    mutating func number(_ v: Double) {
        guard v.isFinite else { bytes.append(UInt8(ascii: "0")); return }
        let value = v == 0 ? 0.0 : v // drops the sign of -0.0
        bytes.append(contentsOf: value.description.utf8)
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)
}
