import Glibc
import Posix
import Cache

/// A redis-server of the test's own, a child process on a free loopback port, for killing
/// and restarting. Always `stop()` it (the tests do in `defer`).
public final class PrivateRedis {
    public static let binary: String? = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first { (path: String) in access(path, X_OK) == 0 }

    public private(set) var port: Int
    public let extraArguments: [String]
    public private(set) var pid: pid_t?

    /// Starts a server on the first free port from `56400 + pid % 500 + offset`.
    public init(offset: Int = 0, extraArguments: [String] = []) throws {
        self.extraArguments = extraArguments
        let first = 56_400 + Int(getpid()) % 500 + offset
        var port = first
        while true {
            self.port = port
            if (try? start()) != nil { return }
            port += 7
            if port > first + 70 { throw RedisError.connectFailed("no free port for a private redis-server") }
        }
    }

    public var url: String { "redis://127.0.0.1:\(port)/0" }

    /// Starts (or restarts) the server on `port` and waits until it answers, at most 5 s.
    public func start() throws {
        precondition(pid == nil, "already running")
        let arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                         "--daemonize", "no", "--logfile", "/dev/null", "--dir", "/tmp"] + extraArguments
        let child = try Spawn.start(SpawnRequest(path: Self.binary!, arguments: arguments))
        pid = child
        let deadline = Clock.monotonicNanos() + 5_000_000_000
        while Clock.monotonicNanos() < deadline {
            var status: Int32 = 0
            if waitpid(child, &status, WNOHANG) == child {
                pid = nil
                throw RedisError.connectFailed("redis-server exited (port \(port) busy?)")
            }
            if answers() { return }
            usleep(20_000)
        }
        stop()
        throw RedisError.timeout("redis-server on port \(port) did not answer within 5 s")
    }

    /// Whether something on `port` speaks Redis (an auth error counts: it answered).
    private func answers() -> Bool {
        guard let client = try? RedisClient(url: url, connectTimeoutMs: 100, commandTimeoutMs: 200) else { return false }
        do { try client.ping(); return true } catch { return error.keepsConnection }
    }

    /// SIGKILL and reap; safe to call twice.
    public func stop() {
        guard let child = pid else { return }
        pid = nil
        Signal.kill.send(to: child)
        _ = Wait.waitFor(child, timeoutMillis: 5_000)
    }

    deinit { stop() }
}
