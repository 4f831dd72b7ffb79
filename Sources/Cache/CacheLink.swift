/// What the cache reports about Redis.
public enum CacheState: Equatable, Sendable {
    /// No REDIS_URL: the cache is off and every call is a miss / no-op.
    case disabled
    /// Connected; calls go to Redis.
    case up
    /// Not connected since `sinceMs` (wall clock, ms since the epoch); `lastError` is the most
    /// recent failure. Calls return at once; a reconnect is tried at most once per interval.
    case down(sinceMs: Int64, lastError: RedisError)

    /// `disabled`, `up` or `down`, for health documents and metrics labels.
    public var name: String {
        switch self {
        case .disabled: "disabled"
        case .up: "up"
        case .down: "down"
        }
    }
}

/// The pure core of the cache's connection handling: given the time, it says whether a call
/// may use the connection, must connect first, or must skip Redis; and it turns connect and
/// command outcomes into the reported `CacheState`. The shell (`ResponseCache`) owns the socket.
public struct CacheLink: Equatable, Sendable {
    /// What the shell does for one call.
    public enum Decision: Equatable, Sendable {
        case disabled   // no Redis configured
        case use        // the connection is up: use it
        case connect    // down, and the interval has passed: connect, then use it
        case skip       // down, and it is too soon to try again: answer without Redis
    }

    /// What the shell does with the connection after a failed command.
    public enum AfterFailure: Equatable, Sendable {
        case keep   // a server error reply: the connection is fine
        case drop   // the connection is broken: free it
    }

    public private(set) var state: CacheState
    public let reconnectIntervalNanos: Int64
    /// Monotonic time of the last connect attempt; nil before the first.
    public private(set) var lastAttemptNanos: Int64?
    private var everConnected = false

    /// A link to a configured Redis that has not been tried yet (the first call connects).
    public init(reconnectIntervalMillis: Int, nowMillis: Int64) {
        reconnectIntervalNanos = Int64(reconnectIntervalMillis) * 1_000_000
        state = .down(sinceMs: nowMillis, lastError: .connectionLost("not connected yet"))
    }

    /// A link that never connects: `.disabled`, or `.down` for good with a configuration error.
    public init(never state: CacheState) {
        reconnectIntervalNanos = 0
        self.state = state
    }

    private var permanent: Bool {
        if case .down(_, .invalidURL) = state { return true }
        return false
    }

    /// Decides for one call at monotonic time `nowNanos`; a `.connect` counts as an attempt.
    public mutating func decide(nowNanos: Int64) -> Decision {
        switch state {
        case .disabled: return .disabled
        case .up: return .use
        case .down:
            if permanent { return .skip }
            if let last = lastAttemptNanos, nowNanos - last < reconnectIntervalNanos { return .skip }
            lastAttemptNanos = nowNanos
            return .connect
        }
    }

    /// The connect worked; returns true when this is a reconnect (not the first connection).
    public mutating func connected() -> Bool {
        state = .up
        defer { everConnected = true }
        return everConnected
    }

    /// The connect failed at wall time `nowMillis`.
    public mutating func connectFailed(_ error: RedisError, nowMillis: Int64) {
        markDown(error, nowMillis: nowMillis)
    }

    /// A command failed at wall time `nowMillis`: keep the connection or drop it.
    public mutating func commandFailed(_ error: RedisError, nowMillis: Int64) -> AfterFailure {
        if error.keepsConnection { return .keep }
        markDown(error, nowMillis: nowMillis)
        return .drop
    }

    private mutating func markDown(_ error: RedisError, nowMillis: Int64) {
        switch state {
        case .down(let since, _):
            // Still the same outage: keep when it began, report the newest error.
            state = .down(sinceMs: since, lastError: error)
        default:
            state = .down(sinceMs: nowMillis, lastError: error)
        }
    }
}
