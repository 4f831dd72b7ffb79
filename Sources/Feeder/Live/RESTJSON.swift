import Market

/// A JSON value for cold paths (REST gap fills, error bodies): allocation is fine here, the
/// hot path (stream frames) goes through `BinanceParser`. Numbers keep their text so prices
/// parse exactly into `Fixed`.
enum RESTJSON: Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([RESTJSON])
    case object([String: RESTJSON])

    static func parse(_ bytes: [UInt8]) -> RESTJSON? {
        var reader = Reader(bytes: bytes)
        guard let value = reader.value(depth: 0) else { return nil }
        reader.skipSpace()
        return reader.pos == bytes.count ? value : nil
    }

    subscript(key: String) -> RESTJSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var array: [RESTJSON]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// An integer, from a number or a numeric string.
    var int64: Int64? {
        switch self {
        case .number(let text), .string(let text): Int64(text)
        default: nil
        }
    }

    /// A fixed-point value (8 decimals), from a number or a decimal string.
    var fixed: Int64? {
        switch self {
        case .number(let text), .string(let text):
            Fixed.parse(text)
        default: nil
        }
    }

    var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    private struct Reader {
        let bytes: [UInt8]
        var pos = 0

        mutating func skipSpace() {
            while pos < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[pos]) { pos += 1 }
        }

        mutating func value(depth: Int) -> RESTJSON? {
            guard depth < 64 else { return nil }
            skipSpace()
            guard pos < bytes.count else { return nil }
            switch bytes[pos] {
            case 0x7B: return object(depth: depth)
            case 0x5B: return array(depth: depth)
            case 0x22: return string().map { .string($0) }
            case 0x74: return word("true") ? .bool(true) : nil
            case 0x66: return word("false") ? .bool(false) : nil
            case 0x6E: return word("null") ? .null : nil
            default: return number()
            }
        }

        mutating func word(_ w: String) -> Bool {
            let u = Array(w.utf8)
            guard pos + u.count <= bytes.count, Array(bytes[pos..<pos + u.count]) == u else { return false }
            pos += u.count
            return true
        }

        mutating func number() -> RESTJSON? {
            let start = pos
            while pos < bytes.count, (0x30...0x39).contains(bytes[pos]) || [0x2D, 0x2B, 0x2E, 0x65, 0x45].contains(bytes[pos]) {
                pos += 1
            }
            return pos > start ? .number(String(decoding: bytes[start..<pos], as: UTF8.self)) : nil
        }

        mutating func string() -> String? {
            pos += 1
            var out: [UInt8] = []
            while pos < bytes.count {
                let c = bytes[pos]
                pos += 1
                if c == 0x22 { return String(decoding: out, as: UTF8.self) }
                if c == 0x5C {
                    guard pos < bytes.count else { return nil }
                    let e = bytes[pos]
                    pos += 1
                    switch e {
                    case 0x6E: out.append(0x0A)
                    case 0x74: out.append(0x09)
                    case 0x72: out.append(0x0D)
                    case 0x62: out.append(0x08)
                    case 0x66: out.append(0x0C)
                    case 0x75:
                        guard pos + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[pos..<pos + 4], as: UTF8.self), radix: 16) else { return nil }
                        pos += 4
                        out.append(contentsOf: Array(String(Character(Unicode.Scalar(code) ?? "?")).utf8))
                    default: out.append(e)
                    }
                } else {
                    out.append(c)
                }
            }
            return nil
        }

        mutating func array(depth: Int) -> RESTJSON? {
            pos += 1
            var items: [RESTJSON] = []
            skipSpace()
            if pos < bytes.count, bytes[pos] == 0x5D { pos += 1; return .array(items) }
            while true {
                guard let v = value(depth: depth + 1) else { return nil }
                items.append(v)
                skipSpace()
                guard pos < bytes.count else { return nil }
                let c = bytes[pos]
                pos += 1
                if c == 0x5D { return .array(items) }
                guard c == 0x2C else { return nil }
            }
        }

        mutating func object(depth: Int) -> RESTJSON? {
            pos += 1
            var members: [String: RESTJSON] = [:]
            skipSpace()
            if pos < bytes.count, bytes[pos] == 0x7D { pos += 1; return .object(members) }
            while true {
                skipSpace()
                guard pos < bytes.count, bytes[pos] == 0x22, let key = string() else { return nil }
                skipSpace()
                guard pos < bytes.count, bytes[pos] == 0x3A else { return nil }
                pos += 1
                guard let v = value(depth: depth + 1) else { return nil }
                members[key] = v
                skipSpace()
                guard pos < bytes.count else { return nil }
                let c = bytes[pos]
                pos += 1
                if c == 0x7D { return .object(members) }
                guard c == 0x2C else { return nil }
            }
        }
    }
}
