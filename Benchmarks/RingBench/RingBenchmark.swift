import Glibc

/// `tterminal-bench ring`: in-process costs, the eventfd floor, throughput, and
/// publish → observe latency, printed as a table or (`--json`) one JSON line.
struct RingBenchmark {
    let records: Int
    let readers: Int
    let samples: Int
    let intervalMicros: Int
    let ringMiB: Int
    /// The rate of the second, paced throughput run (records/s).
    let pacedRate: Int
    let json: Bool

    init(_ arguments: Arguments) {
        records = arguments.int("records", default: 20_000_000)
        readers = max(1, min(ResultsArea.maxChildren, arguments.int("readers", default: 2)))
        samples = arguments.int("samples", default: 5_000)
        intervalMicros = arguments.int("interval-us", default: 200)
        ringMiB = arguments.int("ring-mib", default: 64)
        pacedRate = arguments.int("paced-rate", default: 10_000_000)
        json = arguments.flag("json")
    }

    func run() {
        let cost = ReaderCost(records: 1_000_000, ringCapacity: ringMiB << 20).run()
        let throughput = Throughput(records: records, ringCapacity: ringMiB << 20, readers: readers).run()
        let paced = Throughput(records: records / 2, ringCapacity: ringMiB << 20, readers: readers,
                               rate: pacedRate).run()
        let (floor, latency) = latencyRounds()
        let report = Report(cost: cost, floor: Percentiles(floor), throughput: throughput, paced: paced,
                            latency: Percentiles(latency.perReader.flatMap { $0 }),
                            perReader: latency.perReader.map(Percentiles.init), laps: latency.laps)
        print(json ? jsonLine(report) : table(report))
    }

    /// The floor and publish → observe, measured in alternating rounds so that whatever
    /// else the machine is doing weighs on both alike.
    func latencyRounds() -> (floor: [Int64], latency: PublishLatency.Result) {
        let rounds = 5
        let perRound = max(1, samples / rounds)
        let warmup = max(50, perRound / 20)
        var floor: [Int64] = []
        var latency: [PublishLatency.Result] = []
        for _ in 0..<rounds {
            floor += PingFloor(samples: perRound, warmup: warmup, intervalMicros: intervalMicros).run()
            latency.append(PublishLatency(samples: perRound, warmup: warmup, intervalMicros: intervalMicros,
                                          readers: readers).run())
        }
        return (floor, PublishLatency.Result.merged(latency))
    }

    /// Everything one run measured.
    struct Report {
        let cost: ReaderCost.Result
        let floor: Percentiles
        let throughput: Throughput.Result
        let paced: Throughput.Result
        /// All readers' samples together, then each reader's.
        let latency: Percentiles
        let perReader: [Percentiles]
        let laps: UInt64

        var ratio: Double { floor.p99 > 0 ? Double(latency.p99) / Double(floor.p99) : 0 }
    }

    func table(_ r: Report) -> String {
        var lines = [
            "tterminal-bench ring: \(records) records, ring \(ringMiB) MiB, \(readers) reader processes",
            "",
            "in-process, per 64 B record  write \(String(format1: r.cost.writeNanos)) ns, "
                + "read next \(String(format1: r.cost.nextNanos)) ns, drain \(String(format1: r.cost.drainNanos)) ns",
            "eventfd wake floor   \(r.floor.line)",
            "  one-way: CLOCK_MONOTONIC stamp in shared memory, eventfd, child wakes from poll and reads it;",
            "  every \(intervalMicros) µs, in 5 rounds alternating with publish → observe",
            "throughput           writer \(String(format1: r.throughput.recordsPerSecond / 1e6)) M records/s "
                + "(\(r.throughput.records) × 64 B in \(String(format3: r.throughput.seconds)) s)",
        ]
        lines += readerLines(r.throughput)
        lines.append("paced throughput     writer held to \(String(format1: Double(pacedRate) / 1e6)) M records/s: "
                     + "\(String(format1: r.paced.recordsPerSecond / 1e6)) M records/s")
        lines += readerLines(r.paced)
        lines.append("publish → observe    \(r.latency.line)")
        lines.append("  one record every \(intervalMicros) µs, all readers woken by eventfd; per reader:")
        for (index, reader) in r.perReader.enumerated() {
            lines.append("  reader \(index)           \(reader.line)")
        }
        lines.append("p99 / floor p99      \(String(format1: r.ratio))×  (laps while measuring: \(r.laps))")
        return lines.joined(separator: "\n")
    }

    func readerLines(_ run: Throughput.Result) -> [String] {
        run.readers.enumerated().map { index, reader in
            "  reader \(index)           \(reader.records) records, \(reader.laps) laps, \(reader.missed) missed, \(reader.torn) torn"
        }
    }

    func readersJSON(_ run: Throughput.Result) -> String {
        "[" + run.readers.map {
            "{\"records\":\($0.records),\"laps\":\($0.laps),\"missed\":\($0.missed),\"torn\":\($0.torn)}"
        }.joined(separator: ",") + "]"
    }

    func jsonLine(_ r: Report) -> String {
        return "{\"bench\":\"ring\",\"records\":\(records),\"readers\":\(readers),\"ring_bytes\":\(ringMiB << 20),"
            + "\"write_ns\":\(String(format3: r.cost.writeNanos)),\"next_ns\":\(String(format3: r.cost.nextNanos)),"
            + "\"drain_ns\":\(String(format3: r.cost.drainNanos)),"
            + "\"writer_records_per_s\":\(Int(r.throughput.recordsPerSecond)),\"reader_figures\":\(readersJSON(r.throughput)),"
            + "\"paced_rate\":\(pacedRate),\"paced_records_per_s\":\(Int(r.paced.recordsPerSecond)),"
            + "\"paced_reader_figures\":\(readersJSON(r.paced)),"
            + r.floor.json("floor") + "," + r.latency.json("publish_observe") + ","
            + "\"interval_us\":\(intervalMicros),\"p99_ratio\":\(String(format3: r.ratio))}"
    }
}

extension String {
    /// `x.y`, without Foundation.
    init(format1 value: Double) { self = Self.fixed(value, 1) }
    /// `x.yyy`, without Foundation.
    init(format3 value: Double) { self = Self.fixed(value, 3) }

    private static func fixed(_ value: Double, _ digits: Int) -> String {
        var scale = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((value * Double(scale)).rounded())
        let fraction = String(abs(scaled) % scale)
        return "\(scaled / scale).\(String(repeating: "0", count: digits - fraction.count))\(fraction)"
    }
}
