import Glibc
import Posix
import WebSocketCore

/// Connecting, reading, writing and ending connections: the loop executes what each
/// connection's `ClientSession` asks for. Sockets are registered once, edge-triggered for both
/// directions: a read goes on until the socket is drained (a short read or EAGAIN), output left
/// over waits for the writable edge, and no epoll_ctl is needed after the first.
extension WSClientProcess {
    static let interest = Epoll.readable | Epoll.writable | Epoll.edgeTriggered

    func startConnection(_ local: Int, now: Int64) {
        let global = config.globalIndex(process: processIndex, local: local)
        slots[local].session.startedNanos = now
        slots[local].session.phase = .connecting
        slots[local].generation &+= 1
        if slots[local].attempts > 0 {
            let due = now + Int64(config.connectTimeoutSeconds * 1e9)
            timers.push(.init(due: due, slot: Int32(local), generation: slots[local].generation, kind: .connectTimeout))
        }
        slots[local].attempts += 1
        do {
            let (fd, status) = try ClientSocket.connect(from: config.sources.address(forConnection: global),
                                                       to: config.host, port: config.port,
                                                       stamped: config.receiveTime == .arrival)
            slots[local].fd = fd
            try epoll.add(fd, events: Self.interest, token: UInt64(local))
            if status == 0 { connected(local) }
        } catch {
            let reason: FailureReason = switch (error.call, error.errno) {
            case ("connect", let errno): FailureReason.connectError(errno)
            case ("bind", EADDRNOTAVAIL), ("bind", EADDRINUSE): .noSourcePort
            default: .socket
            }
            finish(slot: local, reason, error.description)
        }
    }

    func handle(slot index: Int, events mask: UInt32) {
        switch slots[index].session.phase {
        case .connecting:
            let error = Socket.pendingError(slots[index].fd)
            if error != 0 {
                finish(slot: index, FailureReason.connectError(error), "connect: \(String(cString: strerror(error)))")
            } else if mask & (Epoll.writable | Epoll.error | Epoll.hangUp) != 0 {
                connected(index)
            }
        case .upgrading, .open:
            if mask & Epoll.writable != 0 { flush(index) }
            if mask & (Epoll.readable | Epoll.error | Epoll.hangUp) != 0 { readable(index) }
        case .waiting, .finished:
            break
        }
    }

    /// TCP is up: send the upgrade request and wait for the answer.
    func connected(_ index: Int) {
        slots[index].session.phase = .upgrading
        upgradeRequest.withUnsafeBytes { send(index, $0) }
    }

    /// Reads until the socket is drained: a read shorter than the space offered took all there
    /// was, and data arriving later raises a new edge.
    func readable(_ index: Int) {
        while true {
            let carried = slots[index].carry.count
            let space = UnsafeMutableRawBufferPointer(rebasing: readBuffer[carried..<(carried + Self.readChunk)])
            var arrival: Int64 = 0
            let n = ClientSocket.receive(slots[index].fd, into: space, arrivalNanos: &arrival)
            if n == -Int(EAGAIN) { return }
            if n < 0 {
                let what = String(cString: strerror(Int32(-n)))
                return finish(slot: index, slots[index].session.phase == .open ? .lostAfterOpen : .reset, "recv: \(what)")
            }
            if n == 0 { return endOfStream(index) }
            if carried > 0 {
                readBuffer.baseAddress!.copyMemory(from: slots[index].carry.base!, byteCount: carried)
                slots[index].carry.removeAll()
            }
            stats.bytesReceived += Int64(n)
            // With stamps on, a message counts as received when it reached the socket; how late
            // this process read it is the harness's delay, recorded apart.
            let now = Clock.realtimeNanos()
            if arrival > 0 && inWindow { stats.recordReadDelay(micros: (now - arrival) / 1000) }
            let received = arrival > 0 ? arrival : now
            let clock = ReceiveClock(nowMicros: received / 1000, inWindow: inWindow && lateBeforeMicros == nil,
                                     monoNanos: Clock.monotonicNanos(), lateBeforeMicros: lateBeforeMicros,
                                     windowEndMicros: arrival > 0 ? windowEndMicros : nil)
            process(index, UnsafeRawBufferPointer(rebasing: readBuffer[..<(carried + n)]), clock: clock)
            if slots[index].fd < 0 || n < Self.readChunk { return }
        }
    }

