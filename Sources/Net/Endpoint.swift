/// Where to connect: scheme, host, port and the request target (path plus query), parsed from a
/// URL such as `wss://stream.binance.com:9443/stream?streams=btcusdt@trade`.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// The schemes the clients speak; the `s` ones run over TLS.
    public enum Scheme: String, Sendable, Hashable {
        case ws, wss, http, https

        /// 80 for plain, 443 for TLS.
        public var defaultPort: Int { isSecure ? 443 : 80 }
        public var isSecure: Bool { self == .wss || self == .https }
    }

    public var scheme: Scheme
    /// A name or an IPv4 literal, as written in the URL (lower-cased).
    public var host: String
    public var port: Int
    /// The request target: path and query, "/" when the URL has none. Never a fragment.
    public var path: String

    public init(scheme: Scheme, host: String, port: Int? = nil, path: String = "/") {
        self.scheme = scheme
        self.host = host
        self.port = port ?? scheme.defaultPort
        self.path = path.first == "/" ? path : "/" + path
    }

    /// Parses `scheme://host[:port][/path][?query]`. User info, IPv6 literals and ports outside
    /// 1…65535 are refused; a fragment is dropped.
    public init(parsing url: String) throws(NetError) {
        guard let separator = url.firstRange(of: "://") else { throw NetError(.invalidURL, "\(url): missing scheme://") }
        let schemeText = url[..<separator.lowerBound].lowercased()
        guard let scheme = Scheme(rawValue: schemeText) else {
            throw NetError(.invalidURL, "\(url): scheme \(schemeText) is not ws, wss, http or https")
        }
        var rest = url[separator.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        if path.first == "?" { path = "/" + path }
        let (host, port) = try Self.parseAuthority(authority, url: url)
        self.init(scheme: scheme, host: host, port: port ?? scheme.defaultPort, path: path)
    }

    private static func parseAuthority(_ authority: Substring, url: String) throws(NetError) -> (String, Int?) {
        guard !authority.contains("@") else { throw NetError(.invalidURL, "\(url): user information is not supported") }
        guard !authority.hasPrefix("[") else { throw NetError(.invalidURL, "\(url): IPv6 literals are not supported") }
        var host = authority
        var port: Int?
        if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            let digits = authority[authority.index(after: colon)...]
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = Int(digits), (1...65535).contains(value) else {
                throw NetError(.invalidURL, "\(url): port \(digits) is not a number in 1…65535")
            }
            port = value
        }
        guard !host.isEmpty else { throw NetError(.invalidURL, "\(url): missing host") }
        let allowed = host.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "." || $0 == "_") }
        guard allowed else { throw NetError(.invalidURL, "\(url): host \(host) has characters a host name cannot have") }
        return (host.lowercased(), port)
    }

    public var isSecure: Bool { scheme.isSecure }

    /// The `Host` header value: the port only when it is not the scheme's default.
    public var hostHeader: String { port == scheme.defaultPort ? host : "\(host):\(port)" }

    /// `host:port`, for messages.
    public var hostAndPort: String { "\(host):\(port)" }

    /// The same server with another request target.
    public func with(path: String) -> Endpoint {
        var copy = self
        copy.path = path.isEmpty ? "/" : (path.first == "/" ? path : "/" + path)
        return copy
    }

    /// The same server with `path` added below this endpoint's path (its query, if any, dropped):
    /// `https://h/api` + `/v3/depth?symbol=X` is `https://h/api/v3/depth?symbol=X`.
    public func appending(path suffix: String) -> Endpoint {
        var base = path
        if let query = base.firstIndex(of: "?") { base = String(base[..<query]) }
        while base.hasSuffix("/") { base.removeLast() }
        guard !suffix.isEmpty else { return with(path: base) }
        return with(path: base + (suffix.first == "/" ? suffix : "/" + suffix))
    }

    public var description: String { "\(scheme.rawValue)://\(hostHeader)\(path)" }
}
