/// Why a network operation failed: a kind to branch on and a message for people, naming what
/// was being done, to which host and port, and the system's or OpenSSL's reason.
public struct NetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, for callers that branch on it.
    public enum Kind: String, Sendable, Hashable {
        /// The URL could not be parsed or names an unsupported scheme.
        case invalidURL
        /// The host name did not resolve to an IPv4 address.
        case resolve
        /// The TCP connection could not be opened.
        case connect
        /// A deadline passed.
        case timeout
        /// The peer closed the connection, reset it, or the socket failed after connecting.
        case closed
        /// The TLS handshake or a TLS record failed (certificate problems land here).
        case tls
        /// The peer broke HTTP or WebSocket rules.
        case protocolViolation
        /// The server answered 429 or 418: too many requests; `rateLimit` says how long to wait.
        case rateLimited
        /// A message, header block or body exceeded its limit.
        case tooLarge
        /// `interrupt()` was called from another thread.
        case interrupted
    }

    public let kind: Kind
    public let message: String
    /// The status and wait of a `.rateLimited` answer; nil for every other kind.
    public let rateLimit: RateLimitAnswer?

    public init(_ kind: Kind, _ message: String, rateLimit: RateLimitAnswer? = nil) {
        self.kind = kind
        self.message = message
        self.rateLimit = rateLimit
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}