    /// Hands received bytes to the session and carries out what it asks for; what is left of
    /// an unfinished frame is stashed.
    func process(_ index: Int, _ bytes: UnsafeRawBufferPointer, clock: ReceiveClock) {
        var offset = 0
        if slots[index].session.phase == .upgrading {
            switch slots[index].session.receiveUpgrade(bytes, handshake: handshake, endOfStream: false) {
            case .needMore:
                return slots[index].carry.replace(with: bytes)
            case .rejected(let reason, let detail):
                return finish(slot: index, reason, detail)
            case .upgraded(let headLength):
                offset = headLength
                upgraded(index)
            }
        }
        while true {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            let (consumed, action) = slots[index].session.receive(rest, clock: clock, stats: &stats)
            switch action {
            case .none:
                return slots[index].carry.replace(with: UnsafeRawBufferPointer(rebasing: rest[consumed...]))
            case .serverReady:
                subscribe(index, clock: clock)
            case .pong(let payloadOffset, let length):
                sendControl(index, .pong, UnsafeRawBufferPointer(rebasing: rest[payloadOffset..<(payloadOffset + length)]))
            case .closed(let code):
                sendControl(index, .close, UnsafeRawBufferPointer(start: nil, count: 0))
                return finish(slot: index, .closedByServer, "close frame\(code.map { " \($0)" } ?? " without a code")")
            case .fail(let reason, let detail):
                return finish(slot: index, reason, detail)
            }
            if slots[index].fd < 0 { return }
            offset += consumed
        }
    }

    func upgraded(_ index: Int) {
        openNow += 1
        if !slots[index].resolved {
            slots[index].resolved = true
            resolved += 1
        }
        if !slots[index].opened {
            slots[index].opened = true
            stats.opened(at: Clock.monotonicNanos())
        }
    }

    func endOfStream(_ index: Int) {
        let session = slots[index].session
        guard session.phase == .upgrading else {
            return finish(slot: index, .lostAfterOpen, "end of stream without a close frame")
        }
        let outcome = slots[index].session.receiveUpgrade(slots[index].carry.bytes, handshake: handshake, endOfStream: true)
        if case .rejected(let reason, let detail) = outcome { return finish(slot: index, reason, detail) }
        finish(slot: index, .closedBeforeUpgrade, "closed right after the upgrade")
    }

    /// Sends a masked control frame (pong, close) of at most 125 bytes.
    func sendControl(_ index: Int, _ opcode: WebSocketOpcode, _ payload: UnsafeRawBufferPointer) {
        withUnsafeTemporaryAllocation(byteCount: 2 + 4 + 125, alignment: 8) { frame in
            let length = min(payload.count, 125)
            let header = WebSocketFrameEncoder.writeHeader(into: frame, opcode: opcode, payloadLength: length, maskingKey: maskingKey)
            let body = UnsafeMutableRawBufferPointer(rebasing: frame[header..<(header + length)])
            if length > 0 { body.copyMemory(from: UnsafeRawBufferPointer(rebasing: payload[..<length])) }
            maskingKey.apply(to: body)
            send(index, UnsafeRawBufferPointer(rebasing: frame[..<(header + length)]))
        }
    }

    /// Sends now what the socket takes; the rest waits for EPOLLOUT.
    func send(_ index: Int, _ bytes: UnsafeRawBufferPointer) {
        guard slots[index].pending.isEmpty else { return slots[index].pending.append(bytes) }
        let n = Socket.send(slots[index].fd, bytes)
        if n == bytes.count { return }
        if n < 0 && n != -Int(EAGAIN) {
            return finish(slot: index, slots[index].session.phase == .open ? .lostAfterOpen : .reset,
                          "send: \(String(cString: strerror(Int32(-n))))")
        }
        slots[index].pending.append(UnsafeRawBufferPointer(rebasing: bytes[max(0, n)...]))
    }

    func flush(_ index: Int) {
        guard !slots[index].pending.isEmpty else { return }
        let n = Socket.send(slots[index].fd, slots[index].pending.bytes)
        if n < 0 && n != -Int(EAGAIN) {
            return finish(slot: index, slots[index].session.phase == .open ? .lostAfterOpen : .reset, "send failed")
        }
        slots[index].pending.removeFirst(max(0, n))
    }

    /// Ends a connection that failed or was dropped: counted under `reason`, socket closed,
    /// buffers freed; with `--reconnect`, the next attempt is scheduled.
    func finish(slot index: Int, _ reason: FailureReason, _ detail: String) {
        let phase = slots[index].session.phase
        guard slots[index].fd >= 0 || (phase != .finished && phase != .waiting) else { return }
        if !reason.afterOpen && slots[index].resolved {
            // A later attempt of a client already counted (opened, or failed once): an attempt,
            // not a connection that failed to open.
            stats.counters[.reconnectAttemptsFailed] += 1
        } else {
            stats.fail(reason, detail)
        }
        if reason.afterOpen {
            openNow -= 1
        } else if !slots[index].resolved {
            slots[index].resolved = true
            resolved += 1
        }
        if slots[index].fd >= 0 { Glibc.close(slots[index].fd) }
        slots[index].fd = -1
        slots[index].session.phase = .finished
        slots[index].carry.release()
        slots[index].pending.release()
        if config.reconnect && !finished { scheduleReconnect(index) }
    }
}
