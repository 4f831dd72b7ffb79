import Glibc
import Posix

/// One keep-alive connection of a REST run and the request on it.
struct RESTSlot {
    enum Phase {
        /// No socket: waiting for `retryAt` to connect again.
        case down
        case connecting
        /// Connected, no request on it (its index is on the idle stack).
        case idle
        /// A request is on it, due at `dueNanos`.
        case busy

        var isOpen: Bool { self == .idle || self == .busy }
    }

    var fd: Int32 = -1
    var phase = Phase.down
    var parser = RESTResponseParser()
    var dueNanos: Int64 = 0
    var inWindow = false
    var retryAt: Int64 = 0
    /// Request bytes the socket has not taken yet.
    var pending = ByteStash()
}

/// A REST run in this process: one thread, one edge-triggered epoll, `--connections`
/// keep-alive connections and an open-loop `RESTSchedule`. Each turn takes every request due
/// and hands it to an idle connection; latency runs from the due time to the end of the
/// response. The window starts after the warm-up; requests belong to it by due time.
public final class RESTRunner {
    let config: RESTLoadConfig
    let servers: [ServerProcess]
    let progress: Bool
    let epoll: Epoll
    let events = EpollEvents(capacity: 1024)
    let slots: UnsafeMutableBufferPointer<RESTSlot>
    /// Idle connections, used last-in first-out (a warm connection is reused first).
    var idle: [Int] = []
    var down = 0
    var busy = 0
    /// Whether any connection has ever opened: with none after `nothingOpenGrace`, the run ends.
    var everOpened = false
    static let nothingOpenGrace: Int64 = 2_000_000_000
    /// When a connection last opened or was handed back idle after a response. Once
    /// connections had opened, `nothingOpenGrace` without that and with none open means the
    /// server went away: the run ends.
    var lastAliveNs: Int64 = 0
    var serverGone = false
    let requests: [[UInt8]]
    let cycle: [Int]
    var schedule: RESTSchedule
    var window: (start: Int64, end: Int64) = (0, 0)
    /// A signalfd for INT and TERM (blocked by the caller), or -1: on either, the run ends at
    /// once with a report of what was measured.
    public var stopSignalFD: Int32 = -1 {
        didSet { if stopSignalFD >= 0 { try? epoll.add(stopSignalFD, events: Epoll.readable, token: Self.signalToken) } }
    }
    static let signalToken = UInt64.max
    var interruption: Signal?
    var stats = RESTStats()
    var samples = WindowSamples()
    let readBuffer: UnsafeMutableRawBufferPointer
    var connectsStarted = 0
    var nextProgress: Int64 = 0
    var nextSweep: Int64 = 0
    var lastProgress: (nanos: Int64, answered: Int64) = (0, 0)

    public init(config: RESTLoadConfig, servers: [ServerProcess], progress: Bool = true) throws(SystemError) {
        self.config = config
        self.servers = servers
        self.progress = progress
        epoll = try Epoll()
        slots = .allocate(capacity: config.connections)
        slots.initialize(repeating: RESTSlot())
        idle.reserveCapacity(config.connections)
        requests = config.routes.indices.map { config.request(route: $0) }
        cycle = config.routeCycle
        schedule = RESTSchedule(startNanos: 0, rate: config.rate, endNanos: 0)
        readBuffer = .allocate(byteCount: 64 << 10, alignment: 64)
    }

    deinit {
        for index in slots.indices {
            if slots[index].fd >= 0 { ClientSocket.abort(slots[index].fd) }
            slots[index].pending.release()
        }
        slots.deallocate()
        readBuffer.deallocate()
    }

    /// Connects, runs the timetable through warm-up and window, waits for the window's last
    /// responses (at most `--timeout`), and reports.
    public func run() -> RESTReport {
        let start = Clock.monotonicNanos()
        window.start = start + Int64(config.warmupSeconds * 1e9)
        window.end = window.start + Int64(config.durationSeconds * 1e9)
        schedule = RESTSchedule(startNanos: start, rate: config.rate, endNanos: window.end)
        let giveUp = window.end + Int64(min(config.timeoutSeconds, 10) * 1e9)
        nextProgress = start + 1_000_000_000
        lastProgress = (start, 0)
        for index in slots.indices { connect(index, now: start) }
        while true {
            let now = Clock.monotonicNanos()
            sampleWindowEdges(now: now)
            turn(now: now)
            if now >= window.end && ((busy == 0 && schedule.waiting == 0) || now >= giveUp) { break }
            if !everOpened && down == slots.count && now >= start + Self.nothingOpenGrace {
                // A wrong port or a server down: say so now rather than after the whole run.
                try? FD.writeAll(2, "loadtest: no connection opened in \(Self.nothingOpenGrace / 1_000_000_000) s: nothing to measure, ending now\n")
                break
            }
            if everOpened && now - lastAliveNs >= Self.nothingOpenGrace && !slots.contains(where: { $0.phase.isOpen }) {
                serverGone = true
                endWindowEarly(now: now, because: "every connection has been down for \(Self.nothingOpenGrace / 1_000_000_000) s"
                               + " (the server went away): ending now")
                break
            }
            let ready = epoll.wait(into: events, timeoutNanos: wakeTime(now: now) - now)
            var signalled = false
            for i in 0..<ready {
                let token = events.token(at: i)
                if token == Self.signalToken { signalled = true; continue }
                handle(slot: Int(token), events: events.events(at: i))
            }
            if signalled, let signal = Signals.readPending(stopSignalFD).first {
                interruption = signal
                endWindowEarly(now: Clock.monotonicNanos(), because: "interrupted by SIG\(signal): reporting what was measured")
                break
            }
        }
        return finish()
    }

