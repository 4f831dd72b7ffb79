/// ASCII case-insensitive header look-ups shared by both sides of the handshake.
enum HTTPHeaderMatching {
    /// Compares ASCII case-insensitively without allocating.
    static func equalsIgnoringCase(_ lhs: Substring, _ rhs: String) -> Bool {
        lhs.utf8.elementsEqual(rhs.utf8) { lowercased($0) == lowercased($1) }
    }

    static func equalsIgnoringCase(_ lhs: String, _ rhs: String) -> Bool {
        equalsIgnoringCase(lhs[...], rhs)
    }

    /// Every value of the header named `name`, in order.
    static func values(_ name: String, in headers: [(name: String, value: String)]) -> [String] {
        headers.filter { equalsIgnoringCase($0.name, name) }.map(\.value)
    }

    /// Whether any `name` header's comma-separated token list holds `token`.
    static func hasToken(_ token: String, in name: String, headers: [(name: String, value: String)]) -> Bool {
        values(name, in: headers).contains { value in
            value.split(separator: ",").contains { equalsIgnoringCase(trimmed($0), token) }
        }
    }

    /// `value` without leading and trailing spaces and tabs.
    static func trimmed(_ value: Substring) -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = value.firstIndex(where: { !isSpace($0) }),
              let last = value.lastIndex(where: { !isSpace($0) }) else { return value[value.endIndex...] }
        return value[first...last]
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }
}
