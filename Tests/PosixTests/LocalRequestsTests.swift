import Glibc
import Testing
@testable import Posix

@Suite("Local requests over an abstract Unix socket")
struct LocalRequestsTests {
    final class Served: @unchecked Sendable {
        let fd: Int32
        init(_ fd: Int32) { self.fd = fd }
    }

    /// A server on its own thread answering `echo X` with `got X` and sleeping on `slow`.
    private func startServer(_ name: String) throws -> Served {
        let served = Served(try LocalRequests.listen(name: name))
        var thread = pthread_t()
        let box = Unmanaged.passRetained(served).toOpaque()
        let rc = pthread_create(&thread, nil, { arg in
            let s = Unmanaged<Served>.fromOpaque(arg!).takeRetainedValue()
            LocalRequests.serve(listenFD: s.fd) { line in
                if line == "slow" { usleep(400_000) }
                return "got " + line
            }
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
        defer { shutdown(server.fd, Int32(SHUT_RDWR)); close(server.fd) }
        #expect(try LocalRequests.ask(name: name, line: "echo BTCUSDT", timeoutMillis: 2000) == "got echo BTCUSDT")
        #expect(try LocalRequests.ask(name: name, line: "two\nlines", timeoutMillis: 2000) == "got two lines")
        let long = String(repeating: "x", count: 6000)
        #expect(try LocalRequests.ask(name: name, line: long, timeoutMillis: 2000) == "got " + long)
    }

    @Test("a concurrent server answers while a slow request runs, and says busy past its bound")
    func concurrent() throws {
        let name = "tterminal.test.\(getpid()).c"
        let fd = try LocalRequests.listen(name: name)
        defer { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
        #expect(DetachedThread.start {
            LocalRequests.serve(listenFD: fd, maxConcurrent: 2) { line in
                if line == "slow" { usleep(600_000) }
                return "got " + line
            }
        })
        let slowAnswers = Answers()
        for _ in 0..<2 {
            #expect(DetachedThread.start {
                slowAnswers.add((try? LocalRequests.ask(name: name, line: "slow", timeoutMillis: 3000)) ?? "failed")
            })
        }
        usleep(150_000)  // both slow requests are being answered
        let busy = try LocalRequests.ask(name: name, line: "echo", timeoutMillis: 300)
        #expect(busy.contains(#""error":"busy""#))
        while slowAnswers.count < 2 { usleep(20_000) }
        #expect(slowAnswers.all == ["got slow", "got slow"])
        DetachedThread.start { _ = try? LocalRequests.ask(name: name, line: "slow", timeoutMillis: 3000) }
        usleep(150_000)  // one slow request in flight: there is room for another
        #expect(try LocalRequests.ask(name: name, line: "echo", timeoutMillis: 300) == "got echo")
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
        defer { shutdown(server.fd, Int32(SHUT_RDWR)); close(server.fd) }
        #expect(throws: SystemError.self) { try LocalRequests.listen(name: name) }
        #expect(throws: LocalRequestError.timedOut) { try LocalRequests.ask(name: name, line: "slow", timeoutMillis: 100) }
        #expect(try LocalRequests.ask(name: name, line: "after", timeoutMillis: 2000) == "got after")
    }
}
