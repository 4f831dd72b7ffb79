/// Incremental UTF-8 validator (Unicode Table 3-7): rejects overlong forms, surrogates and code
/// points above U+10FFFF at the first offending byte, so a text message fails fast even when a
/// sequence is split across fragments.
public struct UTF8Validator: Sendable, Hashable {
    private var remaining: UInt8 = 0
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    public init() {}

    /// True when no multi-byte sequence is left open, i.e. the text may end here.
    public var isAtBoundary: Bool { remaining == 0 }

    /// Checks the next chunk; false as soon as a byte cannot continue valid UTF-8.
    public mutating func validate(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            if remaining == 0, index + 8 <= count,
               bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index += 8
                continue
            }
            guard consume(bytes[index]) else { return false }
            index += 1
        }
        return true
    }

    /// Checks a byte array chunk.
    public mutating func validate(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { validate($0) }
    }

    /// Whether `bytes` is complete, valid UTF-8 on its own.
    public static func isValid(_ bytes: [UInt8]) -> Bool {
        var validator = UTF8Validator()
        return validator.validate(bytes) && validator.isAtBoundary
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        if remaining > 0 {
            guard byte >= lower, byte <= upper else { return false }
            remaining -= 1
            lower = 0x80
            upper = 0xBF
            return true
        }
        switch byte {
        case 0x00...0x7F: return true
        case 0xC2...0xDF: remaining = 1
        case 0xE0: remaining = 2; lower = 0xA0  // below is overlong
        case 0xE1...0xEC, 0xEE...0xEF: remaining = 2
        case 0xED: remaining = 2; upper = 0x9F  // above is a surrogate
        case 0xF0: remaining = 3; lower = 0x90  // below is overlong
        case 0xF1...0xF3: remaining = 3
        case 0xF4: remaining = 3; upper = 0x8F  // above is beyond U+10FFFF
        default: return false
        }
        return true
    }
}
