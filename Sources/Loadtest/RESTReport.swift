import Histogram
import Posix
import Market

/// The figures of one REST run: offered and achieved rates, responses by status, failures by
/// reason, latency from due time to response, late starts, CPU of server and harness.
public struct RESTReport: Sendable {
    public var config: RESTLoadConfig
    public var stats: RESTStats
    /// Requests due inside the window.
    public var offered: Int64 = 0
    public var windowSeconds = 0.0
    public var serverCPU: [(process: ServerProcess, seconds: Double?)] = []
    public var harnessCPUSeconds = 0.0
    /// Not one connection opened: the run ended early with nothing measured.
    public var nothingOpened = false
    /// Every connection was down for `RESTRunner.nothingOpenGrace` mid-run: the run ended early.
    public var serverGone = false
    /// The signal that ended the run early, and the requests then on their way.
    public var interruption: Signal?
    public var outstandingAtInterruption = 0

    public init(config: RESTLoadConfig, stats: RESTStats) {
        self.config = config
        self.stats = stats
    }

    mutating func add(_ samples: WindowSamples, servers: [ServerProcess]) {
        guard samples.started && samples.ended else { return }
        windowSeconds = samples.windowSeconds
        harnessCPUSeconds = samples.selfCPUSeconds
        serverCPU = samples.serverCPU(servers)
    }

    public var offeredPerSecond: Double? { windowSeconds > 0 ? Double(offered) / windowSeconds : nil }
    /// Responses that arrived inside the window, per second of it (not the window's requests
    /// answered whenever: under saturation those arrive after it and would read as the offer).
    /// Responses the server did not answer with success (2xx) or not-modified.
    public var unsuccessful: Int64 {
        stats.statusCounts.filter { !(200...299).contains($0.status) && $0.status != 304 }.reduce(0) { $0 + $1.count }
    }

    public var achievedPerSecond: Double? { windowSeconds > 0 ? Double(stats.arrivals) / windowSeconds : nil }

    public func cpuSeconds(_ role: ServerProcess.Role? = nil) -> Double? { ServerProcess.cpuSeconds(serverCPU, role: role) }

    /// A latency percentile, never above the largest latency recorded (a histogram bucket's
    /// upper edge can be).
    public func percentile(_ p: Double) -> Int64 {
        stats.latency.totalCount == 0 ? 0 : min(Int64(stats.latency.valueAtPercentile(p)), stats.maxLatencyMicros)
    }

    /// What makes the run fail: any request that got no response.
    public var problems: [String] {
        var list: [String] = []
        if let interruption {
            list.append("interrupted by SIG\(interruption) after \(Format.fixed(windowSeconds, 2)) s of the window: partial figures"
                + " (\(outstandingAtInterruption) requests were on their way)")
        }
        if nothingOpened { list.append("no connection opened: nothing measured") }
        if serverGone {
            list.append("every connection was down for 2 s (the server went away): the run ended after"
                + " \(Format.fixed(windowSeconds, 2)) s of the window")
        }
        if unsuccessful > 0 { list.append("\(Format.grouped(unsuccessful)) responses were not 2xx or 304 (see status)") }
        if stats.failureCount > 0 { list.append("\(Format.grouped(stats.failureCount)) requests or connects failed") }
        if stats.notSent > 0 { list.append("\(Format.grouped(stats.notSent)) requests due in the window were never sent") }
        if stats.answeredPastTimeout > 0 {
            list.append("\(Format.grouped(stats.answeredPastTimeout)) responses came --timeout or more after their due time")
        }
        if unaccounted != 0 { list.append("\(Format.grouped(unaccounted)) offered requests are unaccounted for") }
        return list
    }

    /// Offered requests not answered, not failed, not given up and not on their way when the
    /// run was interrupted: 0 unless the bookkeeping is wrong.
    public var unaccounted: Int64 {
        guard !nothingOpened else { return 0 }
        return offered - stats.answered - stats.unansweredCount - stats.notSent - Int64(outstandingAtInterruption)
    }

    /// `offered 5,000 = answered 746 + unanswered 1,267 (timeout 1,267) + never sent 2,987`.
    var requestAccounting: String {
        let s = stats
        let reasons = RESTFailure.allCases.filter { s.unanswered[$0.rawValue] > 0 }
            .map { "\($0.name) \(Format.grouped(s.unanswered[$0.rawValue]))" }.joined(separator: ", ")
        return "offered \(Format.grouped(offered)) = answered \(Format.grouped(s.answered))"
            + (s.answeredPastTimeout > 0 ? " (\(Format.grouped(s.answeredPastTimeout)) past --timeout)" : "")
            + " + unanswered \(Format.grouped(s.unansweredCount))" + (reasons.isEmpty ? "" : " (\(reasons))")
            + " + never sent \(Format.grouped(s.notSent))"
            + (outstandingAtInterruption > 0 ? " + on their way when interrupted \(outstandingAtInterruption)" : "")
            + (unaccounted != 0 ? " + unaccounted \(Format.grouped(unaccounted))" : "")
    }

