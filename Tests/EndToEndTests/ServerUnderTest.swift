import Foundation
import Glibc
import Posix
import ShmRing
import Supervisor
import Testing

/// The repository root, from this file's path.
let repositoryRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}()

/// The `tterminal` binary under test: `TTERMINAL_BIN`, or the debug build beside the tests.
let tterminalBinary: String = {
    if let p = ProcessInfo.processInfo.environment["TTERMINAL_BIN"] { return p }
    return repositoryRoot + "/.build/debug/tterminal"
}()

/// A free loopback port (bound and released).
func freePort() -> UInt16 {
    let fd = try! Socket.listen(host: "127.0.0.1", port: 0)
    defer { close(fd) }
    return Socket.localPort(fd)
}

/// A real `tterminal serve` with its own port, segment and log file; stopped at the end.
final class ServerUnderTest {
    private(set) var port: UInt16
    private(set) var segmentName: String
    let logPath: String
    var env: [String: String]
    private(set) var pid: pid_t = 0
    private var exitStatus: Posix.ExitStatus?
    /// Runs this binary instead, from this directory (nil: the tests' own).
    var binary = tterminalBinary
    var workingDirectory: String?

    init(workers: Int = 2, extra: [String: String] = [:]) {
        port = freePort()
        segmentName = "/tterminal-test-\(port)"
        logPath = "/tmp/tterminal-test-\(port).log"
        unlink(logPath)
        env = [
            "PATH": "/usr/bin:/bin", "PORT": "\(port)", "HOST": "127.0.0.1", "WORKERS": "\(workers)",
            "SHM_NAME": segmentName, "LOG_FILE": logPath, "LOG_LEVEL": "debug", "RING_MB": "4",
            "REPLAY_FILE": repositoryRoot + "/fixtures/binance/hftbacktest/spot_btcusdt_20240808.gz", "REPLAY_SPEED": "20",
            "HEARTBEAT_INTERVAL_MS": "200", "SHUTDOWN_TIMEOUT": "5", "ENV_FILE": "/dev/null", "FEED_SOURCE": "replay",
            // These tests poll from one address faster than a terminal does; the per-address
            // limit has tests of its own (WorkerTests, APILoopTests).
            "RATE_LIMIT_RPS": "0",
        ]
        for (k, v) in extra { env[k] = v }
    }

    /// Starts on another server's port and segment (after that one died).
    func startOnPort(_ other: UInt16) throws {
        port = other
        segmentName = env["SHM_NAME"] ?? segmentName
        try start()
    }

    func start() throws {
        #expect(FileManager.default.isExecutableFile(atPath: tterminalBinary), "build tterminal first: \(tterminalBinary)")
        var request = SpawnRequest(path: binary, arguments: ["serve"], environment: env.map { "\($0.key)=\($0.value)" })
        if let dir = workingDirectory {
            // The shell execs the server, so the pid stays the server's.
            request = SpawnRequest(path: "/bin/sh", arguments: ["-c", #"cd "$1" && exec "$2" serve"#, "sh", dir, binary],
                                   environment: request.environment)
        }
        // Its own process group, like a shell job: tests can send a terminal's Ctrl-C to it.
        request.ownProcessGroup = true
        pid = try Spawn.start(request)
    }

    /// Waits until health answers 200, or fails the test.
    func waitHealthy(timeout: Double = 15) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let r = try? HTTP.get(port: port, path: "/api/v1/health"), r.status == 200 { return }
            if let s = Wait.waitFor(pid, timeoutMillis: 0) { exitStatus = s; break }
            usleep(50_000)
        }
        throw TestFailure("server on port \(port) never became healthy; log:\n\(log())")
    }

    func segment() throws -> Segment { try Segment.open(name: segmentName) }

    func status() throws -> StatusReport { StatusReport(segment: try segment()) }

    func workers() throws -> [StatusReport.Child] { try status().children.filter { $0.kind == .worker && $0.state == .running } }

    func feeder() throws -> StatusReport.Child? { try status().children.first { $0.kind == .feeder } }

    func signal(_ s: Signal) { _ = s.send(to: pid) }

    /// Sends TERM and waits for the exit status.
    func stop(timeoutMillis: Int = 15_000) -> Posix.ExitStatus? {
        if let s = exitStatus { return s }
        guard pid > 0 else { return nil }
        signal(.term)
        exitStatus = Wait.waitFor(pid, timeoutMillis: timeoutMillis)
        if exitStatus == nil { Signal.kill.send(to: pid); _ = Wait.waitFor(pid, timeoutMillis: 2000) }
        return exitStatus
    }

    func waitExit(timeoutMillis: Int) -> Posix.ExitStatus? {
        if exitStatus == nil { exitStatus = Wait.waitFor(pid, timeoutMillis: timeoutMillis) }
        return exitStatus
    }

    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "(no log)" }

    /// Polls `condition` every 20 ms until it holds or `timeout` passes.
    func eventually(_ timeout: Double, _ what: String, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? condition()) == true { return }
            usleep(20_000)
        }
        throw TestFailure("timed out after \(timeout) s waiting for \(what); log tail:\n\(log().suffix(3000))")
    }

    deinit {
        _ = stop()
        SharedMemory.unlink(name: segmentName)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Whether a process exists.
func alive(_ pid: Int32) -> Bool { pid > 0 && kill(pid, 0) == 0 }

/// A helper program (a Python client, a shell script) with stdout and stderr in files and a
/// process group of its own; a group still running when this is released is stopped (TERM to
/// the group, KILL after 5 s), so what the program started goes with it.
final class ChildUnderTest {
    let pid: pid_t
    let outPath: String
    let errPath: String
    private(set) var status: Posix.ExitStatus?

    /// Starts `path` with this process's environment plus `environment`.
    init(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        let base = "/tmp/tterminal-child-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        outPath = base + ".out"
        errPath = base + ".err"
        let out = open(outPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let err = open(errPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { close(out); close(err) }
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        var request = SpawnRequest(path: path, arguments: arguments, environment: env.map { "\($0.key)=\($0.value)" },
                                   descriptors: [(out, 1), (err, 2)])
        request.ownProcessGroup = true
        pid = try Spawn.start(request)
    }

    var stdout: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

    /// Waits up to `seconds` for the exit, calling `meanwhile` every 20 ms; nil on timeout.
    func wait(seconds: Double, meanwhile: () -> Void = {}) -> Posix.ExitStatus? {
        let deadline = Date().addingTimeInterval(seconds)
        while status == nil && Date() < deadline {
            status = Wait.waitFor(pid, timeoutMillis: 20)
            if status == nil { meanwhile() }
        }
        return status
    }

    deinit {
        guard status == nil else { return }
        kill(-pid, SIGTERM)
        if Wait.waitFor(pid, timeoutMillis: 5_000) == nil {
            kill(-pid, SIGKILL)
            _ = Wait.waitFor(pid, timeoutMillis: 2_000)
        }
    }
}
