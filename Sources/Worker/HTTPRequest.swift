/// Request methods the worker tells apart; any other valid token is `.other`.
public enum HTTPMethod: UInt8, Sendable, CustomStringConvertible {
    case get, head, post, put, delete, options, patch, connect, trace, other

    init(_ token: UnsafeRawBufferPointer) {
        switch token.count {
        case 3 where Self.equal(token, "GET"): self = .get
        case 3 where Self.equal(token, "PUT"): self = .put
        case 4 where Self.equal(token, "HEAD"): self = .head
        case 4 where Self.equal(token, "POST"): self = .post
        case 5 where Self.equal(token, "PATCH"): self = .patch
        case 5 where Self.equal(token, "TRACE"): self = .trace
        case 6 where Self.equal(token, "DELETE"): self = .delete
        case 7 where Self.equal(token, "OPTIONS"): self = .options
        case 7 where Self.equal(token, "CONNECT"): self = .connect
        default: self = .other
        }
    }

    private static func equal(_ token: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        name.withUTF8Buffer { $0.elementsEqual(token) }
    }

    public var description: String {
        switch self {
        case .get: "GET"
        case .head: "HEAD"
        case .post: "POST"
        case .put: "PUT"
        case .delete: "DELETE"
        case .options: "OPTIONS"
        case .patch: "PATCH"
        case .connect: "CONNECT"
        case .trace: "TRACE"
        case .other: "OTHER"
        }
    }
}

/// The protocol versions the worker speaks.
public enum HTTPVersion: Sendable, Equatable {
    case http10
    case http11
}

/// One parsed request. Only the headers that frame the message (Content-Length,
/// Transfer-Encoding, Connection, Host) are interpreted; the rest are checked and skipped.
public struct HTTPRequest: Sendable, Equatable {
    public var method: HTTPMethod
    /// The target's path (origin-form, before any `?`).
    public var path: String
    /// What follows the `?`, if the target has one.
    public var query: String?
    public var version: HTTPVersion
    /// Whether the connection stays open after the response (HTTP/1.1 unless `Connection:
    /// close`; HTTP/1.0 only with `Connection: keep-alive`).
    public var keepAlive: Bool
    public var body: [UInt8]
    /// The fields a WebSocket upgrade is judged on (`Upgrade`, `Connection: upgrade`,
    /// `Sec-WebSocket-Key`, `Sec-WebSocket-Version`), kept only when the request carried an
    /// `Upgrade` field; empty otherwise, so a plain request allocates nothing for them.
    public var upgradeFields: [HTTPHeaderField]
    /// `Origin` (CORS), when sent.
    public var origin: String?
    /// `If-None-Match` (a cached body's ETag), when sent.
    public var ifNoneMatch: String?

    public init(method: HTTPMethod, path: String, query: String? = nil, version: HTTPVersion = .http11,
                keepAlive: Bool = true, body: [UInt8] = [], upgradeFields: [HTTPHeaderField] = [],
                origin: String? = nil, ifNoneMatch: String? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.version = version
        self.keepAlive = keepAlive
        self.body = body
        self.upgradeFields = upgradeFields
        self.origin = origin
        self.ifNoneMatch = ifNoneMatch
    }

    /// Whether the client asked to switch protocols.
    public var wantsUpgrade: Bool { !upgradeFields.isEmpty }

    /// The target in origin-form: path and query.
    public var target: String { query.map { "\(path)?\($0)" } ?? path }
}

/// One header field as it arrived (value trimmed).
public struct HTTPHeaderField: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Bounds on what a client may send; beyond them the request is answered with an error and the
/// connection closed.
public struct HTTPLimits: Sendable, Equatable {
    /// Longer request lines get 414.
    public var maxRequestLine = 8 * 1024
    /// More header bytes (all lines, CRLF included) get 431.
    public var maxHeaderBytes = 16 * 1024
    /// More header lines get 431.
    public var maxHeaderCount = 100
    /// Larger Content-Length gets 413.
    public var maxBody = 1 << 20

    public init() {}
}

/// What one call of the parser yields.
public enum HTTPParseResult: Sendable, Equatable {
    /// Every byte was consumed and no request is complete yet.
    case needMoreData
    /// A complete request; bytes after it are left in the input.
    case request(HTTPRequest)
    /// The input is not acceptable: answer `status`, then close.
    case error(HTTPStatus)
}
