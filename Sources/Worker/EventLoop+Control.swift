import Glibc
import Posix

/// The loop's own events: the tick, the feeder's wake-up, signals, and stopping.
extension EventLoop {
    private var wakeArea: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: readArea[0..<8]) }
    private var stopArea: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: readArea[8..<16]) }
    private var signalArea: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: readArea[16...]) }

    func armTick() {
        backend.armTimer(nanoseconds: options.tickInterval.nanoseconds, tag: CompletionTag(op: .tick))
    }

    func armWake() {
        if let fd = fds.wake { backend.read(fd: fd, into: wakeArea, tag: CompletionTag(op: .wake)) }
    }

    func armStopRead() {
        if let fd = fds.stop { backend.read(fd: fd, into: stopArea, tag: CompletionTag(op: .stop)) }
    }

    func armSignalRead() {
        if let fd = fds.signal { backend.read(fd: fd, into: signalArea, tag: CompletionTag(op: .signal)) }
    }

    func onTick(_ completion: Completion) {
        armTick()
        sweepTimeouts()
        if now - lastRateSweep > 5_000_000_000 {
            lastRateSweep = now
            sweepRateBuckets()
        }
        if acceptRetryAtTick && !stopping {
            acceptRetryAtTick = false
            if !acceptArmed && !pausedWhileFull { armAccept() }
        }
        resumeIfRoom(atTick: true)
        if leftToOthers {
            // What the less loaded workers have not taken by now they may never take.
            leftToOthers = false
            if !stopping && !pausedWhileFull { takeWaiting(leavingToLessLoaded: false) }
        }
        if readRetryAtTick.wake { armWake() }
        if readRetryAtTick.stop { armStopRead() }
        if readRetryAtTick.signal { armSignalRead() }
        readRetryAtTick = (false, false, false)
        // A wake-up the feeder sent while the read was being re-armed is caught here.
        hooks.onWake(broadcaster: self)
        hooks.onTerminalClients(counters.terminalClients, subscribersPerSymbol: subscriptionIndex.perSymbol)
        hooks.onTick(counters)
    }

    /// Closes what has been silent or stuck too long; answers 408 to half-sent requests.
    func sweepTimeouts() {
        for connection in table.slots where connection.phase == .open {
            if connection.webSocket != nil {
                sweepWebSocket(connection)
                continue
            }
            switch connection.expiry(now: now, timeouts: timeouts) {
            case nil:
                continue
            case .idle:
                counters.idleTimeouts += 1
                close(connection)
            case .request:
                counters.requestTimeouts += 1
                answerAndClose(connection, status: .requestTimeout)
            case .send:
                drop(connection)
            }
        }
    }

    // A failed read is tried again at the tick, not at once: a lasting error would spin.

    func onWake(_ completion: Completion) {
        guard completion.result >= 0 else { return readRetryAtTick.wake = true }
        armWake()
        if leftToOthers && !stopping && !pausedWhileFull {
            // Perhaps a nudge: the worker that took after this one declined is ahead now.
            leftToOthers = false
            takeWaiting(leavingToLessLoaded: true)
        }
        guard !gathering else { return }
        // Mid-fan-out the next part reads the ring anyway (`turn`); a small worker reads at once.
        let idle = flushHead >= flushList.count
        let window = options.coalesceWindow.nanoseconds
        if window > 0 && idle && counters.terminalClients >= options.coalesceMinClients && !stopping {
            gathering = true
            return backend.armTimer(nanoseconds: window, tag: CompletionTag(op: .gather))
        }
        hooks.onWake(broadcaster: self)
    }

    /// The coalescing window has passed: whatever the feeder published meanwhile leaves together.
    func onGather() {
        gathering = false
        hooks.onWake(broadcaster: self)
    }

    func onStopRead(_ completion: Completion) {
        guard completion.result >= 0 else { return readRetryAtTick.stop = true }
        beginStop()
    }

    func onSignal(_ completion: Completion) {
        let result = Int(completion.result)
        if result >= 0 { armSignalRead() } else { readRetryAtTick.signal = true }
        guard result > 0 else { return }
        let size = Signals.siginfoSize
        for offset in stride(from: 0, to: result - size + 1, by: size) {
            guard let signal = Signals.decode(UnsafeRawBufferPointer(rebasing: signalArea[offset..<(offset + size)])) else { continue }
            switch signal {
            case .term, .int, .quit: beginStop()
            case .usr1: hooks.onReopenLogs()
            default: break  // HUP and the rest: the supervisor's business
            }
        }
    }

    /// While stopping, a connection that has not sent its first request yet gets this long to do
    /// so: its client connected moments ago and is about to ask (closing it would fail a request
    /// during a reload), whereas an idle keep-alive connection is closed at once.
    static var freshConnectionGraceNs: Int64 { 1_000_000_000 }

    /// Stop accepting, let busy connections finish, close the idle ones.
    func beginStop() {
        guard !stopping else { return }
        stopping = true
        stopDeadline = now + options.shutdownTimeout.nanoseconds
        acceptRetryAtTick = false
        if acceptArmed { backend.cancel(CompletionTag(op: .accept), tag: CompletionTag(op: .cancel)) }
        closeWebSocketsForStop()
        stopProgress()
    }

    /// While stopping: close what went idle; past the deadline drop the rest; finish when no
    /// slot is held (or shortly after the deadline, whatever the kernel still holds).
    func stopProgress() {
        let pastDeadline = now >= stopDeadline
        for connection in table.slots where connection.phase == .open {
            if pastDeadline {
                drop(connection)
            } else if connection.isIdle && (connection.requestsServed > 0 || now - connection.lastActivity > Self.freshConnectionGraceNs) {
                close(connection)
            }
        }
        // The cancelled accept must report back first: exiting with it still in the kernel could
        // take a connection off the listening socket and close it unanswered.
        finished = (table.inUse == 0 && !acceptArmed) || now >= stopDeadline + options.tickInterval.nanoseconds * 2
    }
}
