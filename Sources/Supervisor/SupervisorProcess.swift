import Glibc
import Posix
import Runtime
import ShmRing

/// The supervisor's I/O shell: owns the segment, the listening socket and the eventfds,
/// reads signals from a signalfd, and carries out what `SupervisorCore` decides.
public final class SupervisorProcess {
    var config: Config
    let log: Logger
    var core: SupervisorCore
    var segment: Segment?
    var segmentFD: Int32 = -1
    var listenFD: Int32 = -1
    var wakeFDs: [Int32] = []
    var signalFD: Int32 = -1
    /// The configuration to go back to if the feeder refuses the settings of the reloads since
    /// (`rollBackReload`): the one before the first reload whose feeder has not beaten yet.
    var rollback: Config?
    /// How the last reload ended, for status.
    var lastReload = ReloadOutcome.none
    /// Set when the core says to exit; nested executions (spawn results) may set it too.
    var pendingExit: Int32?
    let executable = Spawn.selfExecutable
    static let handledSignals: [Signal] = [.term, .int, .quit, .hup, .usr1, .usr2, .ttin, .ttou, .chld]

    public init(config: Config, logger: Logger) {
        self.config = config
        self.log = logger
        core = SupervisorCore(policy: Self.policy(config), workers: config.workers)
    }

    /// The core's numbers from a configuration, at start and on every reload.
    static func policy(_ config: Config) -> SupervisorPolicy {
        var policy = SupervisorPolicy()
        policy.heartbeatIntervalNs = Int64(config.heartbeatIntervalMs) * 1_000_000
        policy.shutdownTimeoutNs = Int64(config.shutdownTimeoutSeconds * 1e9)
        policy.maxWorkers = Config.maxWorkers
        return policy
    }

    /// Runs until stopped; returns the process's exit code.
    public func run() -> Int32 {
        Signals.block(Self.handledSignals)
        Signals.ignorePipe()
        do {
            try acquireResources()
        } catch {
            log.critical("cannot start: \(error)")
            releaseResources()
            return ProcessExit.fatal
        }
        log.info("supervisor ready", ["listen": "\(config.host):\(config.port)", "segment": config.segmentName,
                                      "workers": "\(config.workers)", "ring_mb": "\(config.ringMB)"])
        var code = execute(core.handle(.start(now: Clock.monotonicNanos())))
        while code == nil {
            code = turn()
        }
        releaseResources()
        log.info("supervisor stopped", ["exit": "\(code!)"])
        return code!
    }

    /// One loop turn: wait for a signal or the next tick, then feed the core.
    private func turn() -> Int32? {
        let tickMs = Int32(max(10, min(100, config.heartbeatIntervalMs / 2)))
        _ = EventFD.wait(signalFD, timeoutMillis: tickMs)
        let now = Clock.monotonicNanos()
        for s in Signals.readPending(signalFD) {
            if s == .chld {
                while let (pid, status) = Wait.reapAny() {
                    if let code = reaped(pid, status, now: now) { return code }
                }
            } else if s == .usr2 {
                log.warning("USR2 (binary upgrade) is not supported yet; ignored")
            } else {
                log.debug("signal", ["signal": "\(s)"])
                if let code = execute(core.handle(.signal(s, now: now))) { return code }
            }
        }
        // A CHLD can coalesce with another; reap anything left.
        while let (pid, status) = Wait.reapAny() {
            if let code = reaped(pid, status, now: now) { return code }
        }
        return execute(core.handle(.tick(now: now, heartbeats: heartbeats())))
    }

    /// A child is gone. A dead feeder's connection lines and feed state would go on saying
    /// "live" until the next feeder rewrote them: they say what is true meanwhile.
    private func reaped(_ pid: Int32, _ status: ExitStatus, now: Int64) -> Int32? {
        if let control = segment?.control, control.slot(SupervisorPolicy.feederSlot).pid == pid {
            FeedReport.markFeederGone(control)
        }
        return execute(core.handle(.childExited(pid: pid, status: status, now: now)))
    }

    private func heartbeats() -> [Int: UInt64] {
        guard let seg = segment else { return [:] }
        var beats: [Int: UInt64] = [:]
        for c in core.children where c.state != .free && c.pid > 0 {
            beats[c.slot] = seg.control.slot(c.slot).heartbeat
        }
        return beats
    }

    /// Carries out actions; returns an exit code when the core says to exit.
    func execute(_ actions: [SupervisorAction]) -> Int32? {
        for action in actions {
            switch action {
            case .spawn(let slot, let kind, let generation):
                spawn(slot: slot, kind: kind, generation: generation)
            case .signal(let pid, let sig):
                if !sig.send(to: pid) { log.debug("signal to a gone process", ["pid": "\(pid)", "signal": "\(sig)"]) }
            case .reloadConfig:
                reload()
            case .rollBackReload:
                rollBack()
            case .reopenLogs:
                log.reopen()
                log.info("log file reopened")
            case .log(let severity, let message):
                log.log(severity.level, message)
            case .exit(let code):
                pendingExit = code
            }
        }
        publishTable()
        return pendingExit
    }
}

extension LogSeverity {
    var level: LogLevel {
        switch self {
        case .debug: return .debug
        case .info: return .info
        case .warning: return .warning
        case .error: return .error
        case .critical: return .critical
        }
    }
}
