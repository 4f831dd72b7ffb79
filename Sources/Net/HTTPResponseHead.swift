/// The status line and header fields of an HTTP/1.x response, parsed from the complete head.
struct HTTPResponseHead: Sendable {
    var minorVersion: Int
    var status: Int
    var reason: String
    var headers: [(name: String, value: String)]

    /// The first value of the header `name` (ASCII case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { Self.sameName($0.name, name) }?.value
    }

    /// Every value of `name`, in order.
    func values(_ name: String) -> [String] {
        headers.filter { Self.sameName($0.name, name) }.map(\.value)
    }

    /// Whether the comma-separated values of `name` hold `token` (case-insensitive).
    func hasToken(_ token: String, in name: String) -> Bool {
        values(name).contains { value in
            value.split(separator: ",").contains { Self.sameName(Self.trim($0), token) }
        }
    }

    static func sameName(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        a.utf8.elementsEqual(b.utf8) { lower($0) == lower($1) }
    }

    private static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }

    static func trim(_ text: Substring) -> Substring {
        var text = text
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }

    /// Where the head ends in `bytes` (just past its empty line), looking from `offset` on; nil
    /// while it is incomplete. A later call may pass the previous `bytes.count - 2` as `offset`.
    static func end(in bytes: UnsafeRawBufferPointer, from offset: Int = 0) -> Int? {
        var index = max(offset, 0)
        let count = bytes.count
        while index < count {
            if bytes[index] == 0x0A {
                if index + 1 < count, bytes[index + 1] == 0x0A { return index + 2 }
                if index + 2 < count, bytes[index + 1] == 0x0D, bytes[index + 2] == 0x0A { return index + 3 }
            }
            index += 1
        }
        return nil
    }

    /// Parses a complete head (as delimited by `end(in:)`); the message of a thrown error says
    /// what is wrong, without saying where it came from.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(NetError) -> HTTPResponseHead {
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            line.last == 0x0D ? line.dropLast() : line
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let statusLine = lines.first else { throw NetError(.protocolViolation, "empty response head") }
        var head = try parseStatusLine(String(decoding: statusLine, as: UTF8.self))
        for line in lines.dropFirst() {
            guard let first = line.first, first != 0x20, first != 0x09 else {
                throw NetError(.protocolViolation, "folded or empty header line")
            }
            guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex else {
                throw NetError(.protocolViolation, "header line without a name: \(String(decoding: line.prefix(80), as: UTF8.self))")
            }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
            guard !name.contains(" "), !name.contains("\t") else {
                throw NetError(.protocolViolation, "header name with white space: \(name)")
            }
            let value = trim(String(decoding: line[(colon + 1)...], as: UTF8.self)[...])
            head.headers.append((name, String(value)))
        }
        return head
    }

    private static func parseStatusLine(_ line: String) throws(NetError) -> HTTPResponseHead {
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[0].count == 8,
              let minor = Int(parts[0].dropFirst(7)),
              parts[1].count == 3, parts[1].allSatisfy(\.isASCII), let status = Int(parts[1]), (100...999).contains(status) else {
            throw NetError(.protocolViolation, "malformed status line: \(line.prefix(80))")
        }
        return HTTPResponseHead(minorVersion: minor, status: status, reason: parts.count > 2 ? String(parts[2]) : "", headers: [])
    }
}
