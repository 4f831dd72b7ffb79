import Glibc
import Posix

/// A server process whose CPU and memory the run measures.
public struct ServerProcess: Sendable, Equatable {
    public enum Role: String, Sendable {
        case worker, feeder, supervisor
    }

    public var pid: Int32
    public var role: Role
    /// The supervisor's slot of a child, when known.
    public var slot: Int?

    public init(pid: Int32, role: Role, slot: Int? = nil) {
        self.pid = pid
        self.role = role
        self.slot = slot
    }
}

/// The parent of a WebSocket run: starts the client processes (posix_spawn of this
/// executable with the client role), prints a progress line each second, opens the
/// measurement window once every connection has opened or failed, samples the server's CPU
/// and memory at its edges, and merges the children's final reports.
public final class WSCoordinator {
    let config: WSLoadConfig
    let servers: [ServerProcess]
    let executable: String
    let progress: Bool
    var children: [ClientChild] = []
    var window: (start: Int64, end: Int64)?
    /// A signalfd for INT and TERM (blocked by the caller), or -1: on either, the run ends early
    /// with a report of what was measured.
    public var stopSignalFD: Int32 = -1
    var samples = WindowSamples()
    var lastProgress: (nanos: Int64, trades: Int64, messages: Int64)?
    /// One point a second: what the progress line says, for the HTML report's charts.
    var timeline: [TimelinePoint] = []
    var runStarted: Int64 = 0
    /// Applies `config.faults`; the next one due, and what each did.
    let injector: FaultInjector
    var nextFault = 0
    var faultEvents: [FaultEvent] = []

    /// `faultServers` gives the server's processes at the moment a fault needs them (pids
    /// change as children are restarted); by default, `servers`.
    public init(config: WSLoadConfig, servers: [ServerProcess], executable: String = Spawn.selfExecutable, progress: Bool = true,
                faultServers: (() -> [ServerProcess])? = nil) {
        self.config = config
        self.servers = servers
        self.executable = executable
        self.progress = progress
        let simulator = config.simulatorControl.flatMap { try? HTTPTarget(url: $0) }
        injector = FaultInjector(servers: faultServers ?? { servers }, simulator: simulator)
    }

    deinit {
        for child in children {
            FD.close(child.controlFD)
            FD.close(child.reportFD)
        }
    }

    /// Runs the whole load: ramp, warm-up, window, reports. Bounded: children that have not
    /// reported a while after the window are killed and counted.
    public func run() throws(LoadtestError) -> RunReport {
        var interruption: Signal?
        samples.memoryBefore = workerMemory()
        try spawnChildren()
        let started = Clock.monotonicNanos()
        runStarted = started
        let rampDeadline = started + Int64((config.rampSeconds + config.connectTimeoutSeconds + 5) * 1e9)
        var nextTick = started + 1_000_000_000
        var giveUp = Int64.max
        while children.contains(where: { $0.final == nil && !$0.gone }) {
            let now = Clock.monotonicNanos()
            if window == nil && (children.allSatisfy { $0.latest?.settled ?? false } || now >= rampDeadline) {
                openWindow(now: now, nothingOpen: openNow == 0)
                giveUp = window!.end + 20_000_000_000
            }
            sampleWindowEdges(now: now)
            applyDueFaults(now: now)
            let reports = children.map { $0.final != nil || $0.gone ? Int64.max : $0.latestAt }
            if Self.progressDue(now: now, tick: nextTick, reportTimes: reports) {
                printProgress(now: now)
                nextTick += 1_000_000_000
                // Without reconnects, a window in which every connection is gone measures nothing more.
                if let w = window, now >= w.start, now < w.end, !config.reconnect, openNow == 0 {
                    endWindowEarly(now: now, because: "every connection is gone (the server went away?): ending the window now")
                    break
                }
            }
            if now >= giveUp { break }
            if stopSignalFD >= 0, let signal = Signals.readPending(stopSignalFD).first {
                interruption = signal
                endWindowEarly(now: now, because: "interrupted by SIG\(signal): stopping the clients; the report covers what was measured")
                break
            }
            var wake = min(now >= nextTick ? nextTick + Self.reportWait : nextTick, giveUp)
            if let window { wake = min(wake, samples.started ? window.end : window.start) }
            if let due = nextFaultDue { wake = min(wake, due) }
            pollChildren(timeoutMillis: Int32(clamping: max(1, (wake - now + 999_999) / 1_000_000)))
        }
        sampleWindowEdges(now: Clock.monotonicNanos())
        var report = finishChildren()
        report.interruption = interruption
        report.timeline = timeline
        report.faultEvents = faultEvents + config.faults.dropFirst(nextFault).map { FaultEvent(spec: $0, error: "the run ended first") }
        return report
    }

    /// How long a progress line waits past its second for the children's reports of it.
    static let reportWait: Int64 = 300_000_000

    /// Whether the progress line of the second at `tick` is due: every child has reported
    /// since half a second before it, or the wait is over. The children report a second after
    /// their own start, a little after the parent's: printing at the tick itself showed the
    /// previous second's figures (QA: the line and the timeline lagged a second).
    static func progressDue(now: Int64, tick: Int64, reportTimes: [Int64]) -> Bool {
        guard now >= tick else { return false }
        return now >= tick + reportWait || reportTimes.allSatisfy { $0 >= tick - 500_000_000 }
    }

