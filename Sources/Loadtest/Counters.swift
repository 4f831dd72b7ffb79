/// Why a connection never opened, or why an open one ended before the run did.
public enum FailureReason: Int, CaseIterable, Sendable {
    /// The connect was refused (nothing listening, or the backlog overflowed).
    case refused
    /// Not upgraded within the connect timeout.
    case timeout
    /// Reset before the upgrade.
    case reset
    /// `503 Service Unavailable` (a connection limit); the sample keeps its body line.
    case http503
    /// Any other HTTP status instead of 101.
    case httpStatus
    /// A 101 that is not a valid upgrade (accept key, headers), or an unreadable response.
    case handshake
    /// The server closed the connection before answering the upgrade.
    case closedBeforeUpgrade
    /// No source port left (`EADDRNOTAVAIL`): spread over more source addresses.
    case noSourcePort
    /// socket(2) or bind(2) failed (descriptors, memory).
    case socket
    /// Connect failed for another reason.
    case connectOther
    /// After the upgrade: the server sent a close frame.
    case closedByServer
    /// After the upgrade: reset, or end of stream without a close frame.
    case lostAfterOpen
    /// After the upgrade: a frame broke RFC 6455.
    case protocolViolation

    /// Whether the connection had opened before it ended this way.
    public var afterOpen: Bool { self.rawValue >= FailureReason.closedByServer.rawValue }

    public var name: String {
        switch self {
        case .refused: "refused"
        case .timeout: "timeout"
        case .reset: "reset"
        case .http503: "http_503"
        case .httpStatus: "http_other"
        case .handshake: "handshake_error"
        case .closedBeforeUpgrade: "closed_before_upgrade"
        case .noSourcePort: "no_source_port"
        case .socket: "socket_error"
        case .connectOther: "connect_error"
        case .closedByServer: "closed_by_server"
        case .lostAfterOpen: "lost_after_open"
        case .protocolViolation: "protocol_violation"
        }
    }

    /// The reason for a failed connect's errno.
    public static func connectError(_ errno: Int32) -> FailureReason {
        switch errno {
        case 111: .refused // ECONNREFUSED
        case 110: .timeout // ETIMEDOUT
        case 104, 32: .reset // ECONNRESET, EPIPE
        case 99: .noSourcePort // EADDRNOTAVAIL
        default: .connectOther
        }
    }
}

/// The counters a client process keeps; summed over processes for the report.
public enum Counter: Int, CaseIterable, Sendable {
    case opened
    case subscribeSent
    case subscribedAcks
    case errorReplies
    case gapNotices
    case messages
    case trades
    case tradesInWindow
    case missingIds
    case duplicateIds
    case sequenceRegressions
    case pings
    case bytesReceived
    /// Filled in at the end from the per-client state.
    case clientsWithTrade
    case clientsWithGap
    /// Sum over clients of (last id − first id + 1): the trades offered while each listened.
    case idSpan
    /// Open clients when the window started (what `--expect-rate` multiplies).
    case openAtWindowStart
    case openAtEnd
    /// Open connections when the report was written (a gauge).
    case openNow
    /// With reconnecting clients: subscribed connections lost, clients subscribed again after
    /// a loss, resumes sent, their answers, and the messages replayed.
    case disconnects
    case reconnects
    case resumesSent
    case recovered
    case recoveryImpossible
    case replayedMessages
    /// Trades the server stamped inside the window that the client read only after it (the
    /// drain at the end), and clients still reading such trades when the drain gave up.
    case tradesReadLate
    case clientsBehind
    /// Connection attempts that failed after a client's first (reconnects): not in the
    /// failures by reason, which count each client's first attempt only.
    case reconnectAttemptsFailed
    /// Data messages of every channel (trades, depth, tickers…) received in the window.
    case dataInWindow
    /// Clients not open at the end, by where they were: waiting to reconnect, connecting,
    /// waiting for the upgrade's answer, or given up.
    case awayWaiting
    case awayConnecting
    case awayUpgrading
    case awayFinished
}

/// Fixed arrays of counters and failures indexed by the enums; summed field by field.
public struct CounterSet: Sendable, Equatable {
    public var values: [Int64]
    public var failures: [Int64]

    public init() {
        values = Array(repeating: 0, count: Counter.allCases.count)
        failures = Array(repeating: 0, count: FailureReason.allCases.count)
    }

    public subscript(counter: Counter) -> Int64 {
        @inline(__always) get { values[counter.rawValue] }
        @inline(__always) set { values[counter.rawValue] = newValue }
    }

    public subscript(failure: FailureReason) -> Int64 {
        get { failures[failure.rawValue] }
        set { failures[failure.rawValue] = newValue }
    }

    /// Connections that never opened.
    public var failedToOpen: Int64 { FailureReason.allCases.filter { !$0.afterOpen }.reduce(0) { $0 + self[$1] } }
    /// Connections that opened and then ended before the run did.
    public var droppedAfterOpen: Int64 { FailureReason.allCases.filter(\.afterOpen).reduce(0) { $0 + self[$1] } }

    public mutating func add(_ other: CounterSet) {
        for i in values.indices { values[i] += other.values[i] }
        for i in failures.indices { failures[i] += other.failures[i] }
    }
}
