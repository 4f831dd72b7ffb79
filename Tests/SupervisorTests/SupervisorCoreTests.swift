import Posix
import ShmRing
import Testing
@testable import Supervisor

/// Drives the pure core with events and reads its actions: no processes, no clock.
struct Harness {
    var core: SupervisorCore
    var now: Int64 = 1_000_000_000
    var nextPid: Int32 = 100
    var pids: [Int: Int32] = [:]
    var beats: [Int: UInt64] = [:]

    init(workers: Int = 2, policy: SupervisorPolicy = SupervisorPolicy()) {
        core = SupervisorCore(policy: policy, workers: workers)
    }

    /// Feeds an event and answers every spawn the way the shell would.
    mutating func send(_ e: SupervisorEvent) -> [SupervisorAction] {
        var actions = core.handle(e)
        var i = 0
        while i < actions.count {
            if case .spawn(let slot, _, _) = actions[i] {
                nextPid += 1
                pids[slot] = nextPid
                actions += core.handle(.spawned(slot: slot, pid: nextPid, now: now))
            }
            i += 1
        }
        return actions
    }

    mutating func advance(ms: Int64) { now += ms * 1_000_000 }

    /// The child in `slot` crashes `times` times, `everyMs` apart (a tick after each): the
    /// actions answering the last crash, and the pid that crashed last.
    mutating func crashLoop(slot: Int, times: Int, everyMs: Int64) -> (actions: [SupervisorAction], dead: Int32) {
        var last: (actions: [SupervisorAction], dead: Int32) = ([], 0)
        for _ in 0..<times {
            let dead = pids[slot]!
            last = (send(.childExited(pid: dead, status: .signaled(11), now: now)), dead)
            advance(ms: everyMs)
            _ = tick()
        }
        return last
    }

    mutating func tick() -> [SupervisorAction] { send(.tick(now: now, heartbeats: beats)) }

    /// Every live child beats once, then a tick.
    mutating func beatAll() -> [SupervisorAction] {
        for c in core.children where c.pid > 0 { beats[c.slot, default: 0] += 1 }
        return tick()
    }

    func spawns(_ a: [SupervisorAction]) -> [Int] {
        a.compactMap { if case .spawn(let s, _, _) = $0 { return s } else { return nil } }
    }

    func signals(_ a: [SupervisorAction]) -> [(Int32, Signal)] {
        a.compactMap { if case .signal(let p, let s) = $0 { return (p, s) } else { return nil } }
    }

    func exitCode(_ a: [SupervisorAction]) -> Int32? {
        a.compactMap { if case .exit(let c) = $0 { return c } else { return nil } }.first
    }
}

@Suite("Supervisor core")
struct SupervisorCoreTests {
    @Test("start launches the feeder in slot 0 and the workers after it")
    func start() {
        var h = Harness(workers: 3)
        let a = h.send(.start(now: h.now))
        #expect(h.spawns(a) == [0, 1, 2, 3])
        #expect(h.core.children[0].kind == .feeder)
        #expect(h.core.activeWorkers.count == 3)
    }

    @Test("a crashed worker is restarted after a 100 ms backoff that doubles on repeated failures")
    func restartBackoff() {
        var h = Harness()
        _ = h.send(.start(now: h.now))
        let pid = h.pids[1]!
        _ = h.send(.childExited(pid: pid, status: .signaled(9), now: h.now))
        #expect(h.core.children[1].state == .backoff)
        h.advance(ms: 50)
        #expect(h.spawns(h.tick()).isEmpty)
        h.advance(ms: 60)
        #expect(h.spawns(h.tick()) == [1])
        #expect(h.core.children[1].restarts == 1)
        _ = h.send(.childExited(pid: h.pids[1]!, status: .exited(1), now: h.now))
        h.advance(ms: 150)
        #expect(h.spawns(h.tick()).isEmpty, "second failure waits 200 ms")
        h.advance(ms: 60)
        #expect(h.spawns(h.tick()) == [1])
    }

    @Test("exit code 2 from a child is fatal: everything stops with exit 2, nothing restarts")
    func fatal() {
        var h = Harness(workers: 1)
        _ = h.send(.start(now: h.now))
        let a = h.send(.childExited(pid: h.pids[0]!, status: .exited(2), now: h.now))
        #expect(h.signals(a).map(\.1) == [.term])
        let b = h.send(.childExited(pid: h.pids[1]!, status: .exited(0), now: h.now))
        #expect(h.exitCode(b) == 2)
        h.advance(ms: 1000)
        #expect(h.spawns(h.tick()).isEmpty)
    }

