import Posix

/// Where the loop reads the time: the system clocks, or a test's.
struct LoopClock: Sendable {
    var monotonicNanos: @Sendable () -> Int64
    var realtimeSeconds: @Sendable () -> Int64
    /// Wall-clock milliseconds, for the `timestamp` of WebSocket messages.
    var realtimeMillis: @Sendable () -> Int64 = { Clock.realtimeNanos() / 1_000_000 }

    static let system = LoopClock(monotonicNanos: { Clock.monotonicNanos() },
                                  realtimeSeconds: { Clock.realtimeNanos() / 1_000_000_000 })
}

/// The worker's loop: submit-and-wait, drain the batch of completions, switch on each one's op
/// into a small handler, then start the sends the batch produced. Generic over its backend so
/// the io_uring one is specialised in, and a scripted one can drive it in tests. Its state
/// belongs to the loop's one thread and skips dynamic exclusivity checks.
final class EventLoop<Backend: EventBackend> {
    /// Descriptors the loop reads but does not own.
    struct Descriptors {
        var listen: Int32
        var wake: Int32?
        var stop: Int32?
        var signal: Int32?
    }

    let backend: Backend
    let clock: LoopClock
    let options: WorkerOptions
    let hooks: WorkerHooks
    let fds: Descriptors
    let router: Router
    let table: ConnectionTable
    let timeouts: Connection.Timeouts
    @exclusivity(unchecked) var counters = WorkerCounters()
    @exclusivity(unchecked) var dates = DateCache()
    /// Monotonic time of this loop turn, in ns.
    @exclusivity(unchecked) var now: Int64 = 0
    /// Connections with something to send (or to close) at the end of this turn, without
    /// reference counting (see `ConnectionTable.handles`).
    @exclusivity(unchecked) var flushList: [Unmanaged<Connection>] = []
    /// Where the next turn's `flush` starts in `flushList` (a fan-out larger than a turn's
    /// sends is taken part by part without moving the rest).
    @exclusivity(unchecked) var flushHead = 0
    /// Connections whose receive waits for buffers: armed at the end of the turn.
    @exclusivity(unchecked) var deferredReceives: [Connection] = []
    @exclusivity(unchecked) var acceptArmed = false
    /// A wake-up's coalescing window is running; its end reads the ring (`onGather`).
    @exclusivity(unchecked) var gathering = false
    /// Accepting failed for lack of resources; try again at the next tick.
    @exclusivity(unchecked) var acceptRetryAtTick = false
    /// Full, with a shared listener: not listening, so the other workers take the connections.
    @exclusivity(unchecked) var pausedWhileFull = false
    /// Connections were left on the shared socket for less loaded workers: the next wake-up
    /// (perhaps another worker's nudge) looks again, and whatever still waits at the tick is
    /// taken then.
    @exclusivity(unchecked) var leftToOthers = false
    /// A wake-up, stop or signal read failed; arm it again at the next tick.
    @exclusivity(unchecked) var readRetryAtTick = (wake: false, stop: false, signal: false)
    @exclusivity(unchecked) var stopping = false
    /// Open connections per client address (the per-address limit).
    @exclusivity(unchecked) var connectionsPerAddress: [PeerAddress: Int] = [:]
    /// A response head written before a kept body is sent at once (`EventLoop.sendNow`).
    @exclusivity(unchecked) var scratchHead = RawBytes()
    /// Request allowances per client address (the rate limit).
    @exclusivity(unchecked) var rateBuckets: [PeerAddress: TokenBucket] = [:]
    @exclusivity(unchecked) var lastRateSweep: Int64 = 0
    /// The subscription index: (symbol, market) → slots of terminal connections subscribed to it.
    @exclusivity(unchecked) var subscriptionIndex = SubscriptionIndex()
    /// The symbols the terminal route serves.
    let directory: SymbolDirectory
    @exclusivity(unchecked) var stopDeadline: Int64 = .max
    @exclusivity(unchecked) var finished = false
    /// Targets of the eventfd and signalfd reads; they live as long as the loop.
    let readArea: UnsafeMutableRawBufferPointer
    static var signalReadBytes: Int { Signals.siginfoSize * 4 }

