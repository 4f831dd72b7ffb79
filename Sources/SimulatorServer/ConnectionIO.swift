import CPosix
import Glibc
import Posix
import TLS

/// The server side of one accepted TCP connection, plain or TLS over `TLSSession`'s memory
/// BIOs, on a non-blocking socket. Its thread polls; this type reads what is there and writes
/// what the socket takes, keeping the rest queued. One owner thread.
final class ConnectionIO {
    private(set) var fd: Int32
    let peer: String
    private let tls: TLSSession?
    /// Plaintext waiting to be written (or encrypted), from `sentOffset` on.
    private var out: [UInt8] = []
    private var sentOffset = 0
    /// Ciphertext taken from the TLS session that the socket did not take yet.
    private var cipherOut: [UInt8] = []
    private var cipherOffset = 0
    private var readBuffer = [UInt8](repeating: 0, count: 64 << 10)
    private var cipherBuffer: [UInt8]

    enum IOError: Error {
        case closed(String)
    }

    init(fd: Int32, tls: TLSContext?) throws(TLSError) {
        self.fd = fd
        peer = Socket.peerName(fd)
        Socket.setNoDelay(fd)
        cipherBuffer = tls == nil ? [] : [UInt8](repeating: 0, count: 64 << 10)
        self.tls = try tls.map { ctx throws(TLSError) in try TLSSession(context: ctx) }
    }

    deinit { close() }

    var isSecure: Bool { tls != nil }

    /// Bytes queued and not yet on the wire.
    var pendingBytes: Int { out.count - sentOffset + cipherOut.count - cipherOffset + (tls?.pendingOutput ?? 0) }

    var wantsWrite: Bool { pendingBytes > 0 }

    /// Runs the TLS handshake to the end or the deadline (monotonic ns).
    func handshake(deadline: Int64) throws(IOError) {
        guard let tls else { return }
        while true {
            let progress = tls.handshake()
            if case .failed(let e) = progress {
                _ = try? flush()
                throw .closed("TLS handshake failed: \(e.message)")
            }
            while wantsWrite {
                try flush()
                if wantsWrite { try wait(Int16(POLLOUT), until: deadline) }
            }
            if progress == .done { return }
            try wait(Int16(POLLIN), until: deadline)
            guard try receiveCipher() else { throw .closed("peer closed during the TLS handshake") }
        }
    }

    private func wait(_ events: Int16, until deadline: Int64) throws(IOError) {
        guard let ms = Poll.millis(until: deadline, now: Clock.monotonicNanos()) else {
            throw .closed("TLS handshake timed out")
        }
        _ = try? Poll.wait(fd, events: events, wakeFD: -1, timeoutMillis: ms)
    }

    /// Reads ciphertext into the session; false at end of stream.
    private func receiveCipher() throws(IOError) -> Bool {
        let n = cipherBuffer.withUnsafeMutableBytes { Socket.receive(fd, into: $0) }
        if n == 0 { return false }
        if n < 0 {
            if -n == Int(EAGAIN) || -n == Int(EWOULDBLOCK) { return true }
            throw .closed("recv: errno \(-n)")
        }
        cipherBuffer.withUnsafeBytes { tls!.feed(UnsafeRawBufferPointer(rebasing: $0[..<n])) }
        return true
    }

    /// Reads what is available and hands the plaintext to `sink`; false at end of stream.
    func readAvailable(_ sink: (UnsafeRawBufferPointer) -> Void) throws(IOError) -> Bool {
        guard let tls else {
            while true {
                let n = readBuffer.withUnsafeMutableBytes { Socket.receive(fd, into: $0) }
                if n == 0 { return false }
                if n < 0 {
                    if -n == Int(EAGAIN) || -n == Int(EWOULDBLOCK) { return true }
                    throw .closed("recv: errno \(-n)")
                }
                readBuffer.withUnsafeBytes { sink(UnsafeRawBufferPointer(rebasing: $0[..<n])) }
                if n < readBuffer.count { return true }
            }
        }
        let open = try receiveCipher()
        while true {
            let r = readBuffer.withUnsafeMutableBytes { tls.read(into: $0) }
            switch r {
            case .bytes(let n): readBuffer.withUnsafeBytes { sink(UnsafeRawBufferPointer(rebasing: $0[..<n])) }
            case .wantIO: return open
            case .closed: return false
            case .failed(let e): throw .closed("TLS read failed: \(e.message)")
            }
        }
    }

    func queue(_ bytes: some Collection<UInt8>) { out.append(contentsOf: bytes) }

    /// Writes as much as the socket takes now.
    func flush() throws(IOError) {
        if let tls {
            if sentOffset < out.count, tls.pendingOutput < 256 << 10 {
                let r = out.withUnsafeBytes { tls.write(UnsafeRawBufferPointer(rebasing: $0[sentOffset...])) }
                switch r {
                case .success(let n): sentOffset += n
                case .failure(let e): throw .closed("TLS write failed: \(e.message)")
                }
            }
            while true {
                if cipherOffset < cipherOut.count {
                    guard try send(&cipherOut, &cipherOffset) else { break }
                }
                guard tls.pendingOutput > 0 else { break }
                let n = cipherBuffer.withUnsafeMutableBytes { tls.takeOutput(into: $0) }
                cipherOut.removeAll(keepingCapacity: true)
                cipherOut.append(contentsOf: cipherBuffer[..<n])
                cipherOffset = 0
            }
        } else if sentOffset < out.count {
            _ = try send(&out, &sentOffset)
        }
        if sentOffset == out.count {
            out.removeAll(keepingCapacity: out.capacity <= 4 << 20)
            sentOffset = 0
        } else if sentOffset > 1 << 20 {
            out.removeFirst(sentOffset)
            sentOffset = 0
        }
    }

    /// Sends from `offset`; false when the socket is full.
    private func send(_ bytes: inout [UInt8], _ offset: inout Int) throws(IOError) -> Bool {
        while offset < bytes.count {
            let start = offset
            let n = bytes.withUnsafeBytes { Socket.send(fd, UnsafeRawBufferPointer(rebasing: $0[start...])) }
            if n < 0 {
                if -n == Int(EAGAIN) || -n == Int(EWOULDBLOCK) { return false }
                throw .closed("send: errno \(-n)")
            }
            offset += n
        }
        return true
    }

    /// Flushes until everything is written or the deadline passes.
    func flushAll(deadline: Int64) -> Bool {
        while true {
            do { try flush() } catch { return false }
            if !wantsWrite { return true }
            guard let ms = Poll.millis(until: deadline, now: Clock.monotonicNanos()) else { return false }
            _ = try? Poll.wait(fd, events: Int16(POLLOUT), wakeFD: -1, timeoutMillis: ms)
        }
    }

    /// Closes with a TCP reset: SO_LINGER 0, then close (the `drop` fault).
    func reset() {
        guard fd >= 0 else { return }
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        FD.close(fd)
        fd = -1
    }

    /// An orderly close (TLS close_notify first, best effort).
    func close() {
        guard fd >= 0 else { return }
        if let tls, tls.handshakeDone {
            tls.shutdown()
            _ = try? flush()
        }
        Socket.shutdownWrite(fd)
        FD.close(fd)
        fd = -1
    }
}
