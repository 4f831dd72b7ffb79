import WebSocketCore

/// A parsed HTTP/1.x request: the decoded path and query, headers in order, and the body.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The raw request target (path and query, still encoded).
    public var target: String
    public var path: String
    public var query: [(String, String)]
    public var version: WebSocketHTTPVersion
    public var headers: [(name: String, value: String)]
    public var body: [UInt8] = []

    /// The first value of a header (names match case-insensitively).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The first value of a query parameter.
    public func parameter(_ name: String) -> String? { query.first { $0.0 == name }?.1 }

    /// HTTP/1.1 keeps the connection unless told `close`; 1.0 closes unless told `keep-alive`.
    public var keepAlive: Bool {
        let connection = header("Connection")?.lowercased() ?? ""
        if version.major == 1 && version.minor == 0 { return connection.contains("keep-alive") }
        return !connection.contains("close")
    }

    /// Whether the client asks to switch to WebSocket.
    public var isUpgrade: Bool { header("Upgrade")?.lowercased().contains("websocket") == true }
}

/// Percent-decoding of request targets.
public enum URLDecoding {
    /// Splits a target into its decoded path and query pairs (`+` is a space in the query).
    public static func split(target: String) -> (path: String, query: [(String, String)]) {
        guard let q = target.firstIndex(of: "?") else { return (decode(Substring(target), plusIsSpace: false), []) }
        let path = decode(target[..<q], plusIsSpace: false)
        let pairs = target[target.index(after: q)...].split(separator: "&").map { item -> (String, String) in
            guard let eq = item.firstIndex(of: "=") else { return (decode(item, plusIsSpace: true), "") }
            return (decode(item[..<eq], plusIsSpace: true), decode(item[item.index(after: eq)...], plusIsSpace: true))
        }
        return (path, pairs)
    }

    /// `%XX` to bytes; a malformed escape stays as written.
    public static func decode(_ s: Substring, plusIsSpace: Bool) -> String {
        let bytes = Array(s.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "%"), i + 2 < bytes.count, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) {
                out.append(h << 4 | l)
                i += 3
                continue
            }
            out.append(plusIsSpace && b == UInt8(ascii: "+") ? 0x20 : b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: return b - 48
        case 65...70: return b - 55
        case 97...102: return b - 87
        default: return nil
        }
    }
}
