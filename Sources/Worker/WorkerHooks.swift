import ShmRing

/// Counts the worker keeps as it runs; read them in `onTick`.
public struct WorkerCounters: Sendable, Equatable {
    /// Connections open now.
    public var connectionsOpen = 0
    public var connectionsAccepted = 0
    /// Accepted beyond `maxConnections`: answered 503 and closed.
    public var connectionsRejected = 0
    public var requestsServed = 0
    /// Requests answered with a 4xx/5xx of the parser's (400, 413, 414, 431, 501, 505).
    public var badRequests = 0
    /// Requests answered with 408.
    public var requestTimeouts = 0
    /// Connections closed for being silent too long (idle keep-alive or never spoke).
    public var idleTimeouts = 0
    /// Connections dropped: send stalled, too much queued output, reset, shutdown timeout.
    public var connectionsDropped = 0
    /// Accept failures (descriptor limits and the like).
    public var acceptErrors = 0
    /// Connections switched to WebSocket.
    public var webSocketsOpened = 0
    /// WebSocket connections open now.
    public var webSocketsOpen = 0
    /// Of them, terminal-protocol connections (API.md §2).
    public var terminalClients = 0
    /// Connections refused over the per-address limit.
    public var refusedPerAddress = 0
    /// Fan-out: messages framed (once each, whatever the number of subscribers).
    public var wsMessages = 0
    /// Fan-out: messages queued to connections.
    public var wsDeliveries = 0
    /// Messages not delivered to a client that fell behind (it is sent a gap notice).
    public var wsDropped = 0
    /// Conflatable values replaced by a newer one before they left.
    public var wsConflated = 0
    /// Connections closed for falling behind.
    public var slowClientsClosed = 0
    /// Gap notices sent to clients that fell behind.
    public var wsGapNotices = 0
    /// Resumes answered from the ring, resumes refused, messages replayed.
    public var wsRecovered = 0
    public var wsRecoveryRefused = 0
    public var wsReplayed = 0
    /// Client messages answered with an `error`.
    public var wsProtocolErrors = 0
    /// Terminal client messages not processed: over the connection's budget (`MessageBudget`).
    public var wsRateLimited = 0
    /// Terminal connections closed (1008) for staying over their message budget.
    public var wsRateLimitClosed = 0
    /// Requests answered 429 by the per-address rate limit.
    public var rateLimited = 0

    public init() {}
}

extension WorkerCounters {
    /// The value published in the slot's counter word for `counter`.
    public subscript(counter: Layout.WorkerCounter) -> Int {
        switch counter {
        case .webSocketsOpen: webSocketsOpen
        case .wsMessages: wsMessages
        case .wsDeliveries: wsDeliveries
        case .wsDropped: wsDropped
        case .wsConflated: wsConflated
        case .wsSlowClosed: slowClientsClosed
        case .wsGapNotices: wsGapNotices
        case .wsRecovered: wsRecovered
        case .wsRecoveryRefused: wsRecoveryRefused
        case .wsReplayed: wsReplayed
        case .wsProtocolErrors: wsProtocolErrors
        case .refusedPerAddress: refusedPerAddress
        case .refusedFull: connectionsRejected
        case .connectionsDropped: connectionsDropped
        case .idleTimeouts: idleTimeouts
        case .acceptErrors: acceptErrors
        case .wsRateLimited: wsRateLimited
        case .wsRateLimitClosed: wsRateLimitClosed
        }
    }
}

