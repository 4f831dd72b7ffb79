import Glibc
import Posix

/// Starting and reaping the benchmark's child processes (this binary, another role).
enum Children {
    /// Descriptor numbers the children find their resources at.
    static let segmentFD: Int32 = 3
    static let eventFD: Int32 = 4
    static let resultsFD: Int32 = 5
    static let pongFD: Int32 = 6

    /// Spawns `/proc/self/exe role arguments…` with `descriptors` placed as given.
    static func spawn(_ role: String, _ arguments: [String], descriptors: [(source: Int32, target: Int32)]) -> pid_t {
        // The dup2s run in order: a source sitting at another one's target number would be
        // overwritten first, so every source is copied above all targets beforehand.
        let placed = descriptors.map { (source: fcntl($0.source, F_DUPFD_CLOEXEC, 64), target: $0.target) }
        defer { placed.forEach { close($0.source) } }
        do {
            return try Spawn.start(SpawnRequest(path: Spawn.selfExecutable, arguments: [role] + arguments,
                                                descriptors: placed))
        } catch {
            Arguments.fail("spawn \(role): \(error)")
        }
    }

    /// Waits for each child; a child that failed or hangs fails the benchmark.
    static func reap(_ pids: [pid_t], timeoutMillis: Int = 60_000) {
        for pid in pids {
            guard let status = Wait.waitFor(pid, timeoutMillis: timeoutMillis) else {
                kill(pid, SIGKILL)
                Arguments.fail("child \(pid) did not finish")
            }
            if status != .exited(0) { Arguments.fail("child \(pid) ended with \(status)") }
        }
    }

    /// An eventfd for waking a child, non-blocking (children poll it).
    static func makeEventFD() -> Int32 {
        do { return try EventFD.make() } catch { Arguments.fail("eventfd: \(error)") }
    }
}
