import Posix
import ShmRing

/// The supervisor's numbers: heartbeats, backoff, restart intensity, shutdown.
public struct SupervisorPolicy: Sendable, Equatable {
    /// How often children beat; a child silent for `hangAfterBeats` intervals is hung.
    public var heartbeatIntervalNs: Int64 = 250_000_000
    public var hangAfterBeats: Int64 = 2
    /// A child gets this long after start before its first beat is due.
    public var startupGraceNs: Int64 = 5_000_000_000
    /// Restart backoff: 100 ms doubling, capped.
    public var backoffBaseNs: Int64 = 100_000_000
    public var backoffCapNs: Int64 = 5_000_000_000
    /// A child that ran this long resets its backoff.
    public var stableAfterNs: Int64 = 10_000_000_000
    /// Restart intensity: more than `maxRestarts` of one kind within `intensityWindowNs` is a crash loop.
    public var maxRestarts: Int = 30
    public var intensityWindowNs: Int64 = 60_000_000_000
    /// Graceful stop: TERM, then KILL after this long.
    public var shutdownTimeoutNs: Int64 = 10_000_000_000
    /// On reload, old workers are retired once the new ones beat, or after this long.
    public var reloadGraceNs: Int64 = 10_000_000_000
    public var maxWorkers: Int = 16
    /// A feeder started with a reload's new settings that exits with status 2 before it has
    /// beaten and run this long refused them: the reload is rolled back instead of the server
    /// stopping (a replay file without trades is found out only after the first beat).
    public var reloadTrialNs: Int64 = 3_000_000_000

    public init() {}

    /// Slot 0 holds the feeder; workers take slots 1…`Layout.Control.slotCount - 1`.
    public static let feederSlot = 0

    public func backoff(afterFailures n: Int) -> Int64 {
        let shift = min(max(n - 1, 0), 20)
        return min(backoffBaseNs << Int64(shift), backoffCapNs)
    }
}

/// What happens to the supervisor: signals, child exits, clock ticks, spawn results.
public enum SupervisorEvent: Equatable, Sendable {
    case start(now: Int64)
    case signal(Signal, now: Int64)
    case childExited(pid: Int32, status: ExitStatus, now: Int64)
    /// `heartbeats[slot]` is the slot's heartbeat counter read from the control block.
    case tick(now: Int64, heartbeats: [Int: UInt64])
    case spawned(slot: Int, pid: Int32, now: Int64)
    case spawnFailed(slot: Int, reason: String, now: Int64)
    /// The configuration was re-read after HUP: `workers` is its `WORKERS`, `policy` its numbers.
    case reloaded(workers: Int, policy: SupervisorPolicy, now: Int64)
    case reloadFailed(reason: String, now: Int64)
    /// A reload changed variables the feeder reads (`changed` names them, never their values):
    /// it is stopped and started again at once with them.
    case restartFeeder(changed: [String], now: Int64)
    /// The shell went back to the configuration before a reload the feeder refused:
    /// `workers` and `policy` are that configuration's, `newWorkers` whether the workers started
    /// since run with settings that differ from it (they are replaced, as on a reload).
    case rolledBack(workers: Int, policy: SupervisorPolicy, newWorkers: Bool, now: Int64)
}

/// What the supervisor's shell must do.
public enum SupervisorAction: Equatable, Sendable {
    case spawn(slot: Int, kind: ChildKind, generation: UInt64)
    case signal(pid: Int32, Signal)
    case reloadConfig
    /// The feeder refused a reload's settings: go back to the configuration before that reload
    /// (and answer with `.rolledBack`). The feeder starts again at the next tick.
    case rollBackReload
    case reopenLogs
    case log(LogSeverity, String)
    case exit(Int32)
}

/// The supervisor core's own severity, so the core does not depend on the logger.
public enum LogSeverity: Sendable, Equatable { case debug, info, warning, error, critical }
