import Foundation
import Glibc
import Net
import Posix
import Testing

/// The `tterminal` binary under test: `TTERMINAL_BIN`, the one beside the test bundle (same
/// scratch path), or the default debug build.
let tterminalBinary: String = {
    if let p = ProcessInfo.processInfo.environment["TTERMINAL_BIN"] { return p }
    let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path + "/tterminal"
    if FileManager.default.isExecutableFile(atPath: besideTests) { return besideTests }
    return repositoryRoot + "/.build/debug/tterminal"
}()

/// An executable found on PATH.
func onPath(_ name: String) -> String? {
    let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    return dirs.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// A child process with stdout and stderr in files; killed if still running when released.
final class Child {
    let pid: pid_t
    let outPath: String
    let errPath: String
    private(set) var status: Posix.ExitStatus?

    init(_ path: String, _ arguments: [String], name: String) throws {
        let base = "/tmp/tterminal-simtest-\(getpid())-\(name)-\(Int.random(in: 0..<1_000_000))"
        outPath = base + ".out"
        errPath = base + ".err"
        let out = open(outPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let err = open(errPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { close(out); close(err) }
        var request = SpawnRequest(path: path, arguments: arguments, descriptors: [(out, 1), (err, 2)])
        request.ownProcessGroup = true
        pid = try Spawn.start(request)
    }

    deinit {
        if status == nil {
            _ = Signal.kill.send(to: pid)
            _ = Wait.waitFor(pid, timeoutMillis: 2_000)
        }
    }

    var stdout: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

    func wait(seconds: Double) -> Posix.ExitStatus? {
        if status == nil { status = Wait.waitFor(pid, timeoutMillis: Int(seconds * 1_000)) }
        return status
    }

    func terminate(seconds: Double = 10) -> Posix.ExitStatus? {
        if status == nil { _ = Signal.term.send(to: pid) }
        return wait(seconds: seconds)
    }
}

/// Starts `tterminal simulate` with `arguments` and waits for its ready line.
func startSimulator(_ arguments: [String]) throws -> (Child, [String: Any]) {
    #expect(FileManager.default.isExecutableFile(atPath: tterminalBinary), "build tterminal first: \(tterminalBinary)")
    let child = try Child(tterminalBinary, ["simulate"] + arguments, name: "simulate")
    try eventually(20, "the ready line") { child.stdout.contains("\n") }
    let line = try #require(child.stdout.split(separator: "\n").first)
    let ready = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    return (child, ready)
}

/// The Python with binance-connector: `TTERMINAL_PYTHON` (`make test` sets it to the venv
/// `make deps` fills), else `python3` on the PATH.
let pythonForTests: String? = ProcessInfo.processInfo.environment["TTERMINAL_PYTHON"] ?? onPath("python3")

let pythonWithBinance: Bool = {
    if ProcessInfo.processInfo.environment["TTERMINAL_PYTHON"] != nil { return true }  // must run: a failure is a failure
    guard let python = pythonForTests, let child = try? Child(python, ["-c", "import binance"], name: "probe") else {
        return false
    }
    return child.wait(seconds: 30) == .exited(0)
}()

extension LoopbackTests {
    @Suite("The tterminal simulate process")
    struct ProcessTests {
        @Test("simulate prints its URLs, serves, writes the ready file and stops cleanly on TERM")
        func lifecycle() throws {
            let readyFile = "/tmp/tterminal-simtest-ready-\(getpid()).json"
            unlink(readyFile)
            let (child, ready) = try startSimulator(["--rate", "50", "--ready-file", readyFile])
            let rest = try #require(ready["rest"] as? String)
            #expect((ready["spot"] as? String)?.hasPrefix("ws://127.0.0.1:") == true)
            #expect((ready["futures"] as? String)?.hasPrefix("ws://127.0.0.1:") == true)
            #expect(ready["cert"] is NSNull)
            let fileLine = try String(contentsOfFile: readyFile, encoding: .utf8)
            #expect(fileLine.trimmingCharacters(in: .whitespacesAndNewlines) == child.stdout.split(separator: "\n").first.map(String.init))
            let http = HTTPClient(base: try Endpoint(parsing: rest), tls: nil, timeoutNs: 5_000_000_000)
            #expect(try http.get("/sim/state").status == 200)
            let ws = try TestSocket.open(port: try Endpoint(parsing: ready["spot"] as! String).port, path: "/ws/btcusdt@trade")
            _ = try ws.nextJSON()
            http.close()
            let started = Date()
            #expect(child.terminate() == .exited(0))
            #expect(Date().timeIntervalSince(started) < 6)
            #expect(ws.ending(timeout: 3) == .closeFrame(1001))
            #expect(child.stderr.contains("simulator stopped"))
        }

        @Test("bad arguments exit 64 with a message; a busy port exits 2")
        func badArguments() throws {
            let bad = try Child(tterminalBinary, ["simulate", "--ping-interval", "soon"], name: "bad")
            #expect(bad.wait(seconds: 10) == .exited(64))
            #expect(bad.stderr.contains("--ping-interval"))
            let mixed = try Child(tterminalBinary, ["simulate", "--replay", "/nonexistent.gz", "--history-minutes", "10"], name: "mixed")
            #expect(mixed.wait(seconds: 10) == .exited(64))
            #expect(mixed.stderr.contains("--history-minutes does not go with --replay"), "\(mixed.stderr)")
            let listener = try Listener(host: "127.0.0.1", port: 0)
            let busy = try Child(tterminalBinary, ["simulate", "--port", "\(listener.port)"], name: "busy")
            #expect(busy.wait(seconds: 10) == .exited(2))
            #expect(busy.stderr.contains("\(listener.port)"))
        }

        @Test("Binance's own Python client (binance-connector 3.13.0) works unchanged against the simulator",
              .enabled(if: pythonWithBinance, "skipped: the binance package is not importable; pip install binance-connector==3.13.0"),
              .timeLimit(.minutes(3)))
        func pythonClient() throws {
            let readyFile = "/tmp/tterminal-simtest-python-\(getpid()).json"
            let (simulator, _) = try startSimulator(["--rate", "100", "--ready-file", readyFile])
            let python = try #require(pythonForTests)
            let check = try Child(python, [repositoryRoot + "/scripts/sim-python-check.py", "--ready-file", readyFile],
                                  name: "python")
            let status = check.wait(seconds: 150)
            print(check.stdout)
            #expect(status == .exited(0), "sim-python-check.py: \(String(describing: status))\n\(check.stdout)\n\(check.stderr)")
            #expect(simulator.terminate() == .exited(0))
        }
    }
}
