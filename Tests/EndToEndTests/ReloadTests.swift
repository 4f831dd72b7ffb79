import Foundation
import Glibc
import Posix
import ShmRing
import Testing

/// HUP on a real server whose `.env` changes between reloads.
@Suite("HUP applies the new configuration", .serialized)
struct ReloadTests {
    @Test("HUP restarts the feeder only when a setting it reads changed, not as a crash, and moves the supervisor's log")
    func feederAndLog() throws {
        let envFile = "/tmp/tterminal-reload-\(getpid()).env"
        let s = ServerUnderTest(workers: 1, extra: ["ENV_FILE": envFile])
        let moved = s.logPath + ".moved"
        unlink(moved)
        defer { unlink(envFile); unlink(moved) }
        // The environment wins over the file: what the test changes lives only in the file.
        s.env["REPLAY_SPEED"] = nil
        s.env["LOG_FILE"] = nil
        func write(_ text: String) throws { try text.write(toFile: envFile, atomically: true, encoding: .utf8) }
        try write("REPLAY_SPEED=20\nLOG_FILE=\(s.logPath)\n")
        try s.start()
        try s.waitHealthy()
        try s.eventually(10, "a running feeder") { try s.feeder()?.state == .running }
        let first = try #require(try s.feeder()).pid

        try write("REPLAY_SPEED=20\nLOG_FILE=\(s.logPath)\nWS_QUEUE_BYTES=8192\n")
        s.signal(.hup)
        try s.eventually(10, "generation 2") { try s.status().generation == 2 }
        usleep(300_000)
        #expect(try s.feeder()?.pid == first, "a worker-only change leaves the feeder alone")
        #expect(!s.log().contains("restarting the feeder"))

        let epoch = try s.status().epoch
        try write("REPLAY_SPEED=30\nLOG_FILE=\(moved)\nWS_QUEUE_BYTES=8192\n")
        s.signal(.hup)
        try s.eventually(10, "a new running feeder") { try s.feeder().map { $0.pid != first && $0.state == .running } ?? false }
        let second = try #require(try s.feeder())
        #expect(second.restarts == 0, "not counted as a crash")
        #expect(!alive(first))
        let environ = try String(contentsOfFile: "/proc/\(second.pid)/environ", encoding: .utf8)
        #expect(environ.split(separator: "\0").contains("REPLAY_SPEED=30.0"))
        try s.eventually(10, "a new epoch with records") { try s.status().epoch > epoch }
        let text = (try? String(contentsOfFile: moved, encoding: .utf8)) ?? ""
        #expect(text.contains("feeder settings changed (LOG_FILE, REPLAY_SPEED): restarting the feeder"), "\(text)")
        #expect(text.contains("supervisor["))
        #expect(s.log().contains("log file moves"))
        #expect(s.stop() == .exited(0))
    }

    @Test("a reload whose new feeder refuses its settings (exit 2) goes back to the previous ones for feeder and workers, and the server runs on")
    func feederRefusesReload() throws {
        let envFile = "/tmp/tterminal-refused-\(getpid()).env"
        let empty = "/tmp/tterminal-refused-\(getpid()).replay"
        let s = ServerUnderTest(workers: 1, extra: ["ENV_FILE": envFile])
        defer { unlink(envFile); unlink(empty) }
        let fixture = s.env["REPLAY_FILE"]!
        s.env["REPLAY_FILE"] = nil
        // A readable file without one trade: only the feeder finds that out (after its first beat).
        try "not a frame\n".write(toFile: empty, atomically: true, encoding: .utf8)
        func write(_ text: String) throws { try text.write(toFile: envFile, atomically: true, encoding: .utf8) }
        func environ(_ pid: Int32) -> [Substring] {
            ((try? String(contentsOfFile: "/proc/\(pid)/environ", encoding: .utf8)) ?? "").split(separator: "\0")
        }
        try write("REPLAY_FILE=\(fixture)\n")
        try s.start()
        try s.waitHealthy()
        try s.eventually(10, "a running feeder") { try s.feeder()?.state == .running }
        let first = try #require(try s.feeder()).pid
        #expect(try s.status().lastReload == .none)

        // A typo only the feeder can judge, and INTERVALS, which workers and feeder must agree on.
        try write("REPLAY_FILE=\(empty)\nINTERVALS=1m,5m\n")
        s.signal(.hup)
        try s.eventually(15, "the reload rolled back") { try s.status().lastReload == .rolledBack }
        try s.eventually(15, "a feeder on the previous settings, running") {
            guard let f = try s.feeder(), f.pid != first, f.state == .running else { return false }
            return environ(f.pid).contains("REPLAY_FILE=\(fixture)")
        }
        #expect(s.waitExit(timeoutMillis: 0) == nil, "the server runs on")
        let generation = try s.status().generation
        try s.eventually(15, "only workers of the last generation, on the previous INTERVALS") {
            let workers = try s.status().children.filter { $0.kind == .worker }
            return !workers.isEmpty && workers.allSatisfy { w in
                w.generation == generation && w.state == .running && environ(w.pid).contains("INTERVALS=1m,5m,15m,1h,4h,1d")
            }
        }
        #expect(try HTTP.get(port: s.port, path: "/api/v1/health").status == 200)
        let log = s.log()
        #expect(log.components(separatedBy: "reload refused by the feeder").count == 2, "one line:\n\(log.suffix(3000))")
        #expect(log.contains("holds no trade frames"), "the feeder's own reason")
        #expect(log.contains("on the new INTERVALS, REPLAY_FILE; going back to the previous configuration"))
        #expect(try s.status().json().contains("\"last_reload\":\"rolled_back\""))

        // The fixed file reloads as usual.
        try write("REPLAY_FILE=\(fixture)\nINTERVALS=1m,5m\n")
        let beforeFix = try #require(try s.feeder()).pid
        s.signal(.hup)
        try s.eventually(15, "the fixed reload applied, its feeder running") {
            guard try s.status().lastReload == .applied, let f = try s.feeder(), f.pid != beforeFix, f.state == .running else { return false }
            return environ(f.pid).contains("INTERVALS=1m,5m")
        }
        #expect(s.stop() == .exited(0))
    }
}
