import Posix

/// The worker's loop: submit-and-wait, drain the batch of completions, switch on each one's op
/// into a small handler, then start the sends the batch produced. Generic over its backend so
/// the io_uring one is specialised in, and a scripted one can drive it in tests.
final class EventLoop<Backend: EventBackend> {
    /// Descriptors the loop reads but does not own.
    struct Descriptors {
        var listen: Int32
        var wake: Int32?
        var stop: Int32?
        var signal: Int32?
    }

    let backend: Backend
    let options: WorkerOptions
    let hooks: WorkerHooks
    let fds: Descriptors
    let router: Router
    let table: ConnectionTable
    let timeouts: Connection.Timeouts
    var counters = WorkerCounters()
    var dates = DateCache()
    /// Monotonic time of this loop turn, in ns.
    var now: Int64 = 0
    /// Connections with something to send (or to close) at the end of this turn.
    var flushList: [Connection] = []
    var acceptArmed = false
    /// Accepting failed for lack of resources; try again at the next tick.
    var acceptRetryAtTick = false
    var stopping = false
    var stopDeadline: Int64 = .max
    var finished = false
    /// Targets of the eventfd and signalfd reads; they live as long as the loop.
    let readArea: UnsafeMutableRawBufferPointer
    static var signalReadBytes: Int { Signals.siginfoSize * 4 }

    init(backend: Backend, fds: Descriptors, options: WorkerOptions, hooks: WorkerHooks, router: Router = .standard) {
        self.backend = backend
        self.fds = fds
        self.options = options
        self.hooks = hooks
        self.router = router
        table = ConnectionTable(capacity: options.maxConnections, limits: options.limits)
        timeouts = Connection.Timeouts(header: options.headerTimeout.nanoseconds, idle: options.idleTimeout.nanoseconds,
                                       send: options.sendTimeout.nanoseconds)
        readArea = .allocate(byteCount: 16 + Self.signalReadBytes, alignment: 16)
        flushList.reserveCapacity(256)
    }

    deinit { readArea.deallocate() }

    /// Runs until a stop was requested and the connections drained (or the shutdown timeout).
    func run() throws(SystemError) {
        updateClock()
        armAccept()
        armTick()
        armWake()
        armStopRead()
        armSignalRead()
        while !finished {
            try backend.submitAndWait()
            updateClock()
            backend.drain { handle($0) }
            flush()
            if stopping { stopProgress() }
        }
    }

    func updateClock() {
        now = Clock.monotonicNanos()
        dates.update(epochSeconds: Clock.realtimeNanos() / 1_000_000_000)
    }

    /// One completion into its handler; a provided buffer always goes back, whoever it was for.
    @inline(__always)
    func handle(_ completion: Completion) {
        defer { if let id = completion.bufferID { backend.recycle(bufferID: id) } }
        switch completion.tag.op {
        case .receive: onReceive(completion)
        case .send: onSend(completion)
        case .accept: onAccept(completion)
        case .tick: onTick(completion)
        case .wake: onWake(completion)
        case .signal: onSignal(completion)
        case .stop: beginStop()
        case .cancel, nil: break
        }
    }

    /// Queues `connection` for the flush at the end of this turn.
    @inline(__always)
    func queueFlush(_ connection: Connection) {
        guard !connection.flushQueued else { return }
        connection.flushQueued = true
        flushList.append(connection)
    }

    /// Starts one send for every connection with output and none in flight: responses the
    /// batch produced for the same connection leave together.
    func flush() {
        for connection in flushList {
            connection.flushQueued = false
            guard connection.phase == .open else { continue }
            if let bytes = connection.sends.beginSend() {
                connection.lastSendProgress = now
                backend.send(fd: connection.fd, bytes: bytes, tag: connection.tag(.send))
            } else if connection.sends.isEmpty {
                flushed(connection)
            }
        }
        flushList.removeAll(keepingCapacity: true)
    }

    /// Everything queued has left: close if that was the plan, or if stopping and idle.
    func flushed(_ connection: Connection) {
        if connection.closeAfterSend || (stopping && connection.isIdle) { close(connection) }
    }
}
