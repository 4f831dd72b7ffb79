import Glibc
import Posix

/// Connecting, sending, reading and replacing connections. Sockets are registered once,
/// edge-triggered for both directions; a read goes on until the socket is drained.
extension RESTRunner {
    static let interest = Epoll.readable | Epoll.writable | Epoll.edgeTriggered
    /// A refused or failed connect is tried again this much later.
    static let retryDelay: Int64 = 100_000_000

    func connect(_ index: Int, now: Int64) {
        slots[index].parser.reset()
        do {
            let (fd, status) = try ClientSocket.connect(from: config.sources.address(forConnection: connectsStarted),
                                                       to: config.host, port: config.port)
            connectsStarted += 1
            slots[index].fd = fd
            slots[index].phase = .connecting
            try epoll.add(fd, events: Self.interest, token: UInt64(index))
            if status == 0 { becameIdle(index) }
        } catch {
            stats.fail(error.call == "connect" ? RESTFailure.connect(errno: error.errno) : .connectOther, error.description)
            if slots[index].fd >= 0 { Glibc.close(slots[index].fd) }
            slots[index].fd = -1
            slots[index].phase = .down
            slots[index].retryAt = now + Self.retryDelay
            down += 1
        }
    }

    func reconnectDue(now: Int64) {
        for index in slots.indices where slots[index].phase == .down && slots[index].retryAt <= now {
            down -= 1
            connect(index, now: now)
        }
    }

    func becameIdle(_ index: Int) {
        everOpened = true
        lastAliveNs = Clock.monotonicNanos()
        slots[index].phase = .idle
        idle.append(index)
    }

    func handle(slot index: Int, events mask: UInt32) {
        switch slots[index].phase {
        case .connecting:
            let error = Socket.pendingError(slots[index].fd)
            if error != 0 {
                drop(index, RESTFailure.connect(errno: error), "connect: \(String(cString: strerror(error)))",
                     now: Clock.monotonicNanos(), retryAfter: Self.retryDelay)
            } else if mask & (Epoll.writable | Epoll.error | Epoll.hangUp) != 0 {
                becameIdle(index)
            }
        case .idle, .busy:
            if mask & Epoll.writable != 0 { flush(index) }
            if mask & (Epoll.readable | Epoll.error | Epoll.hangUp) != 0 { readable(index) }
        case .down:
            break
        }
    }

    /// Reads until the socket is drained, parsing in place: the parser keeps its own state
    /// between reads, so nothing is carried.
    func readable(_ index: Int) {
        while slots[index].fd >= 0 {
            let n = Socket.receive(slots[index].fd, into: readBuffer)
            if n == -Int(EAGAIN) { return }
            let now = Clock.monotonicNanos()
            if n < 0 { return lost(index, "recv: \(String(cString: strerror(Int32(-n))))", now: now) }
            if n == 0 { return lost(index, "end of stream", now: now) }
            parse(index, UnsafeRawBufferPointer(rebasing: readBuffer[..<n]), now: now)
            if n < readBuffer.count { return }
        }
    }

    func parse(_ index: Int, _ bytes: UnsafeRawBufferPointer, now: Int64) {
        var offset = 0
        while offset < bytes.count {
            guard slots[index].phase == .busy else {
                return drop(index, .malformed, "\(bytes.count - offset) bytes with no request outstanding", now: now)
            }
            switch slots[index].parser.parse(UnsafeRawBufferPointer(rebasing: bytes[offset...])) {
            case .needMore:
                return
            case .malformed(let problem):
                return drop(index, .malformed, problem.rawValue, now: now)
            case .response(let status, let consumed):
                offset += consumed
                stats.answer(status: status, dueNanos: slots[index].dueNanos, now: now, inWindow: slots[index].inWindow,
                             arrivedInWindow: now >= window.start && now < window.end,
                             timedOut: now - slots[index].dueNanos >= Int64(config.timeoutSeconds * 1e9))
                busy -= 1
                becameIdle(index)
            }
        }
    }

    /// The stream failed or ended: a failure when a request was on it, else (a keep-alive
    /// connection the server closed) just a new connection.
    func lost(_ index: Int, _ detail: String, now: Int64) {
        if slots[index].phase == .busy {
            return drop(index, detail == "end of stream" ? .closed : .reset, detail, now: now)
        }
        stats.reconnects += 1
        drop(index, nil, detail, now: now)
    }

    /// Closes a connection (counting `failure`, if any) and connects it again after `retryAfter`.
    func drop(_ index: Int, _ failure: RESTFailure?, _ detail: String, now: Int64, retryAfter: Int64 = 0) {
        if let failure { stats.fail(failure, detail) }
        if let failure, slots[index].phase == .busy && slots[index].inWindow {
            stats.giveUp(dueNanos: slots[index].dueNanos, now: now, unanswered: failure)
        }
        switch slots[index].phase {
        case .busy: busy -= 1
        case .idle: idle.removeAll { $0 == index }
        case .connecting, .down: break
        }
        if slots[index].fd >= 0 { Glibc.close(slots[index].fd) }
        slots[index].fd = -1
        slots[index].phase = .down
        slots[index].pending.removeAll()
        slots[index].retryAt = now + retryAfter
        down += 1
    }

    /// Sends now what the socket takes; the rest waits for the writable edge.
    func send(_ index: Int, _ bytes: UnsafeRawBufferPointer) {
        guard slots[index].pending.isEmpty else { return slots[index].pending.append(bytes) }
        let n = Socket.send(slots[index].fd, bytes)
        if n == bytes.count { return }
        if n < 0 && n != -Int(EAGAIN) {
            return drop(index, .reset, "send: \(String(cString: strerror(Int32(-n))))", now: Clock.monotonicNanos())
        }
        slots[index].pending.append(UnsafeRawBufferPointer(rebasing: bytes[max(0, n)...]))
    }

    func flush(_ index: Int) {
        guard !slots[index].pending.isEmpty else { return }
        let n = Socket.send(slots[index].fd, slots[index].pending.bytes)
        if n < 0 && n != -Int(EAGAIN) { return drop(index, .reset, "send failed", now: Clock.monotonicNanos()) }
        slots[index].pending.removeFirst(max(0, n))
    }
}

extension Epoll {
    /// Waits at most `timeoutNanos`. Below two milliseconds epoll's millisecond timeout is too
    /// coarse for an open-loop timetable, so the wait is a pselect(2) on the epoll descriptor
    /// (nanosecond timeout; ppoll is not in Glibc's Swift module), then a non-blocking collect.
    public func wait(into events: EpollEvents, timeoutNanos: Int64) -> Int {
        if timeoutNanos <= 0 || fd >= 1024 { return wait(into: events, timeoutMillis: 0) }
        if timeoutNanos >= 2_000_000 { return wait(into: events, timeoutMillis: Int32(clamping: timeoutNanos / 1_000_000)) }
        var set = fd_set()
        withUnsafeMutableBytes(of: &set) { words in
            let word = Int(fd) / 64
            words.storeBytes(of: UInt64(1) << UInt64(fd % 64), toByteOffset: word * 8, as: UInt64.self)
        }
        var limit = timespec(tv_sec: 0, tv_nsec: Int(timeoutNanos))
        guard pselect(fd + 1, &set, nil, nil, &limit, nil) > 0 else { return 0 }
        return wait(into: events, timeoutMillis: 0)
    }
}
