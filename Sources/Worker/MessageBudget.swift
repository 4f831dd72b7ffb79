/// One terminal WebSocket connection's budget for client messages: a token bucket of `burst`
/// refilled at `perSecond`, each message taking its `MessageWeight`. A message the bucket cannot
/// pay for is not processed. The client is told at most once a second; one refused again and
/// again, never a second without a refusal, for `closeAfter` is closed. A value kept in the
/// connection's session; time comes in as an argument (monotonic nanoseconds), so tests drive it.
/// The bucket is the worker's `TokenBucket`, made full at the connection's first message.
public struct MessageBudget: Sendable {
    /// The budget every connection of a worker gets (`WS_RATE_LIMIT_MPS`, `_BURST`, `_CLOSE_AFTER`).
    public struct Limits: Sendable, Equatable {
        /// Weight refilled per second; 0 turns the budget off.
        public var perSecond: Double
        /// The bucket's size: what a quiet connection may spend at once.
        public var burst: Int
        /// How long a connection may stay over its budget before it is closed; zero: never.
        public var closeAfter: Duration

        public init(perSecond: Double, burst: Int, closeAfter: Duration) {
            self.perSecond = perSecond
            self.burst = burst
            self.closeAfter = closeAfter
        }

        var isOn: Bool { perSecond > 0 }
    }

    /// What to do with one message.
    enum Verdict: Equatable {
        case process
        /// Drop it; `notify`: send the client the rate-limit error (at most once a second).
        case refuse(notify: Bool)
        /// Drop it and close the connection (1008): it has been over its budget for `closeAfter`.
        case close
    }

    /// The rate-limit error goes out at most this often, so the errors cannot flood either.
    static let noticeIntervalNs: Int64 = 1_000_000_000
    /// A refusal this long after the previous one starts a new stretch over the budget.
    static let quietNs: Int64 = 1_000_000_000

    private var bucket: TokenBucket?
    /// When the current stretch of refusals began, and the last refusal in it.
    private var overSince: Int64?
    private var lastRefusal: Int64 = 0
    private var lastNotice: Int64?

    init() {}

    /// Charges one message of `weight` at `now`. A weight above the whole burst costs the burst,
    /// so every message can pass a quiet connection's bucket.
    mutating func spend(_ weight: MessageWeight, now: Int64, limits: Limits) -> Verdict {
        let burst = Double(limits.burst)
        var b = bucket ?? TokenBucket(tokens: burst, lastNs: now)
        defer { bucket = b }
        if b.take(min(Double(weight.rawValue), burst), now: now, rate: limits.perSecond, burst: burst) { return .process }
        if let since = overSince, now - lastRefusal < Self.quietNs {
            let closeAfter = limits.closeAfter.nanoseconds
            if closeAfter > 0 && now - since >= closeAfter { return .close }
        } else {
            overSince = now
        }
        lastRefusal = now
        let notify = lastNotice.map { now - $0 >= Self.noticeIntervalNs } ?? true
        if notify { lastNotice = now }
        return .refuse(notify: notify)
    }
}

/// What a terminal client message costs from its connection's budget: what it makes the worker do.
enum MessageWeight: Int, Sendable {
    /// `ping`, `unsubscribe`, and anything answered with a protocol error: one short reply.
    case light = 1
    /// `subscribe` (a book snapshot, tens of KB, queued) and `getStats` (a walk of every
    /// connection plus the other workers' figures).
    case heavy = 5
    /// A `subscribe` with `epoch`/`seq`: up to `WS_REPLAY_MAX` messages replayed from the ring,
    /// then the snapshot.
    case resume = 10
}

extension Result<TerminalProtocol.Request, TerminalProtocol.ProtocolError> {
    /// The parsed message's weight.
    var weight: MessageWeight {
        switch self {
        case .failure, .success(.ping), .success(.unsubscribe): .light
        case .success(.subscribe), .success(.getStats): .heavy
        case .success(.subscribeChannels(let request)): request.resume == nil ? .heavy : .resume
        }
    }
}
