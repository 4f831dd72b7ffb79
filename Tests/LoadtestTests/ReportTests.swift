import Testing
@testable import Loadtest

/// Children's report lines, their merge into one run, and the figures derived from it.
@Suite("Reports")
struct ReportTests {
    func config() throws -> WSLoadConfig {
        var c = try WSLoadConfig(url: "ws://127.0.0.1:9/ws", connections: 4, arrivalRate: 100, processes: 2, subscribe: "{}",
                                 warmupSeconds: 0, durationSeconds: 10)
        c.expectRate = 20
        return c
    }

    func child(latencies: [UInt64], trades: Int64, cpuNanos: Int64, open: (Int64, Int64)) -> ChildReport {
        var stats = ProcessStats()
        for value in latencies { stats.recordLatency(micros: Int64(value), inWindow: true) }
        var report = ChildReport(kind: .final)
        report.counters[.opened] = 2
        report.counters[.openAtWindowStart] = 2
        report.counters[.openAtEnd] = 2
        report.counters[.tradesInWindow] = trades
        report.counters[.clientsWithTrade] = 2
        report.counters[.idSpan] = trades
        report.windowCPUNanos = cpuNanos
        (report.firstOpenNanos, report.lastOpenNanos) = open
        report.maxLatencyMicros = Int64(latencies.max() ?? 0)
        report.buckets = LatencyHistogram.buckets(of: stats.latency)
        return report
    }

    @Test("a progress line waits (at most 300 ms) for every child's report of its second, not the one before")
    func progressWaitsForFreshReports() {
        let tick: Int64 = 10_000_000_000
        let stale = tick - 990_000_000, fresh = tick + 4_000_000
        #expect(!WSCoordinator.progressDue(now: tick - 1, tick: tick, reportTimes: [fresh]))
        #expect(!WSCoordinator.progressDue(now: tick, tick: tick, reportTimes: [fresh, stale]))
        #expect(WSCoordinator.progressDue(now: tick + 5_000_000, tick: tick, reportTimes: [fresh, fresh]))
        #expect(WSCoordinator.progressDue(now: tick + 300_000_000, tick: tick, reportTimes: [stale]))
        #expect(WSCoordinator.progressDue(now: tick, tick: tick, reportTimes: [Int64.max]))
    }

    @Test("wording: an idle run has no deliveries per CPU-second, an empty window says so, sources count what was used")
    func wording() throws {
        var idle = try WSLoadConfig(url: "ws://127.0.0.1:9/ws", connections: 2, arrivalRate: 100, processes: 1,
                                    sources: try SourceAddresses(parsing: "127.0.0.1-127.0.0.9"), subscribe: nil,
                                    warmupSeconds: 1, durationSeconds: 3)
        idle.expectRate = nil
        var report = ChildReport(kind: .final)
        report.counters[.opened] = 2
        var run = RunReport.merge([report], config: idle)
        run.serverCPU = [(ServerProcess(pid: 1, role: .worker), 1.0)]
        #expect(!run.table.contains("deliveries per worker CPU-second"), "\(run.table)")
        #expect(run.table.contains("window              none: no connection was open when it was due"), "\(run.table)")
        #expect(run.table.contains("from 2 source addresses"), "\(run.table)")
    }

    @Test("a depth-only run reports its data messages per second, and says it asked for no trades rather than 0/s")
    func depthOnly() throws {
        let config = try WSLoadConfig(url: "ws://127.0.0.1:9/ws", connections: 10, arrivalRate: 100, processes: 1,
                                      subscribe: #"{"type":"subscribe","symbol":"BTCUSDT","channels":["depth"]}"#,
                                      warmupSeconds: 0, durationSeconds: 3)
        var report = ChildReport(kind: .final)
        report.counters[.opened] = 10
        report.counters[.openAtEnd] = 10
        report.counters[.dataInWindow] = 3_800
        var run = RunReport.merge([report], config: config)
        run.windowSeconds = 2
        #expect(run.deliverySummary == "3,800 data messages (all channels) in the window, 1,900/s; no trades subscribed", "\(run.deliverySummary)")
        #expect(run.json.contains(#""data_messages_per_s":1900"#), "\(run.json)")
        #expect(run.problems.isEmpty)
    }

