import Glibc
import Posix
import ShmRing

/// (2) Throughput: this process publishes `records` 64-byte records as fast as it can
/// (or at `rate` records/s), waking the reader processes through their eventfds every
/// `batch` records.
struct Throughput {
    let records: Int
    let ringCapacity: Int
    let readers: Int
    /// Records per second to hold to; nil: flat out.
    var rate: Int? = nil
    let batch = 1_024

    /// What one reader reported.
    struct ReaderFigures {
        let records: UInt64
        let laps: UInt64
        let missed: UInt64
        let torn: UInt64
    }

    /// The writer's rate and each reader's figures.
    struct Result {
        let records: Int
        let seconds: Double
        let readers: [ReaderFigures]
        var recordsPerSecond: Double { Double(records) / seconds }
    }

    func run() -> Result {
        let shared = BenchSegment(ringCapacity: ringCapacity)
        let results = ResultsArea.create()
        let wakeups = (0..<readers).map { _ in Children.makeEventFD() }
        let pids = (0..<readers).map { index in
            Children.spawn("reader", ["--index", "\(index)"], descriptors: [
                (shared.fd, Children.segmentFD), (wakeups[index], Children.eventFD), (results.fd, Children.resultsFD),
            ])
        }
        guard results.waitReady(readers) else { Arguments.fail("readers did not start") }
        let writer = RingWriter(segment: shared.segment)
        let start = Clock.monotonicNanos()
        publishAll(writer, wakeups)
        let seconds = Double(Clock.monotonicNanos() - start) / 1e9
        // Pairs with the loadAcquiring of finalSequence in `ReaderRole.run`.
        results.finalSequence.storeReleasing(writer.lastSequence)
        wakeups.forEach(EventFD.signal)
        Children.reap(pids)
        wakeups.forEach { close($0) }
        close(shared.fd)
        return Result(records: records, seconds: seconds, readers: (0..<readers).map { figures(results.child($0)) })
    }

    /// The hot loop.
    func publishAll(_ writer: RingWriter, _ wakeups: [Int32]) {
        var payload = BenchPayload()
        let start = Clock.monotonicNanos()
        for i in 0..<records {
            payload.index = Int64(writer.lastSequence &+ 1)
            writer.publish(type: .opaque, payload)
            if i & (batch - 1) == batch - 1 {
                for fd in wakeups { EventFD.signal(fd) }
                if let rate { pace(done: i + 1, rate: rate, since: start) }
            }
        }
    }

    /// Sleeps off any lead over `rate` (absolute schedule, so oversleeping is caught up).
    func pace(done: Int, rate: Int, since start: Int64) {
        let due = start + Int64(Double(done) / Double(rate) * 1e9)
        let lead = due - Clock.monotonicNanos()
        if lead > 20_000 { usleep(UInt32(lead / 1_000)) }
    }

    func figures(_ child: ChildFigures) -> ReaderFigures {
        ReaderFigures(records: child.records.loadRelaxed(), laps: child.laps.loadRelaxed(),
                      missed: child.missed.loadRelaxed(), torn: child.torn.loadRelaxed())
    }
}
