import Posix
import WebSocketCore

extension WebSocketClient {
    /// Waits until one message or control frame arrives and hands it to `body`; false when the
    /// deadline passed first. The payload pointer is valid only inside `body`. Pings are answered
    /// and a close is answered before `body` sees them; after a close, calls throw `.closed`.
    /// A broken stream is closed with the matching code (1002, 1007, 1009) and throws
    /// `.protocolViolation` or `.tooLarge`.
    public func receive(deadline: Int64?, _ body: (Event, UnsafeRawBufferPointer) -> Void) throws(NetError) -> Bool {
        if let finished { throw finished }
        while true {
            switch WebSocketFrameScanner.scan(buffer.readable, maxPayload: maxMessageSize) {
            case .frame(let header, let headerSize):
                let total = headerSize + header.payloadLength
                let payload = UnsafeRawBufferPointer(rebasing: buffer.readable[headerSize..<total])
                framesReceived += 1
                let delivered = try handle(header, payload, body)
                buffer.consume(total)
                if delivered { return true }
            case .needMore(let total):
                guard try fill(total: total, deadline: deadline) else { return false }
            case .error(let code, let reason):
                throw fail(code, reason)
            }
        }
    }

    /// Reads more bytes so that a frame of `total` bytes can fit; false on timeout.
    private func fill(total: Int, deadline: Int64?) throws(NetError) -> Bool {
        // Reads of at least 16 KiB keep syscalls few. The scanner refuses frames over the limit,
        // so this only fails on a broken invariant.
        guard buffer.reserve(total: total, minimumFree: 16 << 10) else {
            throw fail(.messageTooBig, "frame of \(total) bytes does not fit")
        }
        let n: Int
        do {
            n = try transport.read(into: buffer.writable, deadline: deadline)
        } catch {
            if error.kind == .timeout { return false }
            if error.kind != .interrupted { finish(error) }
            throw error
        }
        guard n > 0 else {
            let error = NetError(.closed, "WebSocket \(endpoint.hostAndPort): the server closed the connection without a close frame")
            finish(error)
            throw error
        }
        buffer.commit(n)
        bytesReceived += Int64(n)
        return true
    }

    /// Applies the protocol to one frame; true when `body` was called.
    private func handle(
        _ header: WebSocketFrameHeader, _ payload: UnsafeRawBufferPointer, _ body: (Event, UnsafeRawBufferPointer) -> Void
    ) throws(NetError) -> Bool {
        lastFrameNanos = Clock.monotonicNanos()
        switch reader.take(header, payload) {
        case .absorbed:
            return false
        case .fail(let code, let reason):
            throw fail(code, reason)
        case .deliver(let event, .assembled):
            messagesReceived += 1
            reader.assembled.withUnsafeBytes { body(event, $0) }
            reader.delivered()
            return true
        case .deliver(let event, .frame):
            try react(to: event, payload)
            body(event, payload)
            return true
        }
    }

    /// The protocol's own duties for a frame handed out in place: count it, answer pings, answer
    /// or complete a close.
    private func react(to event: Event, _ payload: UnsafeRawBufferPointer) throws(NetError) {
        switch event {
        case .text, .binary:
            messagesReceived += 1
        case .pong:
            pongsReceived += 1
        case .ping:
            pingsReceived += 1
            guard state.state == .open else { return }
            // Binance counts pongs against 5 control messages a second per connection: a ping
            // flood (junk) is answered at most `pongsPerSecond` times a second; a later ping is
            // answered again (RFC 6455 §5.5.3 lets a pong answer only the latest ping).
            let now = Clock.monotonicNanos()
            if now - pongWindowStartNanos >= 1_000_000_000 {
                pongWindowStartNanos = now
                pongsInWindow = 0
            }
            guard pongsInWindow < Self.pongsPerSecond else {
                pongsSkipped += 1
                return
            }
            pongsInWindow += 1
            try writeFrame(.pong, payload, deadline: Deadline.after(nanos: Self.controlTimeoutNanos))
        case .close(let code, let reason):
            let action = state.received(.close(code: code.map { WebSocketCloseCode(rawValue: $0) }, reason: reason))
            if case .sendClose(let echo, _) = action {
                try? writeFrame(.close, echo, deadline: Deadline.after(nanos: Self.controlTimeoutNanos))
            }
            let said = code.map { " with \($0)\(reason.isEmpty ? "" : " \(reason)")" } ?? ""
            finish(NetError(.closed, "WebSocket \(endpoint.hostAndPort): the server closed the connection\(said)"))
        }
    }

    /// Sends a close with `code` (best effort), closes the socket, and returns the error to throw.
    func fail(_ code: WebSocketCloseCode, _ reason: String) -> NetError {
        let kind: NetError.Kind = code == .messageTooBig ? .tooLarge : .protocolViolation
        let error = NetError(kind, "WebSocket \(endpoint.hostAndPort): \(reason) (closing with \(code))")
        if case .sendClose(let payload, _) = state.received(.error(code, reason)) {
            try? writeFrame(.close, payload, deadline: Deadline.after(nanos: Self.controlTimeoutNanos))
        }
        finish(error)
        return error
    }
}
