/// Why a Redis call failed. Every case but `.server` and `.unexpectedReply` means the
/// connection is gone: the client has closed it and will not use it again.
public enum RedisError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The `redis://` URL could not be read.
    case invalidURL(String)
    /// No connection could be made (refused, unreachable, unresolvable host).
    case connectFailed(String)
    /// The connect or a command took longer than its timeout.
    case timeout(String)
    /// The connection broke (EOF, reset, protocol error) or was closed by an earlier failure.
    case connectionLost(String)
    /// Redis answered with an error reply (`-ERR …`, `-WRONGPASS …`); the connection is intact.
    case server(String)
    /// A reply of a type the command never returns; the connection is intact.
    case unexpectedReply(String)

    /// Whether the connection survives this error.
    public var keepsConnection: Bool {
        switch self {
        case .server, .unexpectedReply: true
        case .invalidURL, .connectFailed, .timeout, .connectionLost: false
        }
    }

    public var description: String {
        switch self {
        case .invalidURL(let m): "invalid Redis URL: \(m)"
        case .connectFailed(let m): "cannot connect to Redis: \(m)"
        case .timeout(let m): "Redis timeout: \(m)"
        case .connectionLost(let m): "Redis connection lost: \(m)"
        case .server(let m): "Redis error: \(m)"
        case .unexpectedReply(let m): "unexpected Redis reply: \(m)"
        }
    }
}
