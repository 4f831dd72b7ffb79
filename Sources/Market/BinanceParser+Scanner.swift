/// What a recorded field slot holds.
enum FieldKind: UInt8 {
    case string = 1, integer, bool, null, otherNumber, levels, object
}

/// Field slots: one per ASCII letter key, plus the few longer keys Binance uses.
/// Bank 0 is the payload, bank 1 the nested `k` (kline) or `o` (forceOrder) object.
enum Slot {
    static let perBank = 64
    static let pu = 52
    static let ap = 53
    static let lastUpdateId = 54
    static let data = -2
    static let bids = -3
    static let asks = -4

    @inline(__always)
    static func letter(_ c: UInt8) -> Int {
        if c >= 65, c <= 90 { return Int(c &- 65) }
        if c >= 97, c <= 122 { return Int(c &- 97) &+ 26 }
        return -1
    }
}

/// Byte-level scanner over one frame. It walks the JSON once, recording where each known
/// key's value is (strings as offset/length, integers parsed) so field order never matters;
/// depth levels are parsed straight into the parser's fixed storage. Unknown values are
/// skipped with bracket matching and string validation. Never reads outside `base[0..<end]`.
struct FrameScanner {
    let base: UnsafePointer<UInt8>
    let end: Int
    var pos = 0
    let values: UnsafeMutablePointer<Int64>
    let kinds: UnsafeMutablePointer<FieldKind>
    var present0: UInt64 = 0
    var present1: UInt64 = 0
    let bidStorage: UnsafeMutablePointer<PriceLevel>
    let askStorage: UnsafeMutablePointer<PriceLevel>
    let levelCapacity: Int
    var bidCount = 0
    var askCount = 0
    var sawBids = false
    var sawAsks = false

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < end {
            let c = base[pos]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            pos &+= 1
        }
    }

    /// The next non-whitespace byte, not consumed.
    @inline(__always)
    mutating func peek() throws(MalformedReason) -> UInt8 {
        skipWhitespace()
        guard pos < end else { throw .truncated }
        return base[pos]
    }

    @inline(__always)
    mutating func expect(_ byte: UInt8) throws(MalformedReason) {
        guard try peek() == byte else { throw .unexpectedByte }
        pos &+= 1
    }

    /// Scans a string body; `pos` is just after the opening quote and ends after the closing
    /// one. Returns the raw (still escaped) length; `escaped` tells whether it had escapes.
    @inline(__always)
    mutating func string(escaped: inout Bool) throws(MalformedReason) -> Int {
        let start = pos
        while pos < end {
            let c = base[pos]
            if c == 0x22 {
                pos &+= 1
                return pos &- 1 &- start
            }
            if c == 0x5C {
                escaped = true
                try escape()
                continue
            }
            guard c >= 0x20 else { throw .badString }
            pos &+= 1
        }
        throw .truncated
    }

    /// Validates one escape sequence starting at the backslash.
    mutating func escape() throws(MalformedReason) {
        pos &+= 1
        guard pos < end else { throw .truncated }
        switch base[pos] {
        case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:  // " \ / b f n r t
            pos &+= 1
        case 0x75:  // u + 4 hex digits
            pos &+= 1
            for _ in 0..<4 {
                guard pos < end else { throw .truncated }
                let c = base[pos] | 0x20
                guard (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) else { throw .badString }
                pos &+= 1
            }
        default:
            throw .badString
        }
    }

    /// A JSON number. Returns the value and whether it is an integer that fits `Int64`;
    /// fractions and exponents are consumed (so unknown fields skip) but are not integers.
    mutating func number() throws(MalformedReason) -> (Int64, Bool) {
        var negative = false
        if base[pos] == 0x2D { negative = true; pos &+= 1 }
        var value: Int64 = 0
        var digits = 0
        var fits = true
        while pos < end {
            let d = base[pos] &- 0x30
            guard d <= 9 else { break }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(d))
            if o1 || o2 { fits = false }
            value = a
            digits &+= 1
            pos &+= 1
        }
        guard pos < end else { throw .truncated }
        guard digits > 0 else { throw .unexpectedByte }
        if base[pos] == 0x2E {  // .
            pos &+= 1
            try digitRun()
            fits = false
        }
        if base[pos] | 0x20 == 0x65 {  // e E
            pos &+= 1
            guard pos < end else { throw .truncated }
            if base[pos] == 0x2B || base[pos] == 0x2D { pos &+= 1 }
            try digitRun()
            fits = false
        }
        return (negative ? -value : value, fits)
    }

    /// At least one digit, then stops at the first non-digit, which must exist.
    mutating func digitRun() throws(MalformedReason) {
        let start = pos
        while pos < end, base[pos] &- 0x30 <= 9 { pos &+= 1 }
        guard pos < end else { throw .truncated }
        guard pos > start else { throw .unexpectedByte }
    }

    /// `true`, `false` or `null`; returns the first byte to tell them apart.
    mutating func literal() throws(MalformedReason) -> UInt8 {
        let first = base[pos]
        let word: StaticString = first == 0x74 ? "true" : first == 0x66 ? "false" : "null"
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        for i in 0..<n {
            guard pos &+ i < end else { throw .truncated }
            guard base[pos &+ i] == w[i] else { throw .unexpectedByte }
        }
        pos &+= n
        return first
    }

    /// Skips any value without recursion; a bit stack checks that brackets match.
    mutating func skipValue() throws(MalformedReason) {
        var stack: UInt64 = 0  // 1 = object, 0 = array
        var depth = 0
        repeat {
            let c = try peek()
            switch c {
            case 0x7B, 0x5B:  // { [
                guard depth < 64 else { throw .tooDeep }
                stack = stack << 1 | (c == 0x7B ? 1 : 0)
                depth &+= 1
                pos &+= 1
            case 0x7D, 0x5D:  // } ]
                guard depth > 0, (stack & 1 == 1) == (c == 0x7D) else { throw .unexpectedByte }
                stack >>= 1
                depth &-= 1
                pos &+= 1
            case 0x2C, 0x3A:  // , :
                guard depth > 0 else { throw .unexpectedByte }
                pos &+= 1
            case 0x22:
                pos &+= 1
                var escaped = false
                _ = try string(escaped: &escaped)
            case 0x74, 0x66, 0x6E:
                _ = try literal()
            case 0x2D, 0x30...0x39:
                _ = try number()
            default:
                throw .unexpectedByte
            }
        } while depth > 0
    }

    @inline(__always)
    mutating func record(bank: Int, slot: Int, kind: FieldKind, value: Int64) {
        let i = bank &* Slot.perBank &+ slot
        values[i] = value
        kinds[i] = kind
        if bank == 0 { present0 |= 1 << UInt64(slot) } else { present1 |= 1 << UInt64(slot) }
    }
}
