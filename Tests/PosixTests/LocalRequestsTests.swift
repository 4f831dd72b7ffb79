import Glibc
import Synchronization
import Testing
@testable import Posix

@Suite("Local requests over an abstract Unix socket")
struct LocalRequestsTests {
    final class Served: @unchecked Sendable {
        let fd: Int32
        init(_ fd: Int32) { self.fd = fd }
    }

    /// A server on its own thread answering `echo X` with `got X` and sleeping on `slow`.
    /// Every test server's thread closes its listening socket itself once a shutdown ends its
    /// serving: closed from the test, the number could be reused by another test's listener
    /// while the old thread, between two accepts, would take that test's connections.
    private func startServer(_ name: String) throws -> Served {
        let served = Served(try LocalRequests.listen(name: name))
        var thread = pthread_t()
        let box = Unmanaged.passRetained(served).toOpaque()
        let rc = pthread_create(&thread, nil, { arg in
            let s = Unmanaged<Served>.fromOpaque(arg!).takeRetainedValue()
            LocalRequests.serve(listenFD: s.fd, maxConcurrent: 4) { line in
                if line == "slow" { usleep(400_000) }
                return "got " + line
            }
            close(s.fd)
            return nil
        }, box)
        #expect(rc == 0)
        pthread_detach(thread)
        return served
    }

    @Test("a request gets its one-line answer; requests follow one another on one server")
    func roundTrip() throws {
        let name = "tterminal.test.\(getpid()).a"
        let server = try startServer(name)
        defer { shutdown(server.fd, Int32(SHUT_RDWR)) }  // its thread closes it
        #expect(try LocalRequests.ask(name: name, line: "echo BTCUSDT", timeoutMillis: 2000) == "got echo BTCUSDT")
        #expect(try LocalRequests.ask(name: name, line: "two\nlines", timeoutMillis: 2000) == "got two lines")
        let long = String(repeating: "x", count: 6000)
        #expect(try LocalRequests.ask(name: name, line: long, timeoutMillis: 2000) == "got " + long)
    }

    /// Slow requests wait here until the test opens it; it counts those waiting.
    final class Gate: Sendable {
        let waiting = Atomic<Int>(0)
        let open = Atomic<Bool>(false)

        func pass() {
            waiting.add(1, ordering: .relaxed)
            while !open.load(ordering: .acquiring) { usleep(1_000) }
            waiting.subtract(1, ordering: .relaxed)
        }

        /// Waits (5 s at most) until `count` requests wait here.
        func expectWaiting(_ count: Int) {
            let deadline = Clock.monotonicNanos() + 5_000_000_000
            while waiting.load(ordering: .relaxed) != count && Clock.monotonicNanos() < deadline { usleep(1_000) }
            #expect(waiting.load(ordering: .relaxed) == count)
        }
    }

