import Glibc
import Posix
import TLS

/// TLS over the socket: ciphertext moves between the socket and the memory-BIO `TLSSession`.
extension Transport {
    /// Runs the handshake to the end; closes the transport and throws on failure.
    func handshake(context: TLSContext, serverName: String?, deadline: Int64?) throws(NetError) {
        let session: TLSSession
        do {
            session = try TLSSession(context: context, serverName: serverName)
        } catch {
            close()
            throw NetError(.tls, "TLS setup for \(peer): \(error)")
        }
        do throws(NetError) {
            try runHandshake(session, deadline: deadline)
        } catch {
            close()
            throw error
        }
        attach(session)
    }

    private func runHandshake(_ session: TLSSession, deadline: Int64?) throws(NetError) {
        let buffer = cipherBuffer()
        while true {
            let progress = session.handshake()
            if case .failed(let error) = progress {
                flushTLSWithoutWaiting(session)  // the alert tells the peer why
                throw NetError(.tls, "TLS handshake with \(peer): \(error.message)")
            }
            try flushTLS(session, deadline: deadline, "TLS handshake with")
            if progress == .done { return }
            let n = try receiveRaw(into: buffer, deadline: deadline, "TLS handshake with")
            guard n > 0 else { throw NetError(.tls, "TLS handshake with \(peer): the peer closed the connection") }
            session.feed(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
        }
    }

    func readTLS(_ session: TLSSession, into buffer: UnsafeMutableRawBufferPointer, deadline: Int64?) throws(NetError) -> Int {
        let staging = cipherBuffer()
        while true {
            try checkInterrupted("reading from")
            switch session.read(into: buffer) {
            case .bytes(let n): return n
            case .closed: return 0
            case .failed(let error): throw NetError(.tls, "reading TLS from \(peer): \(error.message)")
            case .wantIO: break
            }
            // TLS 1.3 may want to answer (key update) before it can go on.
            if session.pendingOutput > 0 { try flushTLS(session, deadline: deadline, "reading from") }
            let n = try receiveRaw(into: staging, deadline: deadline, "reading from")
            // A TCP close without close_notify reads as end of stream: many servers skip it.
            guard n > 0 else { return 0 }
            session.feed(UnsafeRawBufferPointer(rebasing: staging[..<n]))
        }
    }

    func writeTLS(_ session: TLSSession, _ bytes: UnsafeRawBufferPointer, deadline: Int64?) throws(NetError) {
        var done = 0
        while done < bytes.count {
            // Chunks of 16 KiB (one record) keep the memory BIO small.
            let chunk = UnsafeRawBufferPointer(rebasing: bytes[done..<min(bytes.count, done + 16 << 10)])
            switch session.write(chunk) {
            case .success(let n): done += n
            case .failure(let error): throw NetError(.tls, "writing TLS to \(peer): \(error.message)")
            }
            try flushTLS(session, deadline: deadline, "writing to")
        }
    }

    /// Sends every pending ciphertext byte.
    func flushTLS(_ session: TLSSession, deadline: Int64?, _ doing: @autoclosure () -> String) throws(NetError) {
        let staging = cipherBuffer()
        while session.pendingOutput > 0 {
            let n = session.takeOutput(into: staging)
            guard n > 0 else { return }
            try sendRaw(UnsafeRawBufferPointer(rebasing: staging[..<n]), deadline: deadline, doing())
        }
    }

    /// Sends pending ciphertext as far as the socket takes it now; used when closing.
    func flushTLSWithoutWaiting(_ session: TLSSession) {
        guard fd >= 0 else { return }
        let staging = cipherBuffer()
        while session.pendingOutput > 0 {
            let n = session.takeOutput(into: staging)
            guard n > 0, Socket.send(fd, UnsafeRawBufferPointer(rebasing: staging[..<n])) == n else { return }
        }
    }
}
