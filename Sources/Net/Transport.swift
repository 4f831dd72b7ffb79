import Glibc
import Posix
import Synchronization
import TLS

/// One connected TCP stream, plain or TLS, client or server side. Every call blocks until it is
/// done, its deadline passes (`.timeout`), or another thread calls `interrupt()` (`.interrupted`);
/// underneath, the socket is non-blocking and waits happen in poll(2).
///
/// One owner thread does the I/O; only `interrupt()` may be called from other threads.
public final class Transport: @unchecked Sendable {
    /// The socket; -1 once closed.
    public private(set) var fd: Int32
    /// "host:port" of the peer, for messages.
    public let peer: String
    /// Signalled by `interrupt()`; polled beside the socket. Closed only in `deinit`, so a late
    /// `interrupt()` from another thread never writes to a recycled descriptor.
    private let wakeFD: Int32
    private let interrupted = Atomic<Bool>(false)
    private var tls: TLSSession?
    /// Ciphertext staging for TLS (allocated only for TLS transports).
    private var cipher: UnsafeMutableRawBufferPointer?
    private static let cipherSize = 32 << 10

    init(fd: Int32, peer: String) throws(NetError) {
        do {
            wakeFD = try EventFD.make()
        } catch {
            FD.close(fd)
            throw NetError(.connect, "creating the wake-up eventfd for \(peer): \(error)")
        }
        self.fd = fd
        self.peer = peer
        Socket.setNoDelay(fd)
    }

    deinit {
        close()
        FD.close(wakeFD)
        cipher?.deallocate()
    }

    /// Whether this stream runs TLS.
    public var isSecure: Bool { tls != nil }

    /// "TLSv1.3" and the like, or nil for plain TCP.
    public var tlsVersion: String? { tls?.protocolVersion }

    /// Makes a blocked (or the next) read or write fail with `.interrupted` promptly. Sticky:
    /// afterwards the transport is only good for `close()`. Thread-safe.
    public func interrupt() {
        interrupted.store(true, ordering: .releasing)  // pairs with the acquiring load in checkInterrupted
        EventFD.signal(wakeFD)
    }

    /// Whether `interrupt()` has been called.
    public var isInterrupted: Bool { interrupted.load(ordering: .acquiring) }

    /// Sends TLS close_notify (best effort, without waiting) and closes the socket. Idempotent.
    public func close() {
        guard fd >= 0 else { return }
        if let tls, tls.handshakeDone {
            tls.shutdown()
            flushTLSWithoutWaiting(tls)
        }
        FD.close(fd)
        fd = -1
    }

    @inline(__always)
    func checkInterrupted(_ doing: @autoclosure () -> String) throws(NetError) {
        if interrupted.load(ordering: .acquiring) {
            throw NetError(.interrupted, "\(doing()) \(peer): interrupted")
        }
    }

    func ensureOpen(_ doing: @autoclosure () -> String) throws(NetError) {
        if fd < 0 { throw NetError(.closed, "\(doing()) \(peer): the connection is closed") }
    }

    /// Waits until the socket reports `events` (or an error/hang-up, which the retried call then
    /// reports), the deadline passes, or `interrupt()` is called.
    func waitFor(_ events: Int16, deadline: Int64?, _ doing: @autoclosure () -> String) throws(NetError) {
        try checkInterrupted(doing())
        guard let timeout = Poll.millis(until: deadline, now: Clock.monotonicNanos()) else {
            throw NetError(.timeout, "\(doing()) \(peer): deadline passed")
        }
        let readiness: Poll.Readiness
        do {
            readiness = try Poll.wait(fd, events: events, wakeFD: wakeFD, timeoutMillis: timeout)
        } catch {
            throw NetError(.closed, "\(doing()) \(peer): \(error)")
        }
        if readiness.woken { try checkInterrupted(doing()) }
    }

    /// Reads bytes into `buffer`: a positive count, or 0 at the peer's orderly end of stream
    /// (for TLS, close_notify or a TCP close). Throws `.timeout` when the deadline passes first.
    public func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Int64?) throws(NetError) -> Int {
        precondition(buffer.count > 0, "read into an empty buffer")
        try ensureOpen("reading from")
        guard let tls else { return try receiveRaw(into: buffer, deadline: deadline, "reading from") }
        return try readTLS(tls, into: buffer, deadline: deadline)
    }

    /// Writes every byte of `bytes`, waiting for room in the socket as needed. After a timeout or
    /// an interrupt, part of `bytes` may have gone out: the stream is no longer in step.
    public func writeAll(_ bytes: UnsafeRawBufferPointer, deadline: Int64?) throws(NetError) {
        try ensureOpen("writing to")
        guard bytes.count > 0 else { return }
        guard let tls else { return try sendRaw(bytes, deadline: deadline, "writing to") }
        try writeTLS(tls, bytes, deadline: deadline)
    }

    /// Writes every byte of `bytes` (for the rare paths where an array is at hand).
    public func writeAll(_ bytes: [UInt8], deadline: Int64?) throws(NetError) {
        let result: Result<Void, NetError> = bytes.withUnsafeBytes { raw in
            do throws(NetError) {
                return .success(try writeAll(raw, deadline: deadline))
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// One recv, waiting while nothing is there: bytes read or 0 at end of stream.
    func receiveRaw(into buffer: UnsafeMutableRawBufferPointer, deadline: Int64?, _ doing: @autoclosure () -> String) throws(NetError) -> Int {
        while true {
            try checkInterrupted(doing())
            let n = Socket.receive(fd, into: buffer)
            if n >= 0 { return n }
            let err = Int32(-n)
            guard err == EAGAIN || err == EWOULDBLOCK else { throw socketError(doing(), err) }
            try waitFor(Int16(POLLIN), deadline: deadline, doing())
        }
    }

    /// Sends all of `bytes`, waiting for room.
    func sendRaw(_ bytes: UnsafeRawBufferPointer, deadline: Int64?, _ doing: @autoclosure () -> String) throws(NetError) {
        var done = 0
        while done < bytes.count {
            try checkInterrupted(doing())
            let n = Socket.send(fd, UnsafeRawBufferPointer(rebasing: bytes[done...]))
            if n >= 0 {
                done += n
                continue
            }
            let err = Int32(-n)
            guard err == EAGAIN || err == EWOULDBLOCK else { throw socketError(doing(), err) }
            try waitFor(Int16(POLLOUT), deadline: deadline, doing())
        }
    }

    func socketError(_ doing: String, _ err: Int32) -> NetError {
        NetError(.closed, "\(doing) \(peer): \(SystemError("socket", errno: err).reason)")
    }

    /// The staging buffer for ciphertext, made on first use.
    func cipherBuffer() -> UnsafeMutableRawBufferPointer {
        if let cipher { return cipher }
        let made = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.cipherSize, alignment: 16)
        cipher = made
        return made
    }

    func attach(_ session: TLSSession) { tls = session }
}

extension SystemError {
    /// strerror text with the errno, without the call name.
    var reason: String { "\(String(cString: strerror(errno))) (errno \(errno))" }
}
