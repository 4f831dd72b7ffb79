import Posix
import ShmRing

/// One child as the supervisor tracks it.
public struct ChildRecord: Equatable, Sendable {
    public var slot: Int
    public var kind: ChildKind
    public var state: SlotState = .free
    public var pid: Int32 = 0
    public var generation: UInt64 = 0
    public var restarts: UInt64 = 0
    public var consecutiveFailures = 0
    public var startedNs: Int64 = 0
    public var backoffUntilNs: Int64 = 0
    public var lastHeartbeat: UInt64 = 0
    public var lastBeatChangeNs: Int64 = 0
    public var beaten = false
    public var killedForHang = false
    /// The heartbeat interval in force when it started: a reload that shortens the interval does
    /// not make an older child, still beating at its own pace, look hung.
    public var heartbeatIntervalNs: Int64 = 0
    /// Stopped on purpose to start again at once (the feeder after a reload changed its
    /// settings): its exit respawns it, not counted as a crash and without backoff.
    public var respawnOnExit = false
    /// When a child stopped on purpose while the server runs gets KILL; 0: none, or sent.
    public var stopDeadlineNs: Int64 = 0
}

/// The supervisor as a pure state machine (nginx's master in Swift's clothes): each event
/// goes in, the actions for the shell come out. Time arrives with the events.
public struct SupervisorCore: Sendable {
    public enum Phase: Equatable, Sendable {
        case running
        case stopping(deadlineNs: Int64, exitCode: Int32, killSent: Bool)
        case exited(Int32)
    }

    public internal(set) var policy: SupervisorPolicy
    public internal(set) var phase: Phase = .running
    public internal(set) var children: [ChildRecord]
    public internal(set) var workersWanted: Int
    /// `WORKERS` as last configured: a reload that leaves it alone keeps a TTIN/TTOU count.
    public internal(set) var configuredWorkers: Int
    public internal(set) var generation: UInt64 = 1
    /// When a reload began, while old workers wait for the new ones.
    public internal(set) var reloadStartedNs: Int64? = nil
    public internal(set) var restartTimes: [ChildKind: [Int64]] = [:]
    /// The feeder's next or current life runs a reload's new settings and has not yet beaten
    /// and run `policy.reloadTrialNs`: an exit with status 2 meanwhile is the feeder refusing
    /// them (the reload is rolled back), not a fatal error.
    public internal(set) var feederOnTrial = false
    /// The names of the settings that feeder is on trial with (for the log).
    var feederTrialSettings: [String] = []

    public init(policy: SupervisorPolicy, workers: Int) {
        self.policy = policy
        self.workersWanted = workers
        self.configuredWorkers = workers
        self.children = (0..<Layout.Control.slotCount).map {
            ChildRecord(slot: $0, kind: $0 == SupervisorPolicy.feederSlot ? .feeder : .none)
        }
    }

    public mutating func handle(_ event: SupervisorEvent) -> [SupervisorAction] {
        switch event {
        case .start(let now): return start(now: now)
        case .signal(let s, let now): return onSignal(s, now: now)
        case .childExited(let pid, let status, let now): return onExit(pid: pid, status: status, now: now)
        case .tick(let now, let beats): return onTick(now: now, heartbeats: beats)
        case .spawned(let slot, let pid, let now):
            children[slot].pid = pid
            children[slot].state = .starting
            children[slot].startedNs = now
            children[slot].lastBeatChangeNs = now
            children[slot].beaten = false
            children[slot].killedForHang = false
            children[slot].heartbeatIntervalNs = policy.heartbeatIntervalNs
            return []
        case .spawnFailed(let slot, let reason, let now):
            return [.log(.error, "cannot start \(children[slot].kind) in slot \(slot): \(reason)")] + failed(slot: slot, now: now)
        case .reloaded(let n, let p, let now): return onReloaded(workers: n, policy: p, now: now)
        case .reloadFailed(let reason, _):
            return [.log(.error, "reload refused, keeping the running configuration: \(reason)")]
        case .restartFeeder(let changed, let now): return restartFeeder(changed: changed, now: now)
        case .rolledBack(let n, let p, let newWorkers, let now): return onRolledBack(workers: n, policy: p, newWorkers: newWorkers, now: now)
        }
    }