    /// Tells every child the window: it starts after the warm-up and lasts the duration. When
    /// not one connection opened there is nothing to measure: the window is empty and the run
    /// ends now (with its failures by reason) instead of after the warm-up and the duration.
    func openWindow(now: Int64, nothingOpen: Bool = false) {
        let start = nothingOpen ? now : now + Int64(config.warmupSeconds * 1e9)
        let end = nothingOpen ? now : start + Int64(config.durationSeconds * 1e9)
        window = (start, end)
        for child in children { try? FD.writeAll(child.controlFD, "window \(start) \(end)\n") }
        if nothingOpen {
            log("no connection open of \(config.connections) when the ramp ended: nothing to measure, ending now (reasons below)")
        } else if progress {
            log("all connections settled; warm-up \(config.warmupSeconds) s, then \(config.durationSeconds) s measured")
        }
    }

    /// INT or TERM arrived, or every connection is gone: the window ends now (or never started),
    /// and the children are told to stop and send what they measured.
    func endWindowEarly(now: Int64, because why: String) {
        if var w = window {
            w.start = min(w.start, now)
            w.end = min(w.end, now)
            window = w
        } else {
            window = (now, now)
        }
        log(why)
    }

    /// Connections open now, by the children's latest reports.
    var openNow: Int64 {
        var total = CounterSet()
        for child in children { if let report = child.final ?? child.latest { total.add(report.counters) } }
        return total[.openNow]
    }

    /// At the window's start and end: the server's CPU and this process's, and the workers'
    /// memory at the end.
    func sampleWindowEdges(now: Int64) {
        guard let window else { return }
        if !samples.started && now >= window.start { samples.markStart(now: now, servers: servers) }
        if samples.started && !samples.ended && now >= window.end {
            samples.markEnd(now: now, servers: servers)
            samples.memoryAfter = workerMemory()
        }
    }

    /// Resident and private dirty bytes of the workers together, nil without worker pids.
    func workerMemory() -> ProcessUsage.Memory? {
        let workers = servers.filter { $0.role == .worker }
        guard !workers.isEmpty else { return nil }
        // A worker gone (killed or replaced by a fault) leaves no comparable figure: none, not 0.
        let readings = workers.compactMap { ProcessUsage.memory(pid: $0.pid) }
        guard readings.count == workers.count else { return nil }
        return readings.reduce(ProcessUsage.Memory(rss: 0, privateDirty: 0), +)
    }

    /// `conns 10000/10000  fail 0  deliv/s 199,870  p99 8.1 ms  gaps 0` on stderr.
    func printProgress(now: Int64) {
        var total = CounterSet()
        var p99: Int64 = 0
        for child in children {
            guard let report = child.final ?? child.latest else { continue }
            total.add(report.counters)
            p99 = max(p99, report.recentP99Micros)
        }
        let trades = total[.trades]
        var rate = 0.0
        var messageRate = 0.0
        if let last = lastProgress, now > last.nanos {
            rate = Double(trades - last.trades) * 1e9 / Double(now - last.nanos)
            messageRate = Double(total[.messages] - last.messages) * 1e9 / Double(now - last.nanos)
        }
        lastProgress = (now, trades, total[.messages])
        let phase = window.map { now < $0.start ? "warm-up" : (now < $0.end ? "measuring" : "ending") } ?? "ramp"
        timeline.append(TimelinePoint(seconds: Double(now - runStarted) / 1e9, deliveriesPerSecond: rate, p99Micros: p99,
                                      open: total[.openNow], phase: phase))
        guard progress else { return }
        var failures = "  failed-to-open \(total.failedToOpen)  dropped \(total.droppedAfterOpen)"
        if config.reconnect {
            failures += "  disc \(total[.disconnects])  reconn \(total[.reconnects])  reconn-failed \(total[.reconnectAttemptsFailed])"
                + "  recov \(total[.recovered])/\(total[.recoveryImpossible])"
        }
        log("\(phase)  conns \(total[.openNow])/\(config.connections)" + failures
            + "  msg/s \(Format.grouped(Int64(messageRate.rounded())))  trades/s \(Format.grouped(Int64(rate.rounded())))  p99 \(Format.millis(p99))  gaps \(total[.missingIds])"
            + "  dups \(total[.duplicateIds])  notices \(total[.gapNotices])")
    }

    func log(_ text: String) {
        try? FD.writeAll(2, "loadtest: \(text)\n")
    }
}

/// What the parent measured itself around the window.
struct WindowSamples {
    var started = false
    var ended = false
    var startNanos: Int64 = 0
    var endNanos: Int64 = 0
    var serverCPUStart: [Int64?] = []
    var serverCPUEnd: [Int64?] = []
    var selfCPUStart: Int64 = 0
    var selfCPUEnd: Int64 = 0
    var memoryBefore: ProcessUsage.Memory?
    var memoryAfter: ProcessUsage.Memory?
}
