import Market
/// A small JSON reader for the terminal's client messages: checks that the text is one JSON
/// object and returns its top-level string fields. Other values are checked for shape and
/// skipped; numbers and literals are accepted loosely (their characters, not their grammar).
struct JSONFieldScanner {
    private let bytes: [UInt8]
    private var index = 0
    /// Top-level keys whose value is not a string.
    private var otherKeys: Set<String> = []
    /// Nesting allowed in skipped values.
    static let maxDepth = 32

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The object's string-valued fields, or nil when the text is not one JSON object.
    static func topLevelStrings(_ bytes: [UInt8]) -> [String: String]? {
        topLevelFields(bytes)?.strings
    }

    /// The object's string-valued fields and the names of its other fields (numbers, objects,
    /// booleans…; a field whose value is `null` is left out of both, as if absent), or nil
    /// when the text is not one JSON object.
    static func topLevelFields(_ bytes: [UInt8]) -> (strings: [String: String], others: Set<String>)? {
        var scanner = JSONFieldScanner(bytes)
        var fields: [String: String] = [:]
        guard scanner.object(depth: 0, fields: &fields) else { return nil }
        scanner.skipSpace()
        return scanner.index == bytes.count ? (fields, scanner.otherKeys) : nil
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while let b = peek, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { index += 1 }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        skipSpace()
        guard peek == byte else { return false }
        index += 1
        return true
    }

    /// `{ "k": v, ... }`; string values of this object go into `fields` when it is the top one.
    private mutating func object(depth: Int, fields: inout [String: String]) -> Bool {
        guard depth < Self.maxDepth, take(UInt8(ascii: "{")) else { return false }
        if take(UInt8(ascii: "}")) { return true }
        repeat {
            skipSpace()
            guard let key = string(), take(UInt8(ascii: ":")) else { return false }
            skipSpace()
            if peek == UInt8(ascii: "\"") {
                guard let value = string() else { return false }
                if depth == 0 { fields[key] = value }
            } else {
                let start = index
                guard value(depth: depth + 1) else { return false }
                // A top-level `null` is an absent field (the client's optional fields).
                if depth == 0 && !bytes[start..<index].elementsEqual("null".utf8) { otherKeys.insert(key) }
            }
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "}"))
    }

    /// Any value, skipped.
    private mutating func value(depth: Int) -> Bool {
        skipSpace()
        switch peek {
        case UInt8(ascii: "\""):
            return string() != nil
        case UInt8(ascii: "{"):
            var ignored: [String: String] = [:]
            return object(depth: depth, fields: &ignored)
        case UInt8(ascii: "["):
            guard depth < Self.maxDepth else { return false }
            index += 1
            if take(UInt8(ascii: "]")) { return true }
            repeat { guard value(depth: depth + 1) else { return false } } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "]"))
        default:
            let start = index
            while let b = peek, Self.isScalarByte(b) { index += 1 }
            return index > start
        }
    }

    private static func isScalarByte(_ b: UInt8) -> Bool {
        HTTPBytes.isDigit(b) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "-") || b == UInt8(ascii: "+")
            || b == UInt8(ascii: ".") || b == UInt8(ascii: "E")
    }

    /// A string starting at the quote under the cursor, escapes decoded.
    private mutating func string() -> String? {
        guard peek == UInt8(ascii: "\"") else { return nil }
        index += 1
        var out: [UInt8] = []
        while let b = peek {
            index += 1
            switch b {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"): guard escape(into: &out) else { return nil }
            case 0..<0x20: return nil
            default: out.append(b)
            }
        }
        return nil
    }

    private mutating func escape(into out: inout [UInt8]) -> Bool {
        bytes.withUnsafeBytes { JSONEscape.decode($0, at: &index, into: &out) }
    }
}