    /// Live workers of the current generation, not being retired.
    public var activeWorkers: [ChildRecord] {
        children.filter { $0.kind == .worker && $0.state != .free && $0.state != .stopping && $0.generation == generation }
    }

    private mutating func start(now: Int64) -> [SupervisorAction] {
        var actions: [SupervisorAction] = [.log(.info, "starting feeder and \(workersWanted) workers")]
        actions += launch(slot: SupervisorPolicy.feederSlot, kind: .feeder)
        for _ in 0..<workersWanted { actions += launchWorker() }
        return actions
    }

    mutating func launch(slot: Int, kind: ChildKind) -> [SupervisorAction] {
        children[slot].kind = kind
        children[slot].state = .starting
        children[slot].generation = generation
        return [.spawn(slot: slot, kind: kind, generation: generation)]
    }

    private mutating func launchWorker() -> [SupervisorAction] {
        guard let slot = children.firstIndex(where: { $0.slot != SupervisorPolicy.feederSlot && $0.state == .free }) else {
            return [.log(.error, "no free slot for another worker")]
        }
        children[slot] = ChildRecord(slot: slot, kind: .worker)
        return launch(slot: slot, kind: .worker)
    }

    private mutating func onSignal(_ s: Signal, now: Int64) -> [SupervisorAction] {
        guard phase == .running else {
            return s == .term || s == .int || s == .quit ? [.log(.info, "already stopping")] : []
        }
        switch s {
        case .term, .int, .quit:
            return beginStop(now: now, exitCode: ExitCodes.ok, reason: "\(s) received")
        case .hup:
            return [.log(.info, "HUP: reloading configuration"), .reloadConfig]
        case .usr1:
            return [.reopenLogs] + liveChildren.map { .signal(pid: $0.pid, .usr1) }
        case .ttin:
            guard workersWanted < policy.maxWorkers else { return [.log(.warning, "TTIN: already at \(policy.maxWorkers) workers")] }
            workersWanted += 1
            return [.log(.info, "TTIN: workers \(workersWanted - 1) → \(workersWanted)")] + launchWorker()
        case .ttou:
            guard workersWanted > 1, let victim = activeWorkers.max(by: { $0.slot < $1.slot }) else {
                return [.log(.warning, "TTOU: keeping the last worker")]
            }
            workersWanted -= 1
            return [.log(.info, "TTOU: workers \(workersWanted + 1) → \(workersWanted)")] + retire(slot: victim.slot, now: now)
        default:
            return []
        }
    }

    private var liveChildren: [ChildRecord] { children.filter { $0.pid > 0 && $0.state != .free } }

    /// TERM to a worker the server no longer wants (TTOU, a reload's old generation), and KILL
    /// after the shutdown timeout if it is still there: a hung one must not hold its
    /// connections, or its slot, for ever.
    mutating func retire(slot: Int, now: Int64) -> [SupervisorAction] {
        let child = children[slot]
        guard child.pid > 0 else {
            children[slot] = ChildRecord(slot: slot, kind: .none)
            return []
        }
        children[slot].state = .stopping
        children[slot].stopDeadlineNs = now + policy.shutdownTimeoutNs
        return [.signal(pid: child.pid, .term)]
    }

    mutating func beginStop(now: Int64, exitCode: Int32, reason: String) -> [SupervisorAction] {
        phase = .stopping(deadlineNs: now + policy.shutdownTimeoutNs, exitCode: exitCode, killSent: false)
        var actions: [SupervisorAction] = [.log(exitCode == 0 ? .info : .critical, "stopping: \(reason)")]
        for c in children where c.state != .free {
            if c.pid > 0 {
                children[c.slot].state = .stopping
                actions.append(.signal(pid: c.pid, .term))
            } else {
                children[c.slot].state = .free
            }
        }
        return actions + exitIfDone()
    }

    mutating func exitIfDone() -> [SupervisorAction] {
        guard case .stopping(_, let code, _) = phase, liveChildren.isEmpty else { return [] }
        phase = .exited(code)
        return [.exit(code)]
    }
}

/// Exit codes the core decides on (mirrors Runtime's ExitCode, which the core does not import).
public enum ExitCodes {
    public static let ok: Int32 = 0
    public static let failure: Int32 = 1
    public static let fatal: Int32 = 2
}
