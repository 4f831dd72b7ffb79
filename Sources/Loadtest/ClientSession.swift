import WebSocketCore

/// The moment a batch of bytes was received: wall-clock µs (what `recv_us` is compared with),
/// monotonic ns (what reconnect times are measured on) and whether the measurement window is open.
public struct ReceiveClock: Sendable {
    public var nowMicros: Int64
    public var inWindow: Bool
    public var monoNanos: Int64
    /// After the window, while the harness reads what it had not read yet: the window's end
    /// (wall µs) less a grace for an ordinary delivery. A trade the server stamped before it was
    /// published in the window and read only after it: the harness (or the sending) fell behind.
    public var lateBeforeMicros: Int64?
    /// In that drain, when `nowMicros` is the kernel's arrival stamp: the window's end (wall µs).
    /// A trade that reached the socket after it was delivered late by the server (its latency
    /// says so), not read late by the harness.
    public var windowEndMicros: Int64?

    public init(nowMicros: Int64, inWindow: Bool, monoNanos: Int64 = 0, lateBeforeMicros: Int64? = nil,
                windowEndMicros: Int64? = nil) {
        self.nowMicros = nowMicros
        self.inWindow = inWindow
        self.monoNanos = monoNanos
        self.lateBeforeMicros = lateBeforeMicros
        self.windowEndMicros = windowEndMicros
    }

    /// Whether a message read now had reached the socket within the window (unknown without
    /// arrival stamps: then it counts as having been there).
    var arrivedInWindow: Bool { windowEndMicros.map { nowMicros <= $0 } ?? true }
}

/// One client connection's protocol state and its trade accounting, as a value: bytes in,
/// an action out, so the epoll loop only executes actions and tests need no socket.
public struct ClientSession: Sendable {
    public enum Phase: UInt8, Sendable {
        case waiting, connecting, upgrading, open, finished
    }

    /// What the loop must do after `receive` stopped.
    public enum Action: Equatable, Sendable {
        /// Every whole frame is consumed; keep the rest for the next read.
        case none
        /// The server said `connected`: send the subscription, if the run has one.
        case serverReady
        /// Answer a ping whose payload is at `payloadOffset` (`length` bytes) of the input.
        case pong(payloadOffset: Int, length: Int)
        /// The server sent a close frame (code, if any): answer it and finish.
        case closed(code: UInt16?)
        /// The stream broke the protocol: finish.
        case fail(FailureReason, String)
    }

    /// Largest frame accepted (a depth snapshot is the largest message the server sends).
    public static let maxPayload = 1 << 20

    public var phase: Phase = .waiting
    /// When the connect started (monotonic ns), for the connect timeout.
    public var startedNanos: Int64 = 0
    public var firstId: Int64 = -1
    public var lastId: Int64 = -1
    public var lastSequence: Int64 = -1
    /// Distinct trades received in id order.
    public var trades: Int64 = 0
    public var missing: Int64 = 0
    public var duplicates: Int64 = 0
    /// In the end-of-run drain: a trade published after the window's end was read, so this
    /// client has read all the window offered it.
    public var caughtUp = false
    /// The client across its connections: backoff and resume point.
    public var link = Reconnection()
    /// Its part in the current fault.
    public var watch = FaultWatch()

    public init() {}

    /// Judges the upgrade answer in `bytes`; on success the session is open.
    public mutating func receiveUpgrade(_ bytes: UnsafeRawBufferPointer, handshake: WebSocketClientHandshake,
                                        endOfStream: Bool) -> HandshakeResponse.Outcome {
        let outcome = HandshakeResponse.evaluate(bytes, handshake: handshake, endOfStream: endOfStream)
        switch outcome {
        case .upgraded: phase = .open
        case .rejected: phase = .finished
        case .needMore: break
        }
        return outcome
    }

