import Posix
import ShmRing
import Testing
@testable import Supervisor

/// A reload whose new feeder refuses its settings (exit status 2 during its trial) is undone;
/// the server keeps running.
@Suite("Supervisor core: a reload the feeder refuses")
struct ReloadRollbackTests {
    /// A server with one worker, reloaded with new feeder settings; the old feeder has exited
    /// and the new one is starting.
    func reloadedWithNewFeeder(changed: [String] = ["REPLAY_FILE"]) -> Harness {
        var h = Harness(workers: 1)
        _ = h.send(.start(now: h.now))
        _ = h.beatAll()
        _ = h.send(.reloaded(workers: 1, policy: SupervisorPolicy(), now: h.now))
        _ = h.send(.restartFeeder(changed: changed, now: h.now))
        _ = h.send(.childExited(pid: h.pids[0]!, status: .exited(0), now: h.now))
        return h
    }

    func messages(_ a: [SupervisorAction]) -> [String] {
        a.compactMap { if case .log(_, let m) = $0 { return m } else { return nil } }
    }

    @Test("the new feeder exiting 2 during its trial rolls the reload back and starts the feeder again; nothing stops")
    func rollBack() {
        var h = reloadedWithNewFeeder()
        #expect(h.core.feederOnTrial)
        let refused = h.pids[0]!
        let a = h.send(.childExited(pid: refused, status: .exited(2), now: h.now))
        #expect(a.contains(.rollBackReload))
        #expect(h.signals(a).isEmpty && h.exitCode(a) == nil && h.core.phase == .running)
        #expect(messages(a).filter { $0.contains("reload refused by the feeder") }.count == 1, "\(a)")
        #expect(messages(a).contains { $0.contains("REPLAY_FILE") && $0.contains("going back to the previous configuration") })
        #expect(!h.core.feederOnTrial)
        // The shell has gone back meanwhile; the feeder starts at the next tick, not counted as a crash.
        _ = h.send(.rolledBack(workers: 1, policy: SupervisorPolicy(), newWorkers: false, now: h.now))
        #expect(h.spawns(h.tick()) == [0])
        #expect(h.core.children[0].restarts == 0 && (h.core.restartTimes[.feeder] ?? []).isEmpty)
    }

    @Test("the feeder started again after a rollback that exits 2 is fatal, as at first start")
    func previousRefusedToo() {
        var h = reloadedWithNewFeeder()
        _ = h.send(.childExited(pid: h.pids[0]!, status: .exited(2), now: h.now))
        _ = h.send(.rolledBack(workers: 1, policy: SupervisorPolicy(), newWorkers: false, now: h.now))
        _ = h.tick()
        let a = h.send(.childExited(pid: h.pids[0]!, status: .exited(2), now: h.now))
        #expect(!a.contains(.rollBackReload))
        #expect(!h.signals(a).isEmpty && h.signals(a).allSatisfy { $0.1 == .term })
        #expect(h.core.phase != .running)
    }

    @Test("a new feeder that beats and has run the trial time accepted its settings: a later exit 2 is fatal")
    func acceptedAfterTrial() {
        var h = reloadedWithNewFeeder()
        _ = h.beatAll()
        h.advance(ms: h.core.policy.reloadTrialNs / 1_000_000 - 1)
        _ = h.beatAll()
        #expect(h.core.feederOnTrial, "beating alone is not enough: a replay file without trades fails after the first beat")
        h.advance(ms: 1)
        _ = h.beatAll()
        #expect(!h.core.feederOnTrial)
        let a = h.send(.childExited(pid: h.pids[0]!, status: .exited(2), now: h.now))
        #expect(!a.contains(.rollBackReload) && h.core.phase != .running)
    }

    @Test("a reload that leaves the feeder alone never rolls back: a feeder exiting 2 is fatal")
    func noTrialWithoutFeederChange() {
        var h = Harness(workers: 1)
        _ = h.send(.start(now: h.now))
        _ = h.send(.reloaded(workers: 1, policy: SupervisorPolicy(), now: h.now))
        let a = h.send(.childExited(pid: h.pids[0]!, status: .exited(2), now: h.now))
        #expect(!a.contains(.rollBackReload) && h.core.phase != .running)
    }

    @Test("a feeder that crashed in its trial is restarted as a crash and stays on trial")
    func crashOnTrial() {
        var h = reloadedWithNewFeeder()
        let a = h.send(.childExited(pid: h.pids[0]!, status: .signaled(11), now: h.now))
        #expect(!a.contains(.rollBackReload) && h.core.feederOnTrial)
        h.advance(ms: 100)
        _ = h.tick()
        #expect(h.send(.childExited(pid: h.pids[0]!, status: .exited(2), now: h.now)).contains(.rollBackReload))
    }

    @Test("workers started with the refused settings are replaced by a new generation; otherwise they stay")
    func workersFollow() {
        var h = reloadedWithNewFeeder(changed: ["INTERVALS"])
        // The reload's worker beats and the old generation retires; the new feeder has not beaten.
        for c in h.core.children where c.kind == .worker && c.pid > 0 { h.beats[c.slot, default: 0] += 1 }
        _ = h.tick()
        #expect(h.core.feederOnTrial)
        let generation = h.core.generation
        _ = h.send(.childExited(pid: h.pids[0]!, status: .exited(2), now: h.now))
        let a = h.send(.rolledBack(workers: 1, policy: SupervisorPolicy(), newWorkers: true, now: h.now))
        #expect(h.core.generation == generation + 1)
        #expect(h.spawns(a).count == 1, "one worker of the rolled-back generation")

        var k = reloadedWithNewFeeder()
        let kept = k.core.generation
        _ = k.send(.childExited(pid: k.pids[0]!, status: .exited(2), now: k.now))
        var policy = SupervisorPolicy()
        policy.shutdownTimeoutNs = 3_000_000_000
        let b = k.send(.rolledBack(workers: 1, policy: policy, newWorkers: false, now: k.now))
        #expect(k.spawns(b).isEmpty && k.core.generation == kept)
        #expect(k.core.policy.shutdownTimeoutNs == 3_000_000_000, "the supervisor's own numbers go back too")
    }
}