    public var table: String {
        let s = stats
        var rows: [(String, String)] = []
        rows.append(("target", "\(config.url), \(config.connections) connections, routes "
            + config.routes.map { "\($0.path):\($0.weight)" }.joined(separator: " ")))
        rows.append(("window", "\(Format.fixed(windowSeconds, 2)) s after \(Format.fixed(config.warmupSeconds, 1)) s warm-up"))
        rows.append(("requests", "\(requestAccounting) (due in the window, \(rate(offeredPerSecond))/s);"
            + " sent \(Format.grouped(s.sent)), late starts \(Format.grouped(s.lateStarts)),"
            + " achieved \(rate(achievedPerSecond))/s (responses inside the window)"))
        rows.append(("status", s.statusCounts.isEmpty ? "none" : s.statusCounts.map { "\($0.status) \(Format.grouped($0.count))" }.joined(separator: ", ")))
        let failures = RESTFailure.allCases.filter { s[$0] > 0 }
        rows.append(("errors", failures.isEmpty ? "0" : "connects and requests, warm-up included: " +
            failures.map { "\($0.name) \(Format.grouped(s[$0]))" + (s.samples[$0].map { " (\($0))" } ?? "") }.joined(separator: "; ")))
        rows.append(("latency (µs)", s.latency.totalCount == 0 ? "none" :
            "p50 \(percentile(50)) p90 \(percentile(90)) p99 \(percentile(99)) p99.9 \(percentile(99.9)) max \(s.maxLatencyMicros)"
            + " from the due time, over \(Format.grouped(Int64(s.latency.totalCount))) requests: \(Format.grouped(s.answered)) answered"
            + (s.givenUpInLatency > 0 ? " and \(Format.grouped(s.givenUpInLatency)) unanswered or never sent, counted to when they were given up" : "")))
        var cpu = cpuSeconds().map { ["server \(Format.fixed($0, 2)) s"] } ?? []
        cpu.append("harness \(Format.fixed(harnessCPUSeconds, 2)) s")
        rows.append(("cpu", cpu.joined(separator: ", ")))
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(width) + "  " + $0.1 }.joined(separator: "\n") + "\n"
    }

    private func rate(_ value: Double?) -> String { value.map { Format.grouped(Int64($0.rounded())) } ?? "-" }

    public var json: String {
        var out = JSONBytes(capacity: 2048)
        out.raw("{"); out.key("mode", first: true); out.asciiString("rest")
        out.key("url"); out.string(config.url)
        out.key("connections"); out.integer(Int64(config.connections))
        out.key("rate"); out.optionalNumber(config.rate)
        out.key("routes"); out.raw("[")
        for (i, route) in config.routes.enumerated() {
            out.raw(i == 0 ? "{" : ",{"); out.key("path", first: true); out.string(route.path)
            out.key("weight"); out.integer(Int64(route.weight)); out.raw("}")
        }
        out.raw("]")
        out.key("window_s"); out.optionalNumber(windowSeconds)
        out.key("warmup_s"); out.optionalNumber(config.warmupSeconds)
        writeRequests(&out)
        out.key("latency_us"); out.raw("{")
        out.key("count", first: true); out.integer(Int64(stats.latency.totalCount))
        out.key("answered"); out.integer(stats.answered)
        out.key("given_up"); out.integer(stats.givenUpInLatency)
        // No sample: null, not a perfect 0.
        let none = stats.latency.totalCount == 0
        out.key("p50"); none ? out.raw("null") : out.integer(percentile(50))
        out.key("p90"); none ? out.raw("null") : out.integer(percentile(90))
        out.key("p99"); none ? out.raw("null") : out.integer(percentile(99))
        out.key("p99_9"); none ? out.raw("null") : out.integer(percentile(99.9))
        out.key("max"); none ? out.raw("null") : out.integer(stats.maxLatencyMicros)
        out.key("overflows"); out.integer(stats.latencyOverflows)
        out.raw("}")
        out.key("cpu"); out.raw("{")
        out.key("server_s", first: true); out.optionalNumber(cpuSeconds())
        out.key("workers_s"); out.optionalNumber(cpuSeconds(.worker))
        out.key("harness_s"); out.optionalNumber(harnessCPUSeconds)
        out.raw("}")
        out.key("problems"); out.stringArray(problems)
        out.raw("}")
        return String(decoding: out.bytes, as: UTF8.self) + "\n"
    }

    private func writeRequests(_ out: inout JSONBytes) {
        out.key("requests"); out.raw("{")
        out.key("offered", first: true); out.integer(offered)
        out.key("offered_per_s"); out.optionalNumber(offeredPerSecond)
        out.key("sent"); out.integer(stats.sent)
        out.key("answered"); out.integer(stats.answered)
        out.key("answered_past_timeout"); out.integer(stats.answeredPastTimeout)
        out.key("unanswered"); out.integer(stats.unansweredCount)
        out.key("unanswered_reasons"); out.raw("{")
        for (i, failure) in RESTFailure.allCases.enumerated() {
            if i > 0 { out.raw(",") }
            out.asciiString(failure.name); out.raw(":"); out.integer(stats.unanswered[failure.rawValue])
        }
        out.raw("}")
        out.key("not_sent"); out.integer(stats.notSent)
        out.key("on_their_way_at_interruption"); out.integer(Int64(outstandingAtInterruption))
        out.key("unaccounted"); out.integer(unaccounted)
        out.key("arrived_in_window"); out.integer(stats.arrivals)
        out.key("achieved_per_s"); out.optionalNumber(achievedPerSecond)
        out.key("late_starts"); out.integer(stats.lateStarts)
        out.key("reconnects"); out.integer(stats.reconnects)
        out.key("status"); out.raw("{")
        for (i, entry) in stats.statusCounts.enumerated() {
            if i > 0 { out.raw(",") }
            out.string(String(entry.status)); out.raw(":"); out.integer(entry.count)
        }
        out.raw("}")
        out.key("errors"); out.raw("{")
        for (i, failure) in RESTFailure.allCases.enumerated() {
            if i > 0 { out.raw(",") }
            out.asciiString(failure.name); out.raw(":"); out.integer(stats[failure])
        }
        out.raw("}}")
    }
}

