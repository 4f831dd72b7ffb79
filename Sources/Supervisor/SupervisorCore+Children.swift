import Posix
import ShmRing

extension SupervisorCore {
    mutating func onExit(pid: Int32, status: ExitStatus, now: Int64) -> [SupervisorAction] {
        guard let slot = children.firstIndex(where: { $0.pid == pid && $0.state != .free }) else { return [] }
        let child = children[slot]
        let what = "\(child.kind) slot \(slot) pid \(pid) ended (\(status))"
        if child.respawnOnExit && phase == .running {
            children[slot] = ChildRecord(slot: slot, kind: child.kind, restarts: child.restarts)
            return [.log(.info, "\(what): starting it again with the new settings")] + launch(slot: slot, kind: child.kind)
        }
        if child.state == .stopping || phase != .running {
            children[slot] = ChildRecord(slot: slot, kind: slot == SupervisorPolicy.feederSlot ? .feeder : .none,
                                         restarts: child.restarts)
            return [.log(.info, what)] + exitIfDone()
        }
        if status == .exited(ExitCodes.fatal) && slot == SupervisorPolicy.feederSlot && feederOnTrial {
            return feederRefusedReload(pid: pid, now: now)
        }
        if status == .exited(ExitCodes.fatal) {
            children[slot] = ChildRecord(slot: slot, kind: child.kind, restarts: child.restarts)
            return [.log(.critical, "\(what): fatal, not restarting")] + beginStop(now: now, exitCode: ExitCodes.fatal, reason: "a child reported a fatal error")
        }
        let cause = child.killedForHang ? "hung (no heartbeat), killed" : "crashed"
        return [.log(.warning, "\(what): \(cause)")] + failed(slot: slot, now: now)
    }

    /// A child died or could not start: count it, check restart intensity, schedule a restart.
    mutating func failed(slot: Int, now: Int64) -> [SupervisorAction] {
        let kind = children[slot].kind
        var times = (restartTimes[kind] ?? []).filter { now - $0 < policy.intensityWindowNs }
        times.append(now)
        restartTimes[kind] = times
        if times.count > policy.maxRestarts {
            // The dead child's record goes first: left live, its reaped pid would hold up the exit
            // and get the deadline's KILL (by then perhaps another process's pid).
            children[slot] = ChildRecord(slot: slot, kind: kind, restarts: children[slot].restarts)
            return beginStop(now: now, exitCode: ExitCodes.failure,
                             reason: "\(kind) restarted \(times.count) times within \(policy.intensityWindowNs / 1_000_000_000) s")
        }
        var c = children[slot]
        let ranLong = c.startedNs > 0 && now - c.startedNs >= policy.stableAfterNs
        c.consecutiveFailures = ranLong ? 1 : c.consecutiveFailures + 1
        c.restarts += 1
        c.pid = 0
        c.state = .backoff
        let delay = policy.backoff(afterFailures: c.consecutiveFailures)
        c.backoffUntilNs = now + delay
        children[slot] = c
        return [.log(.info, "restarting \(kind) slot \(slot) in \(delay / 1_000_000) ms")]
    }

    mutating func onTick(now: Int64, heartbeats: [Int: UInt64]) -> [SupervisorAction] {
        var actions: [SupervisorAction] = []
        if case .stopping(let deadline, let code, let killSent) = phase {
            if now >= deadline && !killSent {
                phase = .stopping(deadlineNs: deadline, exitCode: code, killSent: true)
                for c in children where c.pid > 0 && c.state != .free {
                    actions.append(.log(.warning, "\(c.kind) pid \(c.pid) still running after the shutdown timeout: KILL"))
                    actions.append(.signal(pid: c.pid, .kill))
                }
            }
            return actions
        }
        guard phase == .running else { return [] }
        for c in children {
            switch c.state {
            case .backoff where now >= c.backoffUntilNs:
                children[c.slot].state = .starting
                children[c.slot].generation = c.kind == .worker ? generation : c.generation
                actions.append(.spawn(slot: c.slot, kind: c.kind, generation: children[c.slot].generation))
            case .starting, .running:
                actions += checkHeartbeat(slot: c.slot, beat: heartbeats[c.slot] ?? 0, now: now)
            case .stopping where c.stopDeadlineNs > 0 && now >= c.stopDeadlineNs && c.pid > 0:
                children[c.slot].stopDeadlineNs = 0
                actions.append(.log(.warning, "\(c.kind) pid \(c.pid) still running after the shutdown timeout: KILL"))
                actions.append(.signal(pid: c.pid, .kill))
            default:
                break
            }
        }
        endFeederTrial(now: now)
        return actions + retireOldGeneration(now: now)
    }

    /// A feeder on a reload's settings that beats and has run `reloadTrialNs` accepted them.
    private mutating func endFeederTrial(now: Int64) {
        let feeder = children[SupervisorPolicy.feederSlot]
        guard feederOnTrial, feeder.state == .running, now - feeder.startedNs >= policy.reloadTrialNs else { return }
        feederOnTrial = false
        feederTrialSettings = []
    }

    private mutating func checkHeartbeat(slot: Int, beat: UInt64, now: Int64) -> [SupervisorAction] {
        var c = children[slot]
        guard c.pid > 0, !c.killedForHang else { return [] }
        if beat != c.lastHeartbeat {
            c.lastHeartbeat = beat
            c.lastBeatChangeNs = now
            c.beaten = true
            c.state = .running
            children[slot] = c
            return []
        }
        let allowed = c.beaten ? c.heartbeatIntervalNs * policy.hangAfterBeats + c.heartbeatIntervalNs : policy.startupGraceNs
        guard now - c.lastBeatChangeNs > allowed else { return [] }
        children[slot].killedForHang = true
        return [.log(.warning, "\(c.kind) slot \(slot) pid \(c.pid) missed its heartbeats for \((now - c.lastBeatChangeNs) / 1_000_000) ms: KILL"),
                .signal(pid: c.pid, .kill)]
    }
}
