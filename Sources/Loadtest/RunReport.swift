import Histogram
import Posix

/// The figures of one WebSocket run, merged from every client process and the parent's own
/// samples of the server: connections, deliveries, latency, gaps, CPU, memory.
public struct RunReport: Sendable {
    public var config: WSLoadConfig
    public var counters = CounterSet()
    public var samples: [FailureReason: String] = [:]
    public var firstErrorReply: String?
    /// Trade latency in the window (µs), all processes together.
    public var latency = LatencyHistogram.make()
    public var maxLatencyMicros: Int64 = 0
    public var latencyOverflows: Int64 = 0
    /// How late the clients read what had arrived (µs, one value per read), with
    /// `--receive-time arrival`.
    public var readDelay = LatencyHistogram.make()
    /// From the first upgrade to the last, over all processes.
    public var openSpanSeconds = 0.0
    /// Client processes that sent no final report (died or were killed).
    public var processesWithoutReport = 0
    /// The signal that ended the run early, if one did: the figures are partial.
    public var interruption: Signal?
    /// The window as the parent measured it.
    public var windowSeconds = 0.0
    /// Each server process's CPU inside the window, nil when it could not be read.
    public var serverCPU: [(process: ServerProcess, seconds: Double?)] = []
    /// Client processes plus the parent, inside the window.
    public var harnessCPUSeconds = 0.0
    public var workerMemoryBefore: ProcessUsage.Memory?
    public var workerMemoryAfter: ProcessUsage.Memory?
    /// Deliveries, recent p99 and open connections, a point a second (the progress line's).
    public var timeline: [TimelinePoint] = []
    /// The faults as the parent applied them, and what each did to the clients (same order).
    public var faultEvents: [FaultEvent] = []
    public var faultTallies: [FaultTally] = []
    /// Every reconnect of the run, with or without faults.
    public var reconnects = FaultTally()

    public init(config: WSLoadConfig) {
        self.config = config
    }

    /// Sums the children's final reports (pure; the unit tests drive it).
    public static func merge(_ reports: [ChildReport], config: WSLoadConfig) -> RunReport {
        var run = RunReport(config: config)
        var firstOpen = Int64.max
        var lastOpen: Int64 = 0
        for report in reports {
            run.counters.add(report.counters)
            for (reason, text) in report.samples where run.samples[reason] == nil { run.samples[reason] = text }
            run.firstErrorReply = run.firstErrorReply ?? report.firstErrorReply
            run.latency.add(LatencyHistogram.make(buckets: report.buckets))
            run.maxLatencyMicros = max(run.maxLatencyMicros, report.maxLatencyMicros)
            run.latencyOverflows += report.latencyOverflows
            run.readDelay.add(LatencyHistogram.make(buckets: report.readDelayBuckets))
            run.harnessCPUSeconds += Double(report.windowCPUNanos) / 1e9
            if report.firstOpenNanos > 0 { firstOpen = min(firstOpen, report.firstOpenNanos) }
            lastOpen = max(lastOpen, report.lastOpenNanos)
            run.reconnects.add(report.reconnects)
            for (index, tally) in report.faults.enumerated() {
                while run.faultTallies.count <= index { run.faultTallies.append(FaultTally()) }
                run.faultTallies[index].add(tally)
            }
        }
        if firstOpen < lastOpen { run.openSpanSeconds = Double(lastOpen - firstOpen) / 1e9 }
        return run
    }

    mutating func addSamples(_ samples: WindowSamples, servers: [ServerProcess]) {
        workerMemoryBefore = samples.memoryBefore
        workerMemoryAfter = samples.memoryAfter
        guard samples.started && samples.ended else { return }
        windowSeconds = samples.windowSeconds
        harnessCPUSeconds += samples.selfCPUSeconds
        serverCPU = samples.serverCPU(servers)
    }

    // MARK: Figures

    /// Connections upgraded per second while they were opening.
    public var connectsPerSecond: Double? {
        guard counters[.opened] > 1, openSpanSeconds > 0 else { return nil }
        return Double(counters[.opened] - 1) / openSpanSeconds
    }

    public var deliveriesPerSecond: Double? {
        windowSeconds > 0 ? Double(counters[.tradesInWindow]) / windowSeconds : nil
    }

    /// Data messages of every channel per second of the window.
    public var dataMessagesPerSecond: Double? {
        windowSeconds > 0 ? Double(counters[.dataInWindow]) / windowSeconds : nil
    }

    /// `--expect-rate` × open clients: what the server was asked to deliver each second.
    public var offeredPerSecond: Double? {
        config.expectRate.map { $0 * Double(counters[.openAtWindowStart]) }
    }

    public var deliveredOverOffered: Double? {
        guard let offered = offeredPerSecond, offered > 0, let delivered = deliveriesPerSecond else { return nil }
        return delivered / offered
    }

    /// Distinct trades received over the ids each client's first and last trade span: 1 when
    /// nothing in between was missed.
    public var idCompleteness: Double? {
        guard counters[.idSpan] > 0 else { return nil }
        return Double(counters[.idSpan] - counters[.missingIds]) / Double(counters[.idSpan])
    }