    /// The server went away or INT/TERM arrived: the window ends now (or never starts), and why
    /// is said on stderr.
    func endWindowEarly(now: Int64, because why: String) {
        window.start = min(window.start, now)
        window.end = min(window.end, now)
        sampleWindowEdges(now: now)
        try? FD.writeAll(2, "loadtest: \(why)\n")
    }

    /// The work of one turn: due requests to idle connections, reconnects, timeouts, progress.
    func turn(now: Int64) {
        schedule.advance(to: now)
        dispatch(now: now)
        if down > 0 { reconnectDue(now: now) }
        if now >= nextSweep { sweepTimeouts(now: now) }
        if now >= nextProgress {
            printProgress(now: now)
            nextProgress = max(nextProgress + 1_000_000_000, now)
        }
    }

    /// When to look again without I/O: the next due request (if a connection could take it),
    /// the next second, the window's edges, the timeout sweep.
    func wakeTime(now: Int64) -> Int64 {
        var wake = min(nextProgress, nextSweep)
        if !idle.isEmpty, let due = schedule.nextDueNanos { wake = min(wake, due) }
        wake = min(wake, samples.started ? window.end : window.start)
        return max(wake, now)
    }

    /// Hands every waiting request to an idle connection while both last.
    func dispatch(now: Int64) {
        while !idle.isEmpty, let job = schedule.take() {
            let index = idle.removeLast()
            let inWindow = job.dueNanos >= window.start
            if inWindow {
                stats.sent += 1
                if job.late { stats.lateStarts += 1 }
            }
            slots[index].phase = .busy
            slots[index].dueNanos = job.dueNanos
            slots[index].inWindow = inWindow
            busy += 1
            requests[cycle[job.index % cycle.count]].withUnsafeBytes { send(index, $0) }
        }
    }

    /// Fails requests unanswered `--timeout` after their due time; the connection is replaced.
    func sweepTimeouts(now: Int64) {
        nextSweep = now + 100_000_000
        let limit = Int64(config.timeoutSeconds * 1e9)
        for index in slots.indices where slots[index].phase == .busy && now - slots[index].dueNanos >= limit {
            drop(index, .timeout, "no response within \(config.timeoutSeconds) s of the due time", now: now)
        }
    }

    func sampleWindowEdges(now: Int64) {
        if !samples.started && now >= window.start { samples.markStart(now: now, servers: servers) }
        if samples.started && !samples.ended && now >= window.end { samples.markEnd(now: now, servers: servers) }
    }

    /// `measuring  req/s 9,998 of 10,000  p99 1.20 ms  late 0  waiting 0  errors 0` on stderr.
    func printProgress(now: Int64) {
        let answered = stats.answeredTotal
        let seconds = Double(now - lastProgress.nanos) / 1e9
        let rate = seconds > 0 ? Double(answered - lastProgress.answered) / seconds : 0
        lastProgress = (now, answered)
        let p99 = stats.recent.totalCount > 0 ? Int64(stats.recent.valueAtPercentile(99)) : 0
        stats.recent.reset()
        guard progress else { return }
        let phase = now < window.start ? "warm-up" : (now < window.end ? "measuring" : "draining")
        let line = "\(phase)  req/s \(Format.grouped(Int64(rate.rounded()))) of \(Format.grouped(Int64(config.rate.rounded())))"
            + "  p99 \(Format.millis(p99))  late \(Format.grouped(Int64(schedule.lateStarts)))  waiting \(schedule.waiting)"
            + "  errors \(Format.grouped(stats.failureCount))"
        try? FD.writeAll(2, "loadtest: \(line)\n")
    }

    /// Counts what is still unanswered (or unsent), closes every socket and builds the report.
    func finish() -> RESTReport {
        let now = Clock.monotonicNanos()
        if everOpened {
            // Due in the window, never sent: given up now, with their latency so far.
            while let job = schedule.take() {
                if job.dueNanos >= window.start && job.dueNanos < window.end { stats.giveUp(dueNanos: job.dueNanos, now: now, unanswered: nil) }
            }
        }
        var outstanding = 0
        for index in slots.indices {
            if slots[index].phase == .busy && slots[index].inWindow {
                // Interrupted, a request on its way is not a timeout: the run was cut short.
                if interruption == nil {
                    stats.fail(.timeout, "unanswered when the run ended")
                    stats.giveUp(dueNanos: slots[index].dueNanos, now: now, unanswered: .timeout)
                } else {
                    outstanding += 1
                }
            }
            if slots[index].fd >= 0 { ClientSocket.abort(slots[index].fd) }
            slots[index].fd = -1
        }
        var report = RESTReport(config: config, stats: stats)
        report.nothingOpened = !everOpened
        report.serverGone = serverGone
        report.interruption = interruption
        report.outstandingAtInterruption = outstanding
        // A run ended early (nothing opened) offered only what came due before it ended.
        let end = min(window.end, Clock.monotonicNanos())
        report.offered = end < window.start ? 0 : Int64(schedule.dueCount(at: end) - schedule.dueCount(at: window.start - 1))
        report.add(samples, servers: servers)
        return report
    }
}
