/// Where a Redis server is and how to log in: `redis://[[user]:password@]host[:port][/db]`.
/// Query parameters are ignored; `rediss://` (TLS) and Unix sockets are not supported.
public struct RedisURL: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var database: Int
    /// Redis 6 ACL user; nil (or empty in the URL) means the default user.
    public var username: String?
    public var password: String?

    public init(host: String = "127.0.0.1", port: Int = 6379, database: Int = 0,
                username: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
    }

    /// Parses a `redis://` URL; user and password may be percent-encoded.
    public init(parsing text: String) throws(RedisError) {
        let scheme = "redis://"
        guard text.hasPrefix(scheme) else {
            throw .invalidURL("expected redis://host:port/db, got \(Self.redacted(text))")
        }
        var rest = text.dropFirst(scheme.count)
        if let q = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<q] }
        var authority = rest
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        }
        self.init()
        if let at = authority.lastIndex(of: "@") {
            try readCredentials(authority[..<at])
            authority = authority[authority.index(after: at)...]
        }
        try readHostPort(authority)
        if !path.isEmpty {
            guard let db = Int(path), db >= 0 else { throw .invalidURL("database must be a number, got \(path)") }
            database = db
        }
    }

    private mutating func readCredentials(_ credentials: Substring) throws(RedisError) {
        if let colon = credentials.firstIndex(of: ":") {
            let user = try Self.percentDecoded(credentials[..<colon])
            username = user.isEmpty ? nil : user
            password = try Self.percentDecoded(credentials[credentials.index(after: colon)...])
        } else if !credentials.isEmpty {
            // `redis://secret@host`: a lone credential is the password, as redis-cli reads it.
            password = try Self.percentDecoded(credentials)
        }
    }

    private mutating func readHostPort(_ authority: Substring) throws(RedisError) {
        var hostPart = authority
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .invalidURL("unclosed [ in host") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() } else if !after.isEmpty { throw .invalidURL("junk after ]") }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        if !hostPart.isEmpty { host = String(hostPart) }
        if let portPart {
            guard let p = Int(portPart), (1...65535).contains(p) else { throw .invalidURL("port must be 1...65535, got \(portPart)") }
            port = p
        }
    }

    private static func percentDecoded(_ s: Substring) throws(RedisError) -> String {
        var out: [UInt8] = []
        var bytes = s.utf8[...]
        while let b = bytes.popFirst() {
            guard b == UInt8(ascii: "%") else { out.append(b); continue }
            let hex = bytes.prefix(2)
            guard hex.count == 2, let v = UInt8(String(decoding: hex, as: UTF8.self), radix: 16) else {
                throw .invalidURL("bad percent escape in credentials")
            }
            out.append(v)
            bytes = bytes.dropFirst(2)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// For logs: the URL with any password replaced by `***`.
    public var description: String {
        let credentials = password == nil ? "" : "\(username ?? ""):***@"
        let h = host.contains(":") ? "[\(host)]" : host
        return "redis://\(credentials)\(h):\(port)/\(database)"
    }

    /// `text` with the credentials replaced, for error messages about unreadable URLs.
    static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let scheme = text.firstIndex(of: "/") else { return text }
        return String(text[..<scheme]) + "//***" + String(text[at...])
    }
}
