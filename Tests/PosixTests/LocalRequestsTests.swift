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