    @Test("a report line reads back the same, samples with spaces and = included")
    func lineRoundTrip() throws {
        var report = child(latencies: [100, 200, 5_000], trades: 3, cpuNanos: 7, open: (1, 2))
        report.samples[.http503] = "HTTP 503: limit = 10000 reached\n100%"
        report.firstErrorReply = #"{"type":"error","message":"no"}"#
        report.settled = true
        report.recentP99Micros = 4_321
        var delays = ProcessStats()
        for micros: Int64 in [3, 40, 900] { delays.recordReadDelay(micros: micros) }
        report.readDelayBuckets = LatencyHistogram.buckets(of: delays.readDelay)
        let line = report.line
        #expect(line.hasSuffix("\n") && line.dropLast().firstIndex(of: "\n") == nil)
        let back = try #require(ChildReport(line: line.dropLast()[...]))
        #expect(back.kind == .final && back.counters == report.counters && back.samples == report.samples)
        #expect(back.firstErrorReply == report.firstErrorReply && back.settled && back.recentP99Micros == 4_321)
        #expect(back.buckets.map(\.value) == report.buckets.map(\.value))
        #expect(back.buckets.map(\.count) == report.buckets.map(\.count))
        #expect(back.readDelayBuckets.map(\.value) == report.readDelayBuckets.map(\.value))
        #expect(back.readDelayBuckets.map(\.count).reduce(0, +) == 3)
        #expect(ChildReport(line: "nonsense c=1") == nil)
    }

    @Test("merging sums counters and CPU, joins histograms and spans the opening time")
    func merge() throws {
        let a = child(latencies: Array(repeating: 1_000, count: 99), trades: 99, cpuNanos: 1_000_000_000, open: (10_000_000_000, 11_000_000_000))
        var b = child(latencies: [50_000], trades: 1, cpuNanos: 500_000_000, open: (10_500_000_000, 12_000_000_000))
        var delays = ProcessStats()
        for micros: Int64 in [10, 10, 2_000] { delays.recordReadDelay(micros: micros) }
        b.readDelayBuckets = LatencyHistogram.buckets(of: delays.readDelay)
        var run = RunReport.merge([a, b], config: try config())
        #expect(run.counters[.opened] == 4 && run.counters[.tradesInWindow] == 100)
        #expect(run.harnessCPUSeconds == 1.5)
        #expect(run.openSpanSeconds == 2)
        #expect(run.connectsPerSecond == 1.5)
        #expect(run.latency.totalCount == 100)
        #expect(run.percentile(50) >= 999 && run.percentile(50) <= 1_001)
        #expect(run.percentile(99.9) >= 49_900)
        #expect(run.maxLatencyMicros == 50_000)
        #expect(run.readDelay.totalCount == 3 && RunReport.percentile(run.readDelay, 99) >= 1_990)
        run.windowSeconds = 10
        #expect(run.deliveriesPerSecond == 10)
        #expect(run.offeredPerSecond == 80)
        #expect(run.deliveredOverOffered == 0.125)
        #expect(run.idCompleteness == 1)
    }

    @Test("per-worker CPU and harness share come from the sampled server processes")
    func cpuFigures() throws {
        var run = RunReport.merge([child(latencies: [1], trades: 4_000_000, cpuNanos: 500_000_000, open: (1, 2))], config: try config())
        run.serverCPU = [(ServerProcess(pid: 1, role: .worker), 1.5), (ServerProcess(pid: 2, role: .worker), 0.5),
                         (ServerProcess(pid: 3, role: .feeder), 0.5)]
        #expect(run.deliveriesPerWorkerCPUSecond == 2_000_000)
        #expect(run.harnessOverServer == 0.2)
        run.serverCPU.append((ServerProcess(pid: 4, role: .supervisor), nil))
        #expect(run.cpuSeconds() == nil)
        #expect(run.cpuSeconds(.worker) == 2)
    }

