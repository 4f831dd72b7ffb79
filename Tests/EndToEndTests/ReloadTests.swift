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
}
