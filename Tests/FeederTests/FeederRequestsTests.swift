import Foundation
import Glibc
import Testing
@testable import Feeder
import Posix
import Runtime

/// The feeder's request server: commands, their answers, and which may overlap.
@Suite("Feeder requests")
struct FeederRequestsTests {
    /// How many handlers run at once, and the most that ever did.
    final class Overlap: @unchecked Sendable {
        private let lock = Mutex()
        private var now = 0
        private(set) var most = 0
        func enter() { lock.withLock { now += 1; most = max(most, now) } }
        func leave() { lock.withLock { now -= 1 } }
        var highest: Int { lock.withLock { most } }
    }

    /// Runs `line` through `requests` on `count` threads at once (each waits until all are
    /// up); their answers.
    static func together(_ requests: FeederRequests, _ line: String, count: Int) -> [String] {
        let lock = Mutex()
        nonisolated(unsafe) var answers: [String] = []
        nonisolated(unsafe) var up = 0
        for _ in 0..<count {
            DetachedThread.start {
                lock.withLock { up += 1 }
                while lock.withLock({ up }) < count { sched_yield() }
                let answer = requests.answer(line)
                lock.withLock { answers.append(answer) }
            }
        }
        while lock.withLock({ answers.count }) < count { usleep(5_000) }
        return lock.withLock { answers }
    }

    @Test("a serial command runs one at a time; any other may overlap; an unknown one is refused by name")
    func serialAndConcurrent() {
        let requests = FeederRequests(log: Logger(role: "test", level: .critical, path: nil))
        let serial = Overlap(), open = Overlap()
        requests.on("add", serial: true) { argument in
            serial.enter(); usleep(100_000); serial.leave()
            return FeederAnswer.ok(["symbol": "\"\(argument)\""])
        }
        requests.on("stats") { _ in
            open.enter(); usleep(300_000); open.leave()
            return FeederAnswer.ok()
        }
        #expect(Self.together(requests, "add BTCUSDT", count: 3) == Array(repeating: #"{"ok":true,"symbol":"BTCUSDT"}"#, count: 3))
        #expect(serial.highest == 1)
        #expect(Self.together(requests, "stats", count: 3).allSatisfy { $0 == #"{"ok":true}"# })
        #expect(open.highest > 1, "requests of a command not serial wait for each other")
        #expect(requests.answer("nope x").contains(#""error":"unknown_command""#))
    }

    @Test("each request is logged once answered, with its time; a refusal at notice with its answer")
    func logged() throws {
        let path = "/tmp/tterminal-feeder-requests-\(getpid()).log"
        unlink(path)
        defer { unlink(path) }
        let requests = FeederRequests(log: Logger(role: "feeder", level: .info, path: path))
        requests.on("add") { argument in
            argument == "XRPUSDT" ? FeederAnswer.error("unknown_symbol", "listed by neither venue") : FeederAnswer.ok()
        }
        _ = requests.answer("add BTCUSDT")
        _ = requests.answer("add XRPUSDT")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.first?.contains("INFO") == true && lines.first?.contains("worker request answered command=add argument=BTCUSDT ms=") == true)
        #expect(lines.last?.contains("NOTICE") == true && lines.last?.contains("worker request refused command=add argument=XRPUSDT") == true
            && lines.last?.contains("unknown_symbol") == true, "\(lines)")
    }
}