    @Test("too many restarts within the window stop the server")
    func intensity() {
        var p = SupervisorPolicy()
        p.maxRestarts = 3
        var h = Harness(workers: 1, policy: p)
        _ = h.send(.start(now: h.now))
        let last = h.crashLoop(slot: 1, times: 4, everyMs: 6000).actions
        #expect(last.contains { if case .log(.critical, let m) = $0 { return m.contains("restarted") } else { return false } })
        if case .stopping(_, let code, _) = h.core.phase { #expect(code == 1) } else { Issue.record("not stopping: \(h.core.phase)") }
    }

    @Test("the restart-intensity stop never signals the dead child and exits 1 once the others are gone")
    func intensityStopExits() {
        var p = SupervisorPolicy()
        p.maxRestarts = 2
        var h = Harness(workers: 2, policy: p)
        _ = h.send(.start(now: h.now))
        let (stop, dead) = h.crashLoop(slot: 1, times: 3, everyMs: 1000)
        #expect(h.signals(stop).map(\.0).sorted() == [h.pids[0]!, h.pids[2]!])
        #expect(!h.signals(stop).contains { $0.0 == dead })
        h.advance(ms: 10_001)
        #expect(!h.signals(h.tick()).contains { $0.0 == dead }, "no KILL to a reaped pid")
        _ = h.send(.childExited(pid: h.pids[0]!, status: .signaled(9), now: h.now))
        let done = h.send(.childExited(pid: h.pids[2]!, status: .signaled(9), now: h.now))
        #expect(h.exitCode(done) == 1)
    }

    @Test("a child that stops beating is killed, then restarted")
    func hang() {
        var h = Harness(workers: 1)
        _ = h.send(.start(now: h.now))
        h.advance(ms: 250)
        _ = h.beatAll()
        #expect(h.core.children[1].state == .running)
        h.advance(ms: 500)
        #expect(h.signals(h.tick()).isEmpty, "two intervals of silence are still allowed")
        h.advance(ms: 300)
        let a = h.send(.tick(now: h.now, heartbeats: [0: h.beats[0]! + 1, 1: h.beats[1]!]))
        #expect(h.signals(a).map(\.1) == [.kill])
        #expect(h.signals(a).map(\.0) == [h.pids[1]!])
        let b = h.send(.childExited(pid: h.pids[1]!, status: .signaled(9), now: h.now))
        #expect(b.contains { if case .log(_, let m) = $0 { return m.contains("hung") } else { return false } })
        h.advance(ms: 100)
        #expect(h.spawns(h.tick()) == [1])
    }

    @Test("a child that never beats is killed after the startup grace")
    func startupGrace() {
        var h = Harness(workers: 1)
        _ = h.send(.start(now: h.now))
        h.advance(ms: 4900)
        #expect(h.signals(h.tick()).isEmpty)
        h.advance(ms: 200)
        #expect(h.signals(h.tick()).count == 2)
    }

    @Test("TERM stops every child and exits 0 when the last one is reaped; KILL after the timeout")
    func gracefulStop() {
        var h = Harness(workers: 2)
        _ = h.send(.start(now: h.now))
        let a = h.send(.signal(.term, now: h.now))
        #expect(Set(h.signals(a).map(\.0)) == Set(h.pids.values))
        _ = h.send(.childExited(pid: h.pids[0]!, status: .exited(0), now: h.now))
        _ = h.send(.childExited(pid: h.pids[1]!, status: .exited(0), now: h.now))
        h.advance(ms: 10_001)
        let k = h.tick()
        #expect(h.signals(k).map(\.1) == [.kill])
        let done = h.send(.childExited(pid: h.pids[2]!, status: .signaled(9), now: h.now))
        #expect(h.exitCode(done) == 0)
        #expect(h.spawns(done).isEmpty)
    }

    @Test("TTIN adds a worker and TTOU retires the newest one without restarting it")
    func scaling() {
        var h = Harness(workers: 2)
        _ = h.send(.start(now: h.now))
        #expect(h.spawns(h.send(.signal(.ttin, now: h.now))) == [3])
        #expect(h.core.workersWanted == 3)
        let a = h.send(.signal(.ttou, now: h.now))
        #expect(h.signals(a).map(\.0) == [h.pids[3]!])
        _ = h.send(.childExited(pid: h.pids[3]!, status: .exited(0), now: h.now))
        h.advance(ms: 1000)
        #expect(h.spawns(h.tick()).isEmpty)
        #expect(h.core.activeWorkers.count == 2)
    }

    @Test("a retired worker that ignores TERM (TTOU, or a reload's old generation) is KILLed after the shutdown timeout, once")
    func retiredHung() {
        var h = Harness(workers: 2)
        _ = h.send(.start(now: h.now))
        let victim = h.pids[2]!
        #expect(h.signals(h.send(.signal(.ttou, now: h.now))).map(\.1) == [.term])
        h.advance(ms: Int64(h.core.policy.shutdownTimeoutNs / 1_000_000) - 100)
        #expect(h.signals(h.beatAll()).isEmpty, "still inside its shutdown time")
        h.advance(ms: 200)
        let late = h.signals(h.beatAll())
        #expect(late.map(\.0) == [victim] && late.map(\.1) == [.kill])
        h.advance(ms: 1000)
        #expect(h.signals(h.beatAll()).isEmpty, "KILL goes once")
        _ = h.send(.childExited(pid: victim, status: .signaled(9), now: h.now))
        #expect(h.core.activeWorkers.count == 1 && h.spawns(h.tick()).isEmpty)
    }

    @Test("TTOU keeps the last worker")
    func lastWorker() {
        var h = Harness(workers: 1)
        _ = h.send(.start(now: h.now))
        #expect(h.signals(h.send(.signal(.ttou, now: h.now))).isEmpty)
        #expect(h.core.workersWanted == 1)
    }

    @Test("reload starts new workers first and retires the old ones only once the new ones beat")
    func reload() {
        var h = Harness(workers: 2)
        _ = h.send(.start(now: h.now))
        h.advance(ms: 100)
        _ = h.beatAll()
        let old = [h.pids[1]!, h.pids[2]!]
        let a = h.send(.signal(.hup, now: h.now))
        #expect(a.contains(.reloadConfig))
        let b = h.send(.reloaded(workers: 2, policy: h.core.policy, now: h.now))
        #expect(h.spawns(b) == [3, 4])
        #expect(h.signals(h.tick()).isEmpty, "old workers keep serving until the new ones beat")
        h.advance(ms: 100)
        let c = h.beatAll()
        #expect(Set(h.signals(c).map(\.0)) == Set(old))
        #expect(h.signals(c).allSatisfy { $0.1 == .term })
        for p in old { _ = h.send(.childExited(pid: p, status: .exited(0), now: h.now)) }
        h.advance(ms: 1000)
        #expect(h.spawns(h.tick()).isEmpty)
        #expect(h.core.activeWorkers.map(\.slot) == [3, 4])
    }

    @Test("a reload keeps a TTIN/TTOU-scaled worker count unless WORKERS itself changed")
    func reloadKeepsScaledCount() {
        var h = Harness(workers: 2)
        _ = h.send(.start(now: h.now))
        _ = h.send(.signal(.ttin, now: h.now))
        let same = h.send(.reloaded(workers: 2, policy: h.core.policy, now: h.now))
        #expect(h.core.workersWanted == 3)
        #expect(h.spawns(same).count == 3)
        let changed = h.send(.reloaded(workers: 4, policy: h.core.policy, now: h.now))
        #expect(h.core.workersWanted == 4)
        #expect(h.spawns(changed).count == 4)
    }

    @Test("a reload's shutdown timeout is the one the next stop waits before KILL")
    func reloadPolicy() {
        var h = Harness(workers: 1)
        _ = h.send(.start(now: h.now))
        var p = h.core.policy
        p.shutdownTimeoutNs = 2_000_000_000
        _ = h.send(.reloaded(workers: 1, policy: p, now: h.now))
        _ = h.send(.signal(.term, now: h.now))
        h.advance(ms: 2001)
        #expect(h.signals(h.tick()).map(\.1).contains(.kill))
    }

    @Test("a reload that shortens the heartbeat interval judges older children by the one they started with")
    func reloadHeartbeat() {
        var h = Harness(workers: 1)
        _ = h.send(.start(now: h.now))
        h.advance(ms: 250)
        _ = h.beatAll()
        var p = h.core.policy
        p.heartbeatIntervalNs = 50_000_000
        _ = h.send(.reloaded(workers: 1, policy: p, now: h.now))
        h.advance(ms: 500)
        #expect(!h.signals(h.tick()).contains { $0.0 == h.pids[0]! || $0.0 == h.pids[1]! }, "silent 500 ms at a 250 ms pace is allowed")
        h.advance(ms: 300)
        #expect(h.signals(h.tick()).map(\.0).contains(h.pids[0]!), "past three of its own intervals it is hung")
    }

    @Test("a reload that changed the feeder's settings stops it and starts it again at once, not counted as a crash")
    func feederRestart() {
        var h = Harness(workers: 1)
        _ = h.send(.start(now: h.now))
        let old = h.pids[0]!
        let a = h.send(.restartFeeder(changed: ["DATABASE_URL", "SYMBOLS"], now: h.now))
        #expect(h.signals(a).map(\.0) == [old] && h.signals(a).map(\.1) == [.term])
        #expect(a.contains { if case .log(_, let m) = $0 { return m.contains("DATABASE_URL, SYMBOLS") } else { return false } })
        #expect(h.spawns(h.tick()).isEmpty, "the old feeder first exits")
        let b = h.send(.childExited(pid: old, status: .exited(0), now: h.now))
        #expect(h.spawns(b) == [0], "no backoff")
        #expect(h.pids[0]! != old && h.core.children[0].state == .starting && h.core.children[0].kind == .feeder)
        #expect(h.core.children[0].restarts == 0 && (h.core.restartTimes[.feeder] ?? []).isEmpty)
    }

    @Test("a feeder that ignores the reload's TERM gets KILL after the shutdown timeout, then starts again")
    func feederRestartKill() {
        var h = Harness(workers: 1)
        _ = h.send(.start(now: h.now))
        let old = h.pids[0]!
        _ = h.send(.restartFeeder(changed: ["INTERVALS"], now: h.now))
        h.advance(ms: 9_999)
        #expect(h.signals(h.beatAll()).isEmpty)
        h.advance(ms: 2)
        let k = h.beatAll()
        #expect(h.signals(k).map(\.0) == [old] && h.signals(k).map(\.1) == [.kill])
        h.advance(ms: 1000)
        #expect(h.signals(h.beatAll()).isEmpty, "KILL once")
        #expect(h.spawns(h.send(.childExited(pid: old, status: .signaled(9), now: h.now))) == [0])
    }

    @Test("a stop that comes while the feeder restarts does not start it again, and the server exits")
    func feederRestartThenStop() {
        var h = Harness(workers: 1)
        _ = h.send(.start(now: h.now))
        _ = h.send(.restartFeeder(changed: ["SYMBOLS"], now: h.now))
        _ = h.send(.signal(.term, now: h.now))
        #expect(h.spawns(h.send(.childExited(pid: h.pids[0]!, status: .exited(0), now: h.now))).isEmpty)
        #expect(h.exitCode(h.send(.childExited(pid: h.pids[1]!, status: .exited(0), now: h.now))) == 0)
    }

    @Test("a feeder waiting out its backoff is not signalled: it takes the new settings when it starts")
    func feederRestartInBackoff() {
        var h = Harness(workers: 1)
        _ = h.send(.start(now: h.now))
        _ = h.send(.childExited(pid: h.pids[0]!, status: .signaled(11), now: h.now))
        let a = h.send(.restartFeeder(changed: ["SYMBOLS"], now: h.now))
        #expect(h.signals(a).isEmpty && h.spawns(a).isEmpty)
        h.advance(ms: 100)
        #expect(h.spawns(h.tick()) == [0])
    }

    @Test("USR1 reopens the logs and forwards the signal to every child")
    func usr1() {
        var h = Harness(workers: 2)
        _ = h.send(.start(now: h.now))
        let a = h.send(.signal(.usr1, now: h.now))
        #expect(a.contains(.reopenLogs))
        #expect(h.signals(a).count == 3)
    }

    @Test("backoff doubles from 100 ms and is capped")
    func backoff() {
        let p = SupervisorPolicy()
        #expect(p.backoff(afterFailures: 1) == 100_000_000)
        #expect(p.backoff(afterFailures: 2) == 200_000_000)
        #expect(p.backoff(afterFailures: 4) == 800_000_000)
        #expect(p.backoff(afterFailures: 40) == p.backoffCapNs)
    }
}
