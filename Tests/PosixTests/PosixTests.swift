import Glibc
import Testing
@testable import Posix

@Suite("The kernel boundary")
struct PosixTests {
    @Test("a failed call carries its name and errno")
    func systemError() {
        do {
            try sys("open(/nonexistent)") { Glibc.open("/nonexistent/x", O_RDONLY) }
            Issue.record("opening a missing file succeeded")
        } catch {
            #expect(error.call == "open(/nonexistent)")
            #expect(error.errno == ENOENT)
            #expect(error.description.contains("No such file"))
        }
    }

    @Test("an eventfd counts signals until drained")
    func eventfd() throws {
        let fd = try EventFD.make()
        defer { close(fd) }
        #expect(EventFD.drain(fd) == 0)
        #expect(!EventFD.wait(fd, timeoutMillis: 0))
        EventFD.signal(fd)
        EventFD.signal(fd)
        #expect(EventFD.wait(fd, timeoutMillis: 0))
        #expect(EventFD.drain(fd) == 2)
    }

    @Test("a named segment is created once, shared, and gone after unlink")
    func sharedMemory() throws {
        let name = "/tterminal-posix-test-\(getpid())"
        SharedMemory.unlink(name: name)
        let fd = try SharedMemory.create(name: name, size: 8192)
        defer { close(fd) }
        #expect(throws: SystemError.self) { try SharedMemory.create(name: name, size: 8192) }
        let a = try SharedMemory.map(fd: fd, size: 8192, writable: true)
        let other = try SharedMemory.open(name: name, writable: false)
        defer { close(other) }
        let b = try SharedMemory.map(fd: other, size: 8192, writable: false)
        a.base.storeBytes(of: 0xABCD, toByteOffset: 4096, as: UInt64.self)
        #expect(b.base.load(fromByteOffset: 4096, as: UInt64.self) == 0xABCD)
        SharedMemory.unlink(name: name)
        #expect(throws: SystemError.self) { try SharedMemory.open(name: name, writable: false) }
    }

    @Test("a spawned child gets the descriptors placed at their numbers and its exit code comes back")
    func spawn() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let request = SpawnRequest(path: "/bin/bash", arguments: ["-c", "echo hello >&150; exit 7"],
                                   environment: ["PATH=/bin:/usr/bin"], descriptors: [(fds[1], 150)])
        let pid = try Spawn.start(request)
        close(fds[1])
        #expect(Wait.waitFor(pid, timeoutMillis: 5000) == .exited(7))
        var buf = [UInt8](repeating: 0, count: 16)
        let n = read(fds[0], &buf, 16)
        #expect(String(decoding: buf[0..<max(0, n)], as: UTF8.self) == "hello\n")
    }

    @Test("a child can be started in a process group of its own")
    func processGroup() throws {
        var request = SpawnRequest(path: "/bin/sh", arguments: ["-c", "[ \"$(ps -o pgid= -p $$ | tr -d ' ')\" = \"$$\" ]"],
                                   environment: ["PATH=/bin:/usr/bin"])
        request.ownProcessGroup = true
        #expect(Wait.waitFor(try Spawn.start(request), timeoutMillis: 5000) == .exited(0))
        request.ownProcessGroup = false
        #expect(Wait.waitFor(try Spawn.start(request), timeoutMillis: 5000) == .exited(1))
    }

    @Test("a child killed by a signal reports the signal")
    func signaled() throws {
        let pid = try Spawn.start(SpawnRequest(path: "/bin/sh", arguments: ["-c", "kill -9 $$"], environment: []))
        #expect(Wait.waitFor(pid, timeoutMillis: 5000) == .signaled(SIGKILL))
    }

    @Test("a loopback listener accepts a client on the port it reports")
    func sockets() throws {
        let l = try Socket.listen(host: "127.0.0.1", port: 0)
        defer { close(l) }
        let port = Socket.localPort(l)
        #expect(port > 0)
        let c = try Socket.connect(host: "127.0.0.1", port: port)
        close(c)
        #expect(throws: SystemError.self) { try Socket.listen(host: "127.0.0.1", port: port) }
        #expect(throws: SystemError.self) { try Socket.listen(host: "not-an-ip", port: 0) }
    }
}
