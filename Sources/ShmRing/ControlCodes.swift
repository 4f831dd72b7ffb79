// Codes the control block stores: child kinds, slot states, feed and database states.

/// Child kinds in the control block.
public enum ChildKind: UInt64, Sendable, CustomStringConvertible {
    case none = 0
    case feeder = 1
    case worker = 2

    public var description: String {
        switch self {
        case .none: return "-"
        case .feeder: return "feeder"
        case .worker: return "worker"
        }
    }
}

/// States of a child slot, as the supervisor sees it.
public enum SlotState: UInt64, Sendable, CustomStringConvertible {
    case free = 0
    case starting = 1
    case running = 2
    case stopping = 3
    case backoff = 4

    public var description: String {
        switch self {
        case .free: return "free"
        case .starting: return "starting"
        case .running: return "running"
        case .stopping: return "stopping"
        case .backoff: return "backoff"
        }
    }
}

/// How the supervisor's last reload (HUP) ended.
public enum ReloadOutcome: UInt64, Sendable, CustomStringConvertible {
    /// No reload since the server started.
    case none = 0
    /// The new configuration runs.
    case applied = 1
    /// The supervisor refused the new configuration (a bad value): nothing changed.
    case refused = 2
    /// The feeder refused the new configuration (exit status 2): the previous one runs again.
    case rolledBack = 3

    public var description: String {
        switch self {
        case .none: return "none"
        case .applied: return "applied"
        case .refused: return "refused"
        case .rolledBack: return "rolled_back"
        }
    }
}

/// Feed states, as the feeder publishes them.
public enum FeedState: UInt64, Sendable, CustomStringConvertible {
    case down = 0
    case connecting = 1
    case live = 2
    case stalled = 3

    public var description: String {
        switch self {
        case .down: return "down"
        case .connecting: return "connecting"
        case .live: return "live"
        case .stalled: return "stalled"
        }
    }
}

/// Database state, as the feeder last saw it.
public enum DatabaseState: UInt64, Sendable, CustomStringConvertible {
    case notConfigured = 0
    case healthy = 1
    case unhealthy = 2
    case unknown = 3

    public var description: String {
        switch self {
        case .notConfigured: return "not_configured"
        case .healthy: return "healthy"
        case .unhealthy: return "unhealthy"
        case .unknown: return "unknown"
        }
    }
}
