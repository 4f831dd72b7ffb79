/// A parsed JSON document, small and strict, for cold paths (control messages, REST bodies):
/// allocation is fine here; stream frames go through `BinanceParser`. Members keep their order
/// and where their value ended, so replies can cite a position the way Binance's serde-based
/// parser does ("… at line 1 column 28").
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's text as written (`12`, `-1.5e3`).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// The member's value, for an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    public func member(_ key: String) -> JSONMember? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }
    }

    /// A number without sign, fraction or exponent that fits an Int64.
    public var unsignedInteger: Int64? {
        guard case .number(let text) = self, !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }) else {
            return nil
        }
        return Int64(text)
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}

/// One `"key": value` of an object; `valueEnd` is the byte offset just after the value.
public struct JSONMember: Sendable, Equatable {
    public var key: String
    public var value: JSONValue
    public var valueEnd: Int
}

/// Why a text is not JSON, and where (1-based line and column, as serde_json reports them).
public struct JSONParseError: Error, Sendable, Equatable {
    public var message: String
    public var line: Int
    public var column: Int
}

/// Recursive descent over UTF-8 bytes with a depth limit; never traps on bad input.
public struct JSONReader {
    let bytes: [UInt8]
    var i = 0
    static let maxDepth = 64

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The whole text as one value (whitespace around it allowed).
    public static func parse(_ bytes: [UInt8]) -> Result<JSONValue, JSONParseError> {
        var r = JSONReader(bytes)
        do throws(JSONParseError) {
            r.skipSpace()
            let v = try r.value(depth: 0)
            r.skipSpace()
            guard r.i == bytes.count else { throw r.error("trailing characters", at: r.i) }
            return .success(v)
        } catch {
            return .failure(error)
        }
    }

    /// Line and column (1-based) of a byte offset.
    public static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for k in 0..<min(offset, bytes.count) where bytes[k] == 0x0A {
            line += 1
            lineStart = k + 1
        }
        return (line, max(1, offset - lineStart))
    }

    func error(_ message: String, at offset: Int) -> JSONParseError {
        let p = Self.position(of: offset + 1, in: bytes)
        return JSONParseError(message: message, line: p.line, column: p.column)
    }

    mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth < Self.maxDepth else { throw error("recursion limit exceeded", at: i) }
        guard i < bytes.count else { throw error("EOF while parsing a value", at: i - 1) }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), 48...57: return try number()
        default: throw error("expected value", at: i)
        }
    }

    mutating func literal(_ word: String, _ v: JSONValue) throws(JSONParseError) -> JSONValue {
        for b in word.utf8 {
            guard i < bytes.count else { throw error("EOF while parsing a value", at: i - 1) }
            guard bytes[i] == b else { throw error("expected ident", at: i) }
            i += 1
        }
        return v
    }

    mutating func number() throws(JSONParseError) -> JSONValue {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        let digitsStart = i
        while i < bytes.count, (48...57).contains(bytes[i]) { i += 1 }
        guard i > digitsStart else { throw error("invalid number", at: i) }
        if bytes[digitsStart] == 48, i - digitsStart > 1 { throw error("invalid number", at: digitsStart + 1) }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            let f = i
            while i < bytes.count, (48...57).contains(bytes[i]) { i += 1 }
            guard i > f else { throw error("invalid number", at: i) }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            let e = i
            while i < bytes.count, (48...57).contains(bytes[i]) { i += 1 }
            guard i > e else { throw error("invalid number", at: i) }
        }
        return .number(String(decoding: bytes[start..<i], as: UTF8.self))
    }

    mutating func string() throws(JSONParseError) -> String {
        i += 1  // opening quote
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw error("EOF while parsing a string", at: i - 1) }
            let b = bytes[i]
            i += 1
            switch b {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"): try escape(into: &out)
            case 0..<0x20: throw error("control character (\\u0000-\\u001F) found while parsing a string", at: i - 1)
            default: out.append(b)
            }
        }
    }

    mutating func escape(into out: inout [UInt8]) throws(JSONParseError) {
        guard i < bytes.count else { throw error("EOF while parsing a string", at: i - 1) }
        let ok = bytes.withUnsafeBytes { JSONEscape.decode($0, at: &i, into: &out) }
        if !ok { throw error("invalid escape", at: i) }
    }

    mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
            i += 1
            return .array(items)
        }
        while true {
            skipSpace()
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard i < bytes.count else { throw error("EOF while parsing a list", at: i - 1) }
            let b = bytes[i]
            i += 1
            if b == UInt8(ascii: "]") { return .array(items) }
            guard b == UInt8(ascii: ",") else { throw error("expected `,` or `]`", at: i - 1) }
        }
    }

    mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
        i += 1
        var members: [JSONMember] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
            i += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard i < bytes.count else { throw error("EOF while parsing an object", at: i - 1) }
            guard bytes[i] == UInt8(ascii: "\"") else { throw error("key must be a string", at: i) }
            let key = try string()
            skipSpace()
            guard i < bytes.count else { throw error("EOF while parsing an object", at: i - 1) }
            guard bytes[i] == UInt8(ascii: ":") else { throw error("expected `:`", at: i) }
            i += 1
            skipSpace()
            let v = try value(depth: depth + 1)
            members.append(JSONMember(key: key, value: v, valueEnd: i))
            skipSpace()
            guard i < bytes.count else { throw error("EOF while parsing an object", at: i - 1) }
            let b = bytes[i]
            i += 1
            if b == UInt8(ascii: "}") { return .object(members) }
            guard b == UInt8(ascii: ",") else { throw error("expected `,` or `}`", at: i - 1) }
        }
    }
}

/// Reading REST bodies: Binance sends numbers both bare and as strings.
extension JSONValue {
    public var array: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// An integer, from a number or a numeric string.
    public var int64: Int64? {
        switch self {
        case .number(let text), .string(let text): Int64(text)
        default: nil
        }
    }

    /// A fixed-point value (8 decimals), from a number or a decimal string.
    public var fixed: Int64? {
        switch self {
        case .number(let text), .string(let text): Fixed.parse(text)
        default: nil
        }
    }

    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
}

/// JSON string escapes, shared by every reader of JSON text here.
public enum JSONEscape {
    /// Decodes the escape whose letter is at `bytes[index]` (just after the backslash) into
    /// `out` and moves `index` past it; false for an invalid escape (`index` then points at the
    /// offending byte). A lone surrogate half becomes U+FFFD.
    public static func decode(_ bytes: UnsafeRawBufferPointer, at index: inout Int, into out: inout [UInt8]) -> Bool {
        guard index < bytes.count else { return false }
        let e = bytes[index]
        index += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            guard index + 4 <= bytes.count,
                  let code = UInt32(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[index..<index + 4]), as: UTF8.self), radix: 16)
            else { return false }
            index += 4
            UTF8.encode(Unicode.Scalar(code) ?? "\u{FFFD}") { out.append($0) }
        default:
            index -= 1
            return false
        }
        return true
    }
}
