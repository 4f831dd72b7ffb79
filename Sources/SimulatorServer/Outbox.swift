import Posix

/// Something the control API or the server asks a connection's thread to do.
public enum ConnectionCommand: Sendable, Equatable {
    /// Reset the connection: TCP RST, no close frame.
    case drop
    /// No data and no pings until this monotonic time.
    case stall(untilNanos: Int64)
    /// Send this many junk frames.
    case malformed(count: Int)
    /// Until this monotonic time, none of the subscribed frames but, every 100 ms, a frame of a
    /// stream not subscribed to; pings go on.
    case unsubscribedStream(untilNanos: Int64)
    /// Send the `serverShutdown` event, close at this monotonic time.
    case serverShutdown(closeAtNanos: Int64)
    /// The simulator is stopping: close frame 1001, then close.
    case shutdown
}

/// A connection's bounded queue of frames from the generator, plus commands, with an eventfd
/// that wakes the connection's thread. The generator never waits: past the bound the
/// connection is marked slow and its thread closes it.
public final class Outbox: @unchecked Sendable {
    public let wakeFD: Int32
    public let maxBytes: Int
    private struct State {
        var frames: [WireFrame] = []
        var bytes = 0
        var signalled = false
        var commands: [ConnectionCommand] = []
        var overflowed = false
        var closed = false
    }
    private let state = Locked(State())

    public init(maxBytes: Int) throws(SystemError) {
        wakeFD = try EventFD.make()
        self.maxBytes = maxBytes
    }

    deinit { FD.close(wakeFD) }

    /// Appends a batch; false (and the connection is marked slow) when it does not fit.
    @discardableResult
    public func push(_ frames: [WireFrame], bytes: Int) -> Bool {
        var wake = false
        let accepted: Bool = state.withLock { s in
            guard !s.closed, !s.overflowed else { return false }
            guard s.bytes + bytes <= maxBytes else {
                s.overflowed = true
                s.frames.removeAll()
                s.bytes = 0
                wake = !s.signalled
                s.signalled = true
                return false
            }
            s.frames.append(contentsOf: frames)
            s.bytes += bytes
            wake = !s.signalled
            s.signalled = true
            return true
        }
        if wake { EventFD.signal(wakeFD) }
        return accepted
    }

    public func send(_ command: ConnectionCommand) {
        let wake: Bool = state.withLock { s in
            guard !s.closed else { return false }
            s.commands.append(command)
            let w = !s.signalled
            s.signalled = true
            return w
        }
        if wake { EventFD.signal(wakeFD) }
    }

    /// Everything queued, for the connection's thread; the next push signals again.
    public func take() -> (frames: [WireFrame], bytes: Int, commands: [ConnectionCommand], overflowed: Bool) {
        _ = EventFD.drain(wakeFD)
        return state.withLock { s in
            defer {
                s.frames = []
                s.bytes = 0
                s.commands = []
                s.signalled = false
            }
            return (s.frames, s.bytes, s.commands, s.overflowed)
        }
    }

    /// Queued bytes not yet taken.
    public var queuedBytes: Int { state.withLock { $0.bytes } }

    /// Refuses further pushes (the connection is going away).
    public func close() { state.withLock { $0.closed = true } }
}