    /// A concurrent server on `name` answering `got X`; `slow` waits at the gate.
    static func startGatedServer(_ name: String, maxConcurrent: Int) throws -> (fd: Int32, gate: Gate) {
        let fd = try LocalRequests.listen(name: name)
        let gate = Gate()
        #expect(DetachedThread.start {
            LocalRequests.serve(listenFD: fd, maxConcurrent: maxConcurrent) { line in
                if line == "slow" { gate.pass() }
                return "got " + line
            }
            close(fd)
        })
        return (fd, gate)
    }

    @Test("a concurrent server answers while a slow request runs, and says busy past its bound")
    func concurrent() throws {
        let name = "tterminal.test.\(getpid()).c"
        let (fd, gate) = try Self.startGatedServer(name, maxConcurrent: 2)
        defer { shutdown(fd, Int32(SHUT_RDWR)) }  // its thread closes it
        let slowAnswers = Answers()
        for _ in 0..<2 {
            #expect(DetachedThread.start {
                slowAnswers.add((try? LocalRequests.ask(name: name, line: "slow", timeoutMillis: 5000)) ?? "failed")
            })
        }
        gate.expectWaiting(2)
        #expect(try LocalRequests.ask(name: name, line: "echo", timeoutMillis: 1000).contains(#""error":"busy""#))
        gate.open.store(true, ordering: .releasing)
        while slowAnswers.count < 2 { usleep(5_000) }
        #expect(slowAnswers.all == ["got slow", "got slow"])

        gate.open.store(false, ordering: .releasing)
        DetachedThread.start { _ = try? LocalRequests.ask(name: name, line: "slow", timeoutMillis: 5000) }
        gate.expectWaiting(1)
        // One slow request in flight: there is room for another (once the two before have
        // given their places back, just after their answers left).
        var answer = ""
        for _ in 0..<100 {
            answer = try LocalRequests.ask(name: name, line: "echo", timeoutMillis: 1000)
            if answer == "got echo" { break }
            usleep(10_000)
        }
        #expect(answer == "got echo")
        gate.open.store(true, ordering: .releasing)
    }

    static let canRunAsNobody = getuid() == 0 && access("/usr/sbin/runuser", X_OK) == 0 && access("/usr/bin/python3", X_OK) == 0

    /// What a process of user `nobody` is answered when it asks `line` on `name`.
    static func askAsNobody(_ name: String, _ line: String) throws -> String {
        var pipeFDs: [Int32] = [0, 0]
        #expect(pipe(&pipeFDs) == 0)
        _ = fcntl(pipeFDs[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeFDs[1], F_SETFD, FD_CLOEXEC)
        defer { close(pipeFDs[0]) }
        let script = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX)
            s.connect("\\0" + sys.argv[1])
            try:
                s.sendall(sys.argv[2].encode() + b"\\n")
            except OSError:
                pass
            print(s.recv(4096).decode().strip())
            """
        let pid = try Spawn.start(SpawnRequest(path: "/usr/sbin/runuser",
                                               arguments: ["-u", "nobody", "--", "/usr/bin/python3", "-c", script, name, line],
                                               environment: ["PATH=/usr/bin:/bin"], descriptors: [(pipeFDs[1], 1), (pipeFDs[1], 2)]))
        close(pipeFDs[1])
        let status = Wait.waitFor(pid, timeoutMillis: 10_000)
        var out = [UInt8](repeating: 0, count: 4096)
        let n = read(pipeFDs[0], &out, out.count)
        let text = String(decoding: out[..<max(0, n)], as: UTF8.self)
        #expect(status == .exited(0), "python as nobody: \(String(describing: status)): \(text)")
        return text.split(separator: "\n").first.map(String.init) ?? ""
    }

    @Test("another user's process is refused as forbidden, before it can take a place: a full server still says forbidden, not busy",
          .enabled(if: canRunAsNobody, "needs root, runuser and /usr/bin/python3"))
    func anotherUser() throws {
        let name = "tterminal.test.\(getpid()).u"
        let (fd, gate) = try Self.startGatedServer(name, maxConcurrent: 1)
        defer { shutdown(fd, Int32(SHUT_RDWR)) }  // its thread closes it
        #expect(try Self.askAsNobody(name, "echo").contains(#""error":"forbidden""#))
        DetachedThread.start { _ = try? LocalRequests.ask(name: name, line: "slow", timeoutMillis: 10_000) }
        gate.expectWaiting(1)
        #expect(try LocalRequests.ask(name: name, line: "echo", timeoutMillis: 1000).contains(#""error":"busy""#))
        #expect(try Self.askAsNobody(name, "echo").contains(#""error":"forbidden""#))
        gate.open.store(true, ordering: .releasing)
    }

    final class Answers: @unchecked Sendable {
        private var lines: [String] = []
        private var lock = pthread_mutex_t()
        init() { pthread_mutex_init(&lock, nil) }
        func add(_ line: String) { pthread_mutex_lock(&lock); lines.append(line); pthread_mutex_unlock(&lock) }
        var all: [String] { pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }; return lines }
        var count: Int { all.count }
    }

    @Test("no server, a second listener, a slow server: each a clear error")
    func failures() throws {
        let name = "tterminal.test.\(getpid()).b"
        #expect(throws: LocalRequestError.noServer) { try LocalRequests.ask(name: name, line: "x", timeoutMillis: 500) }
        let server = try startServer(name)
        defer { shutdown(server.fd, Int32(SHUT_RDWR)) }  // its thread closes it
        #expect(throws: SystemError.self) { try LocalRequests.listen(name: name) }
        #expect(throws: LocalRequestError.timedOut) { try LocalRequests.ask(name: name, line: "slow", timeoutMillis: 100) }
        #expect(try LocalRequests.ask(name: name, line: "after", timeoutMillis: 2000) == "got after")
    }
}