/// What the worker asks of the process around it. Every call comes on the worker's thread,
/// from inside its loop, and must not block.
public protocol WorkerHooks: AnyObject {
    /// The answer to `GET /api/v1/health`: a status code and a JSON body.
    func health() -> (status: Int, body: [UInt8])
    /// The answer to `GET /api/v1/system/status`: what `tterminal status --json` prints.
    func systemStatus() -> (status: Int, body: [UInt8])
    /// The answer to `GET /metrics`: Prometheus text (format 0.0.4) when the status is 200.
    func metrics() -> (status: Int, body: [UInt8])
    /// The wake-up eventfd fired: new records wait in the ring.
    func onWake()
    /// The same, with the loop to fan records out through; also called on every tick. The
    /// default calls `onWake()`.
    func onWake(broadcaster: Broadcaster)
    /// The periodic timer fired (every `tickInterval`): bump the heartbeat here.
    func onTick(_ counters: WorkerCounters)
    /// At each tick, before `onTick`: this worker's terminal clients, and how many subscribe
    /// to each symbol (by index, both markets together), to publish for the other workers.
    func onTerminalClients(_ clients: Int, subscribersPerSymbol: [Int])
    /// The terminal clients of the server's other running workers, as they last published
    /// them (nil: no others to ask), for `getStats`.
    var terminalClientsElsewhere: TerminalClients? { get }
    /// This worker's open connections changed (to `open`): published for the other workers.
    func onConnectionCount(_ open: Int)
    /// The other running worker of the server that holds the fewest connections, and how many,
    /// as published (nil: no other worker runs, or there are none to ask): on the shared
    /// listening socket a worker ahead of it by `WorkerOptions.acceptLead` leaves new
    /// connections to the others.
    var fewestConnectionsElsewhere: (worker: Int, connections: Int)? { get }
    /// Wakes another worker (by its slot), which then looks at the shared socket again: this
    /// one stopped taking, with connections still waiting, now that it is ahead.
    func nudge(worker: Int)
    /// SIGUSR1 arrived: reopen log files.
    func onReopenLogs()
    /// The symbols the terminal route serves. Nil (the default): any well-formed symbol is
    /// taken, for a worker with no market data behind it.
    var symbolDirectory: SymbolDirectory? { get }
    /// A terminal connection subscribed to `channels` of `key` (again, or instead of
    /// `replacing`, the other market of the same symbol), and was sent `subscribed`: replay
    /// what it missed since `resume` and say how that went (a `recovery` message), then queue
    /// what it must see first, e.g. the book's snapshot. It is in `key`'s subscribers
    /// already, and still in `replacing`'s.
    func onSubscribed(_ key: SubscriptionKey, subscriber: SubscriberID, channels: ChannelSet, replacing: SubscriptionKey?,
                      resume: ResumePoint?, broadcaster: Broadcaster)
    /// A subscriber of `key`'s book lost messages (it fell behind): send it the book again.
    func onResnapshot(_ key: SubscriptionKey, subscriber: SubscriberID, broadcaster: Broadcaster)
    /// Where this worker is in the ring: the epoch and the last sequence handled.
    var ringPosition: ResumePoint { get }
    /// A connection left `key`'s subscribers (unsubscribed, switched market, or closed);
    /// `remaining` are left.
    func onUnsubscribed(_ key: SubscriptionKey, remaining: Int)
    /// A request to the REST API (a path under `/api/v1/` the loop does not serve itself):
    /// answer now, or hand it to a thread and answer through `Broadcaster.answer(_:to:)`.
    func api(_ request: HTTPRequest, subscriber: SubscriberID) -> APIAnswer
}

extension WorkerHooks {
    public func systemStatus() -> (status: Int, body: [UInt8]) { (404, Array(#"{"message":"Not Found"}"#.utf8)) }
    public func metrics() -> (status: Int, body: [UInt8]) { (404, Array(#"{"message":"Not Found"}"#.utf8)) }
    public func onWake() {}
    public func onWake(broadcaster: Broadcaster) { onWake() }
    public func onTick(_ counters: WorkerCounters) {}
    public func onTerminalClients(_ clients: Int, subscribersPerSymbol: [Int]) {}
    public var terminalClientsElsewhere: TerminalClients? { nil }
    public func onConnectionCount(_ open: Int) {}
    public var fewestConnectionsElsewhere: (worker: Int, connections: Int)? { nil }
    public func nudge(worker: Int) {}
    public func onReopenLogs() {}
    public var symbolDirectory: SymbolDirectory? { nil }
    public func onSubscribed(_ key: SubscriptionKey, subscriber: SubscriberID, channels: ChannelSet,
                             replacing: SubscriptionKey?, resume: ResumePoint?, broadcaster: Broadcaster) {}
    public func onResnapshot(_ key: SubscriptionKey, subscriber: SubscriberID, broadcaster: Broadcaster) {}
    public var ringPosition: ResumePoint { ResumePoint(epoch: 0, sequence: 0) }
    public func onUnsubscribed(_ key: SubscriptionKey, remaining: Int) {}
    public func api(_ request: HTTPRequest, subscriber: SubscriberID) -> APIAnswer { .response(.notFound) }
}
