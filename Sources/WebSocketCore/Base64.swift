/// Base64 with the standard alphabet and `=` padding (RFC 4648 §4).
public enum Base64 {
    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Encodes `bytes`, padding the last group with `=`.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            let group = UInt32(b0) << 16 | UInt32(b1 ?? 0) << 8 | UInt32(b2 ?? 0)
            out.append(alphabet[Int(group >> 18 & 0x3F)])
            out.append(alphabet[Int(group >> 12 & 0x3F)])
            out.append(b1 == nil ? UInt8(ascii: "=") : alphabet[Int(group >> 6 & 0x3F)])
            out.append(b2 == nil ? UInt8(ascii: "=") : alphabet[Int(group & 0x3F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes strictly: length a multiple of 4, padding only at the end, no whitespace,
    /// and no stray bits in the last group. Returns `nil` on anything else.
    public static func decode(_ string: String) -> [UInt8]? {
        let input = Array(string.utf8)
        guard input.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            let isLast = index + 4 == input.count
            guard let group = decodeGroup(input[index..<index + 4], isLast: isLast) else { return nil }
            out.append(contentsOf: group)
            index += 4
        }
        return out
    }

    private static func decodeGroup(_ chars: ArraySlice<UInt8>, isLast: Bool) -> [UInt8]? {
        let c = Array(chars)
        let padding = c[3] == UInt8(ascii: "=") ? (c[2] == UInt8(ascii: "=") ? 2 : 1) : 0
        guard padding == 0 || isLast else { return nil }
        var group: UInt32 = 0
        for i in 0..<(4 - padding) {
            guard let value = sextet(c[i]) else { return nil }
            group = group << 6 | value
        }
        group <<= 6 * UInt32(padding)
        let bytes = [UInt8(truncatingIfNeeded: group >> 16), UInt8(truncatingIfNeeded: group >> 8),
                     UInt8(truncatingIfNeeded: group)]
        let kept = 3 - padding
        // Canonical form: the bits dropped by padding must be zero.
        for i in kept..<3 where bytes[i] != 0 { return nil }
        return Array(bytes[0..<kept])
    }

    private static func sextet(_ char: UInt8) -> UInt32? {
        switch char {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(char - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(char - UInt8(ascii: "a") + 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(char - UInt8(ascii: "0") + 52)
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
