import Foundation
import Glibc
import Posix
import Testing

/// The `tterminal` binary under test: `TTERMINAL_BIN`, or the debug build beside the tests.
let tterminalBinary: String = {
    if let path = ProcessInfo.processInfo.environment["TTERMINAL_BIN"] { return path }
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/") + "/.build/debug/tterminal"
}()

struct RunFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A process of the binary under test with stderr in a file, in a process group of its own;
/// stopped (TERM to the group, KILL after 5 s) when released.
final class ProcessUnderTest {
    let pid: pid_t
    let logPath: String
    private(set) var status: Posix.ExitStatus?

    init(_ arguments: [String], environment: [String], name: String) throws {
        logPath = "/tmp/tterminal-loadtest-\(name)-\(getpid())-\(Int.random(in: 0..<1_000_000)).log"
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { if log >= 0 { close(log) } }
        var request = SpawnRequest(path: tterminalBinary, arguments: arguments, environment: environment,
                                   descriptors: log >= 0 ? [(log, Int32(1)), (log, Int32(2))] : [])
        request.ownProcessGroup = true
        pid = try Spawn.start(request)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Polls the log every 100 ms until it contains `text`; false after `seconds`.
    func waitForLog(_ text: String, seconds: Double = 10) -> Bool {
        for _ in 0..<Int(seconds * 10) {
            if log.contains(text) { return true }
            usleep(100_000)
        }
        return log.contains(text)
    }

    /// Waits up to `seconds` for the exit; nil when it is still running.
    func wait(seconds: Double) -> Posix.ExitStatus? {
        if status == nil { status = Wait.waitFor(pid, timeoutMillis: Int(seconds * 1000)) }
        return status
    }

    deinit {
        guard status == nil, pid > 1 else { return }
        kill(-pid, SIGTERM)
        if Wait.waitFor(pid, timeoutMillis: 5_000) == nil {
            kill(-pid, SIGKILL)
            _ = Wait.waitFor(pid, timeoutMillis: 2_000)
        }
        unlink(logPath)
    }
}

/// `tterminal simulate` and a `tterminal serve` fed by it through the live code path, on
/// loopback ports of their own (as scripts/bench-ws.sh starts them, without rate limits).
final class ServerOnLoopback {
    let simulator: ProcessUnderTest
    var server: ProcessUnderTest?
    let port: UInt16
    let segment: String
    private(set) var ready: [String: Any] = [:]
    private let readyPath: String

    init(rate: Int, workers: Int) throws {
        readyPath = "/tmp/tterminal-loadtest-sim-\(getpid())-\(Int.random(in: 0..<1_000_000)).json"
        simulator = try ProcessUnderTest(["simulate", "--symbols", "BTCUSDT", "--rate", "\(rate)", "--ready-file", readyPath, "--seed", "7"],
                                         environment: ["PATH=/usr/bin:/bin"], name: "sim")
        let listener = try Socket.listen(host: "127.0.0.1", port: 0)
        port = Socket.localPort(listener)
        close(listener)
        segment = "/tterminal-loadtest-\(port)"
        try waitForSimulator()
        let environment = ["PATH=/usr/bin:/bin", "PORT=\(port)", "HOST=127.0.0.1", "WORKERS=\(workers)", "SHM_NAME=\(segment)",
                           "SYMBOLS=BTCUSDT", "ENV_FILE=/dev/null", "RATE_LIMIT_RPS=0", "FEED_SOURCE=simulator", "RING_MB=16",
                           "SPOT_WS_URLS=\(url("spot"))", "FUTURES_WS_URLS=\(url("futures"))", "SPOT_REST_URLS=\(url("rest"))",
                           "FUTURES_REST_URLS=\(url("futuresRest"))", "LOG_LEVEL=warning", "SHUTDOWN_TIMEOUT=5"]
        server = try ProcessUnderTest(["serve"], environment: environment, name: "serve")
        try waitHealthy()
    }

    func url(_ key: String) -> String { ready[key] as? String ?? "" }

    private func waitForSimulator() throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let data = FileManager.default.contents(atPath: readyPath), !data.isEmpty,
               let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
                ready = object
                return
            }
            usleep(20_000)
        }
        throw RunFailure("the simulator never became ready:\n\(simulator.log.suffix(2000))")
    }

    /// Until `/api/v1/health` answers 200.
    private func waitHealthy() throws {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if healthStatus() == 200 { return }
            if server?.wait(seconds: 0) != nil { break }
            usleep(50_000)
        }
        throw RunFailure("the server on \(port) never became healthy:\n\(server?.log.suffix(2000) ?? "")")
    }

    private func healthStatus() -> Int? {
        guard let fd = try? Socket.connect(host: "127.0.0.1", port: port) else { return nil }
        defer { close(fd) }
        Socket.setReceiveTimeout(fd, millis: 1_000)
        guard (try? FD.writeAll(fd, "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")) != nil else { return nil }
        var chunk = [UInt8](repeating: 0, count: 256)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 12 else { return nil }
        return Int(String(decoding: chunk[9..<12], as: UTF8.self))
    }

    deinit {
        server = nil
        SharedMemory.unlink(name: segment)
        unlink(readyPath)
    }
}
