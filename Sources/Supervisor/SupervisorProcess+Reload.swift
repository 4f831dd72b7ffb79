import Posix
import Runtime
import ShmRing

extension SupervisorProcess {
    /// HUP: re-reads the configuration and hands it to the core; a configuration that does not
    /// parse changes nothing. When the feeder's settings change, the running configuration is
    /// kept aside until the new feeder beats, so a feeder refusing them can be undone.
    func reload() {
        let fresh: Config
        do {
            fresh = try Config.load()
        } catch {
            lastReload = .refused
            _ = execute(core.handle(.reloadFailed(reason: "\(error)", now: Clock.monotonicNanos())))
            return
        }
        if fresh.port != config.port || fresh.host != config.host || fresh.segmentName != config.segmentName || fresh.ringMB != config.ringMB {
            log.warning("PORT, HOST, SHM_NAME and RING_MB changes take effect only after a restart")
        }
        var next = fresh
        next.port = config.port
        next.host = config.host
        next.shmName = config.shmName
        next.ringMB = config.ringMB
        let previous = config
        let changed = next.feederChanges(from: previous)
        // A feeder still on trial has not accepted `previous` either: keep the one before it.
        if !changed.isEmpty && !core.feederOnTrial { rollback = previous }
        adopt(next)
        lastReload = .applied
        let now = Clock.monotonicNanos()
        _ = execute(core.handle(.reloaded(workers: next.workers, policy: Self.policy(next), now: now)))
        if !changed.isEmpty { _ = execute(core.handle(.restartFeeder(changed: changed, now: now))) }
    }

    /// The feeder refused the reloaded settings: the configuration before them runs again, for
    /// the supervisor, the feeder (started at the next tick) and, when they read any of the
    /// refused settings, new workers.
    func rollBack() {
        guard let previous = rollback else {
            log.error("no previous configuration to go back to")
            return
        }
        rollback = nil
        let refused = config
        let differs = previous.workerChanges(from: refused)
        adopt(previous)
        lastReload = .rolledBack
        _ = execute(core.handle(.rolledBack(workers: previous.workers, policy: Self.policy(previous),
                                            newWorkers: !differs.isEmpty, now: Clock.monotonicNanos())))
    }

    /// Makes `next` the running configuration: children start with it, and the supervisor's own
    /// log follows its level and file.
    private func adopt(_ next: Config) {
        let previous = config
        config = next
        log.level = next.logLevel
        if next.logFile != previous.logFile {
            log.info("log file moves", ["to": next.logFile ?? "stderr"])
            log.reopen(path: next.logFile)
            log.info("log file opened after a reload", ["from": previous.logFile ?? "stderr"])
        }
    }
}