    @Test("failures beyond the allowance, and gaps when all must arrive, make problems")
    func problems() throws {
        var c = try config()
        c.requireAllDelivered = true
        var run = RunReport.merge([child(latencies: [1], trades: 10, cpuNanos: 1, open: (1, 2))], config: c)
        run.windowSeconds = 10
        #expect(run.problems.isEmpty)
        run.counters[.refused] = 1
        run.counters[.missingIds] = 3
        #expect(run.problems.count == 2)
        run.config.allowedFailures = 1
        #expect(run.problems.count == 1)
    }

    @Test("worker memory per connection is the private dirty growth over open connections")
    func memoryPerConnection() throws {
        var run = RunReport(config: try config())
        run.counters[.openAtEnd] = 1_000
        run.workerMemoryBefore = ProcessUsage.Memory(rss: 10_000_000, privateDirty: 4_000_000)
        run.workerMemoryAfter = ProcessUsage.Memory(rss: 14_000_000, privateDirty: 7_000_000)
        #expect(run.bytesPerConnection?.privateDirty == 3_000)
        #expect(run.bytesPerConnection?.rss == 4_000)
    }

    @Test("the JSON report is one line with the figures scripts read")
    func json() throws {
        let run = RunReport.merge([child(latencies: [100], trades: 1, cpuNanos: 1, open: (1, 2))], config: try config())
        let text = run.json
        #expect(text.hasSuffix("}\n") && text.dropLast().firstIndex(of: "\n") == nil)
        for key in [#""p99":100"#, #""trades_in_window":1"#, #""opened":2"#, #""deliveries_per_worker_cpu_s":null"#] {
            #expect(text.contains(key), "missing \(key)")
        }
    }

    @Test("percentiles never pass the largest latency recorded (a bucket's edge can), and no sample is null, not 0")
    func percentileBounds() throws {
        let run = RunReport.merge([child(latencies: [1_000, 1_000_003], trades: 2, cpuNanos: 1, open: (1, 1))], config: try config())
        #expect(run.maxLatencyMicros == 1_000_003)
        #expect(run.percentile(99.9) == 1_000_003 && run.percentile(100) <= run.maxLatencyMicros)
        let empty = RunReport.merge([child(latencies: [], trades: 0, cpuNanos: 1, open: (1, 1))], config: try config())
        #expect(empty.json.contains(#""p50":null"#) && empty.json.contains(#""max":null"#), "\(empty.json)")
    }

    @Test("/proc stat and smaps_rollup are read from their text")
    func procParsing() {
        let stat = "4122 (tterminal (w) x) S 1 4122 4122 0 -1 4194624 100 0 0 0 250 50 0 0 20 0 1 0 100 0 0"
        #expect(ProcessUsage.cpuNanos(statLine: stat, ticksPerSecond: 100) == 3_000_000_000)
        let rollup = "55d0-7ffd ---p 00000000 00:00 0 [rollup]\nRss:               12340 kB\nPss:  100 kB\nPrivate_Dirty:      2048 kB\n"
        #expect(ProcessUsage.memory(smapsRollup: rollup) == ProcessUsage.Memory(rss: 12_340 * 1024, privateDirty: 2_048 * 1024))
    }

    @Test("numbers print grouped and with fixed decimals")
    func formatting() {
        #expect(Format.grouped(199_870) == "199,870" && Format.grouped(-1_000) == "-1,000" && Format.grouped(12) == "12")
        #expect(Format.fixed(2.346, 2) == "2.35" && Format.fixed(0.05, 1) == "0.1" && Format.fixed(-1.5, 0) == "-2")
        #expect(Format.millis(8_100) == "8.10 ms" && Format.millis(25_000) == "25.0 ms")
    }
}