    /// Of the trades the server published in the window to the clients (read in it, or read
    /// after it by the end-of-run drain), the part read in the window: below 1 the harness fell
    /// behind and the figures describe it, not the server.
    public var readInWindow: Double? {
        let offered = counters[.tradesInWindow] + counters[.tradesReadLate]
        return offered > 0 ? Double(counters[.tradesInWindow]) / Double(offered) : nil
    }

    /// The harness read trades of the window only after it, or clients were still behind.
    public var harnessBehind: String? {
        let late = counters[.tradesReadLate], behind = counters[.clientsBehind]
        guard late > 0 || behind > 0 else { return nil }
        return "the clients fell behind: \(Format.grouped(late)) trades published in the window were read only after it"
            + (behind > 0 ? ", \(Format.grouped(behind)) clients still behind 2 s later" : "")
            + "; the figures describe the harness (or a stalled sender), not the server keeping up"
    }

    public func cpuSeconds(_ role: ServerProcess.Role? = nil) -> Double? { ServerProcess.cpuSeconds(serverCPU, role: role) }

    public var deliveriesPerWorkerCPUSecond: Double? {
        guard let cpu = cpuSeconds(.worker), cpu > 0 else { return nil }
        return Double(counters[.tradesInWindow]) / cpu
    }

    /// Harness CPU over all measured server CPU.
    public var harnessOverServer: Double? {
        guard let server = cpuSeconds(), server > 0 else { return nil }
        return harnessCPUSeconds / server
    }

    /// Growth of the workers' private dirty memory per open connection.
    public var bytesPerConnection: (privateDirty: Double, rss: Double)? {
        // After a fault the workers measured at the end are not those measured at the start.
        guard faultEvents.isEmpty, let before = workerMemoryBefore, let after = workerMemoryAfter, counters[.openAtEnd] > 0 else {
            return nil
        }
        let open = Double(counters[.openAtEnd])
        return (Double(after.privateDirty - before.privateDirty) / open, Double(after.rss - before.rss) / open)
    }

    /// A latency percentile, never above the largest latency recorded (a histogram bucket's
    /// upper edge can be).
    public func percentile(_ p: Double) -> Int64 { min(Self.percentile(latency, p), max(maxLatencyMicros, 0)) }

    static func percentile(_ histogram: Histogram<UInt64>, _ p: Double) -> Int64 {
        histogram.totalCount > 0 ? Int64(histogram.valueAtPercentile(p)) : 0
    }

    // MARK: Verdict

    /// Whether the run's subscription brings trades: the original protocol's always does; an
    /// extended one when it names `trades` or `aggTrades`.
    var subscribesToTrades: Bool {
        guard let subscribe = config.subscribe else { return false }
        return !subscribe.contains(#""channels""#) || subscribe.contains("rades\"")
    }

    /// What the run demanded and did not get; empty: success.
    public var problems: [String] {
        var list: [String] = []
        if let interruption {
            list.append("interrupted by SIG\(interruption) after \(Format.fixed(windowSeconds, 2)) s of the window: partial figures")
        }
        if config.reconnect {
            // Drops are expected here; what counts is who was back by the end.
            let away = Int64(config.connections) - counters[.openAtEnd]
            if away > Int64(config.allowedFailures) {
                let phases: [(Counter, String)] = [(.awayWaiting, "waiting to reconnect"), (.awayConnecting, "connecting"),
                                                   (.awayUpgrading, "waiting for the upgrade's answer"), (.awayFinished, "given up")]
                let whereabouts = phases.filter { counters[$0.0] > 0 }.map { "\(counters[$0.0]) \($0.1)" }
                list.append("\(away) of \(config.connections) clients were not connected at the end (allowed \(config.allowedFailures))"
                            + (whereabouts.isEmpty ? "" : ": " + whereabouts.joined(separator: ", ")))
            }
        } else {
            let failed = counters.failedToOpen + counters.droppedAfterOpen
            if failed > Int64(config.allowedFailures) {
                list.append("\(counters.failedToOpen) connections failed to open and \(counters.droppedAfterOpen) were dropped (allowed \(config.allowedFailures))")
            }
        }
        for event in faultEvents where event.error != nil { list.append("fault \(event.spec) not applied: \(event.error ?? "")") }
        if processesWithoutReport > 0 { list.append("\(processesWithoutReport) client processes sent no final report") }
        // With not one connection open the window is left empty on purpose (the failures say why).
        if windowSeconds == 0 && counters[.opened] > 0 { list.append("the measurement window never completed") }
        if config.subscribe != nil && counters[.errorReplies] > 0 {
            list.append("the server answered \(counters[.errorReplies]) error replies: \(firstErrorReply ?? "")")
        }
        if subscribesToTrades && windowSeconds > 0 && counters[.tradesInWindow] == 0 && counters[.openAtEnd] > 0 {
            // A feed that stopped (or a server dropping every trade) is not a quiet market.
            list.append("no trade arrived in the window although the subscription asks for trades")
        }
        if config.requireAllDelivered {
            if counters[.missingIds] > 0 || counters[.duplicateIds] > 0 {
                list.append("\(counters[.missingIds]) trade ids missing and \(counters[.duplicateIds]) duplicated")
            }
            if let behind = harnessBehind { list.append(behind) }
            if counters[.clientsWithTrade] < counters[.openAtEnd] {
                list.append("\(counters[.openAtEnd] - counters[.clientsWithTrade]) open clients received no trade")
            }
        }
        return list
    }
}