    /// Consumes whole frames from the front of `bytes` until one needs an action or the rest
    /// is incomplete. Returns the bytes consumed (including the frame the action is about).
    public mutating func receive(_ bytes: UnsafeRawBufferPointer, clock: ReceiveClock,
                                 stats: inout ProcessStats) -> (consumed: Int, action: Action) {
        var offset = 0
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            switch WebSocketFrameScanner.scan(rest, maxPayload: Self.maxPayload) {
            case .needMore:
                return (offset, .none)
            case .error(let code, let reason):
                phase = .finished
                return (offset, .fail(.protocolViolation, "\(reason) (close code \(code.rawValue))"))
            case .frame(let header, let headerSize):
                let start = offset + headerSize
                let next = start + header.payloadLength
                let payload = UnsafeRawBufferPointer(rebasing: bytes[start..<next])
                switch header.opcode {
                case .text:
                    if take(payload, clock: clock, stats: &stats) { return (next, .serverReady) }
                case .binary, .continuation:
                    stats.messages += 1
                case .ping:
                    stats.counters[.pings] += 1
                    return (next, .pong(payloadOffset: start, length: header.payloadLength))
                case .pong:
                    break
                case .close:
                    phase = .finished
                    let code = payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
                    return (next, .closed(code: code))
                }
                offset = next
            }
        }
        return (offset, .none)
    }

    /// Accounts one text message; true when it is the server's `connected`.
    @inline(__always)
    mutating func take(_ payload: UnsafeRawBufferPointer, clock: ReceiveClock, stats: inout ProcessStats) -> Bool {
        stats.messages += 1
        switch ServerMessage.scan(payload) {
        case .trade(let id, let received, let sequence):
            stats.trades += 1
            if received >= 0, let limit = clock.lateBeforeMicros, received <= limit {
                // Published in the window, read after it: it belongs to the window's latency, and
                // to the harness's lateness if it had reached the socket in the window.
                if clock.arrivedInWindow { stats.counters[.tradesReadLate] += 1 }
                stats.recordLatency(micros: clock.nowMicros - received, inWindow: true)
            } else if received >= 0 {
                if clock.lateBeforeMicros != nil { caughtUp = true }
                stats.recordLatency(micros: clock.nowMicros - received, inWindow: clock.inWindow)
                if watch.awaitingLive && link.live { stats.faults.trade(&watch, receivedMicros: received, nowMicros: clock.nowMicros) }
            }
            if clock.inWindow {
                stats.tradesInWindow += 1
                stats.dataInWindow += 1
            }
            if id >= 0 { account(id: id, stats: &stats) }
            if sequence >= 0 {
                if sequence <= lastSequence { stats.counters[.sequenceRegressions] += 1 }
                lastSequence = sequence
                link.processed(sequence: sequence)
            }
        case .gap:
            stats.counters[.gapNotices] += 1
            stats.faults.add(.gapNotices)
        case .connected:
            return true
        case .subscribed(let epoch, let sequence):
            stats.counters[.subscribedAcks] += 1
            let action = link.handle(.subscribed(epoch: epoch, sequence: sequence, nowNanos: clock.monoNanos))
            if case .reconnected(let nanos, _) = action { stats.reconnected(micros: nanos / 1000) }
        case .recovery(let reply):
            if case .recovery(let outcome) = link.handle(.recovery(reply)) { stats.recovery(outcome) }
        case .error:
            stats.counters[.errorReplies] += 1
            if stats.firstErrorReply == nil {
                stats.firstErrorReply = String(decoding: payload.prefix(200), as: UTF8.self)
            }
        case .other:
            // Depth, tickers, candles…: data the subscription asked for, counted by message.
            if clock.inWindow { stats.dataInWindow += 1 }
        }
        return false
    }

    /// Per-client id accounting: consecutive ids are expected; a jump counts the ids skipped,
    /// an id at or below the last one is a duplicate.
    @inline(__always)
    mutating func account(id: Int64, stats: inout ProcessStats) {
        if lastId < 0 {
            firstId = id
        } else if id <= lastId {
            duplicates += 1
            stats.counters[.duplicateIds] += 1
            stats.faults.add(.duplicateIds)
            return
        } else if id > lastId + 1 {
            missing += id - lastId - 1
            stats.counters[.missingIds] += id - lastId - 1
            stats.faults.add(.missingIds, id - lastId - 1)
            watch.missing += id - lastId - 1
        }
        lastId = id
        trades += 1
    }

    /// Adds this client's end-of-run figures to `counters`.
    public func summarize(into counters: inout CounterSet) {
        if trades > 0 {
            counters[.clientsWithTrade] += 1
            counters[.idSpan] += lastId - firstId + 1
        }
        if missing > 0 { counters[.clientsWithGap] += 1 }
        switch phase {
        case .open: counters[.openAtEnd] += 1
        case .waiting: counters[.awayWaiting] += 1
        case .connecting: counters[.awayConnecting] += 1
        case .upgrading: counters[.awayUpgrading] += 1
        case .finished: counters[.awayFinished] += 1
        }
    }
}