    init(backend: Backend, fds: Descriptors, options: WorkerOptions, hooks: WorkerHooks,
         router: Router = .standard, clock: LoopClock = .system) {
        self.backend = backend
        self.clock = clock
        self.fds = fds
        self.options = options
        self.hooks = hooks
        self.router = router
        directory = hooks.symbolDirectory ?? OpenSymbolDirectory()
        table = ConnectionTable(capacity: options.maxConnections + Self.refusalReserve, limits: options.limits)
        timeouts = Connection.Timeouts(header: options.headerTimeout.nanoseconds, idle: options.idleTimeout.nanoseconds,
                                       send: options.sendTimeout.nanoseconds)
        readArea = .allocate(byteCount: 16 + Self.signalReadBytes, alignment: 16)
        flushList.reserveCapacity(256)
    }

    deinit {
        readArea.deallocate()
        scratchHead.free()
    }

    /// Runs until a stop was requested and the connections drained (or the shutdown timeout).
    func run() throws(SystemError) {
        start()
        while !finished { try turn() }
    }

    /// Arms the standing operations: accept, tick, wake-up, stop and signal reads.
    func start() {
        updateClock()
        armAccept()
        armTick()
        armWake()
        armStopRead()
        armSignalRead()
    }

    /// One turn: submit and wait, handle the batch, start the sends it produced. When the last
    /// turn left sends unstarted (a fan-out larger than `maxSendsPerTurn`), it does not wait,
    /// and it reads the ring before starting the next part: a record that came while the
    /// fan-out ran joins the frames of every connection not yet sent to, in the same send,
    /// instead of waiting for the whole fan-out to end and starting another.
    func turn() throws(SystemError) {
        let continuing = flushHead < flushList.count
        try backend.submit(waiting: !continuing)
        updateClock()
        backend.drain { handle($0) }
        if continuing { hooks.onWake(broadcaster: self) }
        flush()
        armDeferredReceives()
        if stopping { stopProgress() }
    }

    func updateClock() {
        now = clock.monotonicNanos()
        dates.update(epochSeconds: clock.realtimeSeconds())
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
        case .stop: onStopRead(completion)
        case .gather: onGather()
        case .cancel, nil: break
        }
    }

    /// Queues `connection` for the flush at the end of this turn.
    @inline(__always)
    func queueFlush(_ connection: Connection) {
        guard !connection.flushQueued else { return }
        connection.flushQueued = true
        flushList.append(.passUnretained(connection))
    }

    /// Starts one send for every connection with output and none in flight: responses the
    /// batch produced for the same connection leave together. At most `maxSendsPerTurn` start
    /// in one turn (the rest at the next), so a turn's completions fit the completion queue
    /// and a fan-out to thousands never stalls the loop's timers.
    func flush() {
        var started = 0
        var index = flushHead
        while index < flushList.count && started < options.maxSendsPerTurn {
            let handle = flushList[index]
            index += 1
            if handle._withUnsafeGuaranteedRef({ startSend($0) }) { started += 1 }
        }
        if index == flushList.count {
            flushList.removeAll(keepingCapacity: true)
            flushHead = 0
        } else if index >= 4096 && index * 2 >= flushList.count {
            flushList.removeFirst(index)
            flushHead = 0
        } else {
            flushHead = index
        }
    }

    /// Starts `connection`'s send if it has output and none in flight; true if one started.
    @inline(__always)
    private func startSend(_ connection: Connection) -> Bool {
        connection.flushQueued = false
        guard connection.phase == .open else { return false }
        guard let out = connection.sends.beginSend() else {
            if connection.sends.isEmpty { flushed(connection) }
            return false
        }
        connection.lastSendProgress = now
        switch out {
        case .contiguous(let bytes): backend.send(fd: connection.fd, bytes: bytes, tag: connection.tag(.send))
        case .vector(let message): backend.sendMessage(fd: connection.fd, message: message, tag: connection.tag(.send))
        }
        return true
    }

    /// Everything queued has left: close if that was the plan, or if stopping and idle.
    func flushed(_ connection: Connection) {
        // An answer still being computed goes out first, whatever comes after it.
        guard connection.pendingAPI == nil else { return }
        if connection.closeAfterSend || (stopping && connection.isIdle) { close(connection) }
    }
}
