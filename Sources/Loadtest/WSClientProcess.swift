import Glibc
import Posix
import WebSocketCore

/// One connection of a client process: its socket, protocol state and stashed bytes.
struct ClientSlot {
    var fd: Int32 = -1
    var session = ClientSession()
    /// The unfinished frame (or upgrade answer) left after the last read.
    var carry = ByteStash()
    /// Output the socket has not taken yet.
    var pending = ByteStash()
    /// Bumped by every connection attempt and every scheduled reconnect: a timer entry for an
    /// earlier one is ignored.
    var generation: UInt32 = 0
    /// Connection attempts started.
    var attempts: Int32 = 0
    /// It has opened or failed at least once (the ramp is over for it); it has ever opened.
    var resolved = false
    var opened = false
}

/// A client process of a WebSocket run: one thread, one edge-triggered epoll, this process's
/// share of the connections opened at its share of the arrival rate. It reports to the parent
/// over `reportFD` and takes the measurement window from `controlFD` (DESIGN.md §7).
public final class WSClientProcess {
    /// Where a child finds its pipes (set up by the parent's spawn).
    public static let controlFD: Int32 = 0
    public static let reportFD: Int32 = 3

    let config: WSLoadConfig
    let processIndex: Int
    let count: Int
    let rate: Double
    let epoll: Epoll
    let events = EpollEvents(capacity: 1024)
    let slots: UnsafeMutableBufferPointer<ClientSlot>
    var stats = ProcessStats()
    let handshake: WebSocketClientHandshake
    let upgradeRequest: [UInt8]
    let subscribeFrame: [UInt8]?
    let maskingKey = WebSocketMaskingKey.random()
    /// Reads land after the carried bytes of the connection read from.
    let readBuffer: UnsafeMutableRawBufferPointer
    static let readChunk = 256 << 10
    let controlFD: Int32
    let reportFD: Int32
    var control = ByteStash()

    var started = 0
    var resolved = 0
    var openNow = 0
    var timeoutCursor = 0
    var rampStart: Int64 = 0
    var window: (start: Int64, end: Int64)?
    var inWindow = false
    var windowCPUStart: Int64 = 0
    var nextProgress: Int64 = 0
    var nextSweep: Int64 = 0
    var finished = false
    /// `config.readIntervalSeconds` in ns.
    let readInterval: Int64
    /// Set during the end-of-run drain: trades stamped before it count as read late.
    var lateBeforeMicros: Int64?
    /// During the drain: the window's end (wall µs), to tell the harness's lateness from the server's.
    var windowEndMicros: Int64?
    /// Reconnects due and reconnect attempts' timeouts.
    var timers = TimerHeap()
    /// SplitMix64 state for backoff jitter.
    var jitterState: UInt64

    static let controlToken = UInt64.max

    public init(config: WSLoadConfig, processIndex: Int, controlFD: Int32 = WSClientProcess.controlFD,
                reportFD: Int32 = WSClientProcess.reportFD) throws(SystemError) {
        self.config = config
        self.processIndex = processIndex
        (count, rate) = config.share(ofProcess: processIndex)
        epoll = try Epoll()
        slots = .allocate(capacity: count)
        slots.initialize(repeating: ClientSlot())
        handshake = WebSocketClientHandshake()
        upgradeRequest = handshake.request(host: "\(SourceAddresses.format(config.host)):\(config.port)", path: config.path)
        subscribeFrame = config.subscribe.map { [maskingKey] text in
            WebSocketFrameEncoder.frame(opcode: .text, payload: Array(text.utf8), maskingKey: maskingKey)
        }
        readBuffer = .allocate(byteCount: Self.readChunk + ClientSession.maxPayload + 64, alignment: 64)
        self.controlFD = controlFD
        self.reportFD = reportFD
        readInterval = Int64(config.readIntervalSeconds * 1e9)
        jitterState = UInt64(truncatingIfNeeded: Clock.realtimeNanos()) ^ UInt64(processIndex) << 48
        try FD.setNonBlocking(controlFD)
        try epoll.add(controlFD, events: Epoll.readable, token: Self.controlToken)
    }

    deinit {
        for index in slots.indices where slots[index].fd >= 0 { ClientSocket.abort(slots[index].fd) }
        for index in slots.indices {
            slots[index].carry.release()
            slots[index].pending.release()
        }
        slots.deallocate()
        readBuffer.deallocate()
        control.release()
    }

    /// Runs until the window ends or the parent says stop (or goes away); the exit status.
    public func run() -> Int32 {
        rampStart = Clock.monotonicNanos()
        nextProgress = rampStart + 1_000_000_000
        while !finished {
            let now = Clock.monotonicNanos()
            startDue(now: now)
            runTimers(now: now)
            if now >= nextSweep { sweepTimeouts(now: now) }
            advanceWindow(now: now)
            if finished { break }
            if now >= nextProgress {
                report(.progress)
                nextProgress += 1_000_000_000
                if nextProgress <= now { nextProgress = now + 1_000_000_000 }
            }
            let ready = epoll.wait(into: events, timeoutMillis: config.busyPoll ? 0 : waitMillis(now: now))
            // The parent's commands first: a fault is known before the disconnects it caused.
            for i in 0..<ready where events.token(at: i) == Self.controlToken { readControl() }
            for i in 0..<ready {
                let token = events.token(at: i)
                if token != Self.controlToken { handle(slot: Int(token), events: events.events(at: i)) }
            }
            // A full batch means more sockets are ready: take them before pausing.
            if readInterval > 0 && ready > 0 && ready < events.capacity { pause(until: now + readInterval) }
        }
        finish()
        return 0
    }