extension String {
    /// The text padded with spaces to `width` characters.
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}

extension JSONBytes {
    /// A number with up to eight decimals, or null (non-finite or out of range).
    mutating func optionalNumber(_ value: Double?) {
        guard let value, value.isFinite, abs(value) < 9e10 else { return raw("null") }
        fixed(Int64((value * 1e8).rounded()))
    }
}

extension ServerProcess {
    /// The CPU seconds of the processes in `role` (all when nil); nil when any is unknown.
    static func cpuSeconds(_ list: [(process: ServerProcess, seconds: Double?)], role: Role?) -> Double? {
        let chosen = list.filter { role == nil || $0.process.role == role }
        guard !chosen.isEmpty, chosen.allSatisfy({ $0.seconds != nil }) else { return nil }
        return chosen.reduce(0) { $0 + ($1.seconds ?? 0) }
    }
}

extension WindowSamples {
    /// Server and harness CPU at the window's start.
    mutating func markStart(now: Int64, servers: [ServerProcess]) {
        started = true
        startNanos = now
        serverCPUStart = servers.map { ProcessUsage.cpuNanos(pid: $0.pid) }
        selfCPUStart = ProcessUsage.selfCPUNanos()
    }

    /// The same at its end.
    mutating func markEnd(now: Int64, servers: [ServerProcess]) {
        ended = true
        endNanos = now
        serverCPUEnd = servers.map { ProcessUsage.cpuNanos(pid: $0.pid) }
        selfCPUEnd = ProcessUsage.selfCPUNanos()
    }

    var windowSeconds: Double { Double(endNanos - startNanos) / 1e9 }
    var selfCPUSeconds: Double { Double(selfCPUEnd - selfCPUStart) / 1e9 }

    /// Each server process's CPU inside the window, nil where it could not be read.
    func serverCPU(_ servers: [ServerProcess]) -> [(process: ServerProcess, seconds: Double?)] {
        servers.indices.map { index in
            guard let start = serverCPUStart[index], let end = serverCPUEnd[index] else { return (servers[index], nil) }
            return (servers[index], Double(end - start) / 1e9)
        }
    }
}

extension JSONBytes {
    /// `["a","b"]`.
    mutating func stringArray(_ items: [String]) {
        raw("[")
        for (i, item) in items.enumerated() {
            if i > 0 { raw(",") }
            string(item)
        }
        raw("]")
    }
}
