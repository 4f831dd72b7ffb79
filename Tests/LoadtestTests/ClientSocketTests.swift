import Glibc
import Posix
import Testing
@testable import Loadtest

/// The harness's client sockets on real loopback connections.
@Suite("Client sockets")
struct ClientSocketTests {
    /// A non-blocking client connected to a fresh listener, and the accepted server side.
    func pair(stamped: Bool) throws -> (client: Int32, server: Int32, listener: Int32) {
        let listener = try Socket.listen(host: "127.0.0.1", port: 0)
        let (client, _) = try ClientSocket.connect(from: 0x7F00_0001, to: 0x7F00_0001, port: Socket.localPort(listener),
                                                    stamped: stamped)
        let server = Glibc.accept(listener, nil, nil)
        try #require(server >= 0)
        return (client, server, listener)
    }

    /// Sends `text` from `server` and reads it at `client`, waiting up to a second for it.
    func roundTrip(_ text: String, _ fds: (client: Int32, server: Int32, listener: Int32))
        -> (bytes: String, arrival: Int64, sentAfter: Int64, readBefore: Int64) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 8)
        defer { buffer.deallocate() }
        let sentAfter = Clock.realtimeNanos()
        _ = text.utf8CString.withUnsafeBytes { Glibc.send(fds.server, $0.baseAddress, $0.count - 1, 0) }
        var pollfd = Glibc.pollfd(fd: fds.client, events: Int16(POLLIN), revents: 0)
        _ = Glibc.poll(&pollfd, 1, 1_000)
        let readBefore = Clock.realtimeNanos()
        var arrival: Int64 = -1
        let n = ClientSocket.receive(fds.client, into: buffer, arrivalNanos: &arrival)
        let bytes = n > 0 ? String(decoding: UnsafeRawBufferPointer(rebasing: buffer[..<n]), as: UTF8.self) : "error \(n)"
        return (bytes, arrival, sentAfter, readBefore)
    }

    func close(_ fds: (client: Int32, server: Int32, listener: Int32)) {
        ClientSocket.abort(fds.client)
        Glibc.close(fds.server)
        Glibc.close(fds.listener)
    }

    @Test("a stamped socket reports when the bytes reached it, between the send and the read")
    func arrivalStamp() throws {
        let fds = try pair(stamped: true)
        defer { close(fds) }
        // The kernel turns stamping on lazily (a deferred static key) when the first socket in
        // the system asks, so the very first segment may come unstamped (arrival 0): the
        // harness then takes its own read time. Every later one is stamped.
        let first = roundTrip("hello", fds)
        #expect(first.bytes == "hello")
        #expect(first.arrival == 0 || (first.arrival >= first.sentAfter && first.arrival <= first.readBefore))
        usleep(20_000)
        let got = roundTrip("world", fds)
        #expect(got.bytes == "world")
        #expect(got.arrival >= got.sentAfter && got.arrival <= got.readBefore)
    }

    @Test("an unstamped socket reads the same bytes and reports no arrival time")
    func noStamp() throws {
        let fds = try pair(stamped: false)
        defer { close(fds) }
        let got = roundTrip("plain", fds)
        #expect(got.bytes == "plain" && got.arrival == 0)
    }

    @Test("an empty socket answers -EAGAIN, a closed peer 0")
    func emptyAndClosed() throws {
        let fds = try pair(stamped: true)
        defer { close(fds) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 8)
        defer { buffer.deallocate() }
        var arrival: Int64 = 0
        #expect(ClientSocket.receive(fds.client, into: buffer, arrivalNanos: &arrival) == -Int(EAGAIN))
        Glibc.shutdown(fds.server, Int32(SHUT_WR))
        var pollfd = Glibc.pollfd(fd: fds.client, events: Int16(POLLIN), revents: 0)
        _ = Glibc.poll(&pollfd, 1, 1_000)
        #expect(ClientSocket.receive(fds.client, into: buffer, arrivalNanos: &arrival) == 0)
    }
}
