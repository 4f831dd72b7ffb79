import Posix
import ShmRing

extension SupervisorCore {
    /// HUP's new configuration: its numbers from now on, and a new generation of workers. A
    /// worker count scaled with TTIN/TTOU stays unless `WORKERS` itself changed.
    mutating func onReloaded(workers: Int, policy newPolicy: SupervisorPolicy, now: Int64) -> [SupervisorAction] {
        guard phase == .running else { return [] }
        policy = newPolicy
        generation += 1
        if workers != configuredWorkers {
            configuredWorkers = workers
            workersWanted = min(max(workers, 1), policy.maxWorkers)
        }
        reloadStartedNs = now
        var actions: [SupervisorAction] = [.log(.info, "reload: starting \(workersWanted) workers of generation \(generation)")]
        for _ in 0..<workersWanted { actions += launchWorkerForReload() }
        return actions
    }

    private mutating func launchWorkerForReload() -> [SupervisorAction] {
        guard let slot = children.firstIndex(where: { $0.slot != SupervisorPolicy.feederSlot && $0.state == .free }) else {
            return [.log(.error, "no free slot for a new worker")]
        }
        children[slot] = ChildRecord(slot: slot, kind: .worker)
        children[slot].state = .starting
        children[slot].generation = generation
        return [.spawn(slot: slot, kind: .worker, generation: generation)]
    }

    /// Old workers stop once every new one has beaten (or the grace ran out): no refused connection.
    mutating func retireOldGeneration(now: Int64) -> [SupervisorAction] {
        guard let started = reloadStartedNs else { return [] }
        let fresh = children.filter { $0.kind == .worker && $0.generation == generation && $0.state != .free }
        let ready = !fresh.isEmpty && fresh.allSatisfy { $0.state == .running }
        guard ready || now - started > policy.reloadGraceNs else { return [] }
        reloadStartedNs = nil
        var actions: [SupervisorAction] = [.log(.info, "reload: new workers ready, retiring generation \(generation - 1)")]
        for c in children where c.kind == .worker && c.generation < generation && c.state != .free && c.state != .stopping {
            actions += retire(slot: c.slot, now: now)
        }
        return actions
    }

    /// The feeder reads its settings once, at start: TERM now, and its exit starts it again with
    /// the new ones (clients see what a killed feeder looks like: a new epoch, gaps refilled from
    /// REST). A feeder not running takes them when it next starts anyway.
    mutating func restartFeeder(changed: [String], now: Int64) -> [SupervisorAction] {
        guard phase == .running else { return [] }
        let slot = SupervisorPolicy.feederSlot
        let feeder = children[slot]
        let what = "reload: feeder settings changed (\(changed.joined(separator: ", ")))"
        feederOnTrial = true
        feederTrialSettings = Array(Set(feederTrialSettings + changed)).sorted()
        guard feeder.pid > 0, feeder.state == .starting || feeder.state == .running else {
            return [.log(.info, "\(what); the feeder takes them when it next starts")]
        }
        children[slot].state = .stopping
        children[slot].respawnOnExit = true
        children[slot].stopDeadlineNs = now + policy.shutdownTimeoutNs
        return [.log(.info, "\(what): restarting the feeder"), .signal(pid: feeder.pid, .term)]
    }
}

extension SupervisorCore {
    /// The feeder started with a reload's settings exited with status 2 during its trial:
    /// it refused them (a value only it can judge). The reload is undone, not the server: the
    /// shell goes back to the previous configuration, and the feeder starts again with it at the
    /// next tick, not counted as a crash.
    mutating func feederRefusedReload(pid: Int32, now: Int64) -> [SupervisorAction] {
        let slot = SupervisorPolicy.feederSlot
        feederOnTrial = false
        var record = ChildRecord(slot: slot, kind: .feeder, restarts: children[slot].restarts)
        record.state = .backoff
        record.backoffUntilNs = now
        record.generation = children[slot].generation
        children[slot] = record
        let settings = feederTrialSettings.joined(separator: ", ")
        feederTrialSettings = []
        return [.log(.error, "reload refused by the feeder: pid \(pid) exited with status 2 (a configuration error, logged above) "
                     + "on the new \(settings); going back to the previous configuration"), .rollBackReload]
    }

    /// The shell is back on the configuration before the refused reload: its numbers again, and
    /// workers of a new generation when those started since run other settings (SYMBOLS,
    /// INTERVALS… must agree with the feeder's) or `WORKERS` itself changes back.
    mutating func onRolledBack(workers: Int, policy previous: SupervisorPolicy, newWorkers: Bool, now: Int64) -> [SupervisorAction] {
        guard phase == .running else { return [] }
        guard newWorkers || workers != configuredWorkers else {
            policy = previous
            return [.log(.info, "reload rolled back: the workers keep running (they read none of the refused settings)")]
        }
        return onReloaded(workers: workers, policy: previous, now: now)
    }
}