    /// Sleeps until `deadline` (monotonic ns) unless the window or a report is due first.
    func pause(until deadline: Int64) {
        var end = min(deadline, nextProgress)
        if let window { end = min(end, inWindow ? window.end : window.start) }
        let left = end - Clock.monotonicNanos()
        if left > 0 { usleep(UInt32(left / 1000)) }
    }

    /// How long epoll may wait: until the next connection is due, the next report or window
    /// edge, at most 100 ms (the timeout sweep).
    func waitMillis(now: Int64) -> Int32 {
        var next = min(nextProgress, now + 100_000_000)
        if started < count { next = min(next, startTime(of: started)) }
        if let due = timers.nextDue { next = min(next, due) }
        if let window { next = min(next, inWindow ? window.end : window.start) }
        return Int32(clamping: max(0, (next - now + 999_999) / 1_000_000))
    }

    /// When connection `local` is due (monotonic ns).
    @inline(__always)
    func startTime(of local: Int) -> Int64 { rampStart + Int64(Double(local) / rate * 1e9) }

    /// Starts every connection that is due, at most 512 per turn so reads are not starved.
    func startDue(now: Int64) {
        var budget = 512
        while started < count && budget > 0 && startTime(of: started) <= now {
            startConnection(started, now: now)
            started += 1
            budget -= 1
        }
    }

    /// Fails connections that have not upgraded within the timeout. Deadlines follow start
    /// order, so the sweep begins at the oldest unresolved connection and stops at the first
    /// one still in time.
    func sweepTimeouts(now: Int64) {
        nextSweep = now + 100_000_000
        let limit = Int64(config.connectTimeoutSeconds * 1e9)
        var index = timeoutCursor
        while index < started {
            let session = slots[index].session
            if session.phase == .connecting || session.phase == .upgrading {
                guard now - session.startedNanos >= limit else { break }
                let what = session.phase == .connecting ? "TCP connect" : "upgrade answer"
                finish(slot: index, .timeout, "no \(what) within \(config.connectTimeoutSeconds) s")
            }
            if index == timeoutCursor { timeoutCursor += 1 }
            index += 1
        }
    }

    func advanceWindow(now: Int64) {
        guard let window else { return }
        if !inWindow && now >= window.start && now < window.end {
            inWindow = true
            windowCPUStart = ProcessUsage.selfCPUNanos()
            stats.counters[.openAtWindowStart] = Int64(openNow)
            stats.latency.reset()
        }
        if now >= window.end { finished = true }
    }

    /// Reads the parent's commands: `window <start ns> <end ns>`, `fault <index> <wall µs>
    /// <hits feed 0|1>` and `stop`. End of file: the parent is gone, so stop.
    func readControl() {
        if !control.fill(from: controlFD) { finished = true }
        while let line = control.takeLine() {
            let words = line.split(separator: " ")
            if words.first == "stop" { finished = true }
            if words.count == 3, words[0] == "window", let start = Int64(words[1]), let end = Int64(words[2]) {
                window = (start, end)
            }
            if words.count == 4, words[0] == "fault", let index = Int(words[1]), let wall = Int64(words[2]) {
                beginFault(index: index, wallMicros: wall, hitsFeed: words[3] == "1")
            }
        }
    }

    /// The last report: window CPU, per-client summaries and the latency histogram; every
    /// socket is reset so the next run can reuse the source ports at once.
    func finish() {
        let cpu = inWindow ? ProcessUsage.selfCPUNanos() - windowCPUStart : 0
        if inWindow { drain() }
        for index in slots.indices { stats.faults.close(&slots[index].session.watch) }
        for index in slots.indices {
            slots[index].session.summarize(into: &stats.counters)
            if slots[index].fd >= 0 {
                ClientSocket.abort(slots[index].fd)
                slots[index].fd = -1
            }
        }
        report(.final, windowCPUNanos: cpu)
    }

    func report(_ kind: ChildReport.Kind, windowCPUNanos: Int64 = 0) {
        var line = ChildReport(kind: kind)
        line.counters = stats.snapshot
        line.counters[.openNow] = Int64(openNow)
        line.samples = stats.samples
        line.firstErrorReply = stats.firstErrorReply
        line.recentP99Micros = stats.recent.totalCount > 0 ? Int64(stats.recent.valueAtPercentile(99)) : 0
        stats.recent.reset()
        line.settled = resolved == count
        line.firstOpenNanos = stats.firstOpenNanos
        line.lastOpenNanos = stats.lastOpenNanos
        line.windowCPUNanos = windowCPUNanos
        line.latencyOverflows = stats.latencyOverflows
        if kind == .final {
            line.maxLatencyMicros = Int64(stats.latency.maxRecorded)
            line.buckets = LatencyHistogram.buckets(of: stats.latency)
            line.readDelayBuckets = LatencyHistogram.buckets(of: stats.readDelay)
            line.faults = stats.faults.tallies
            line.reconnects = stats.reconnects
        }
        // The parent reads promptly; if it is gone, there is no one to tell.
        try? FD.writeAll(reportFD, line.line)
    }
}
