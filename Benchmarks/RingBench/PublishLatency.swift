import Glibc
import Posix
import ShmRing

/// (3) Publish → observe: every `intervalMicros` this process publishes one record carrying
/// its CLOCK_MONOTONIC ns and signals both readers' eventfds; each reader, blocked in poll,
/// wakes, reads the record and records now − stamp.
struct PublishLatency {
    let samples: Int
    let warmup: Int
    let intervalMicros: Int
    let readers: Int

    /// Each reader's samples (ns, warm-up dropped), and the laps they counted.
    struct Result {
        var perReader: [[Int64]]
        var laps: UInt64

        /// Several rounds' samples, reader by reader.
        static func merged(_ rounds: [Result]) -> Result {
            var all = Result(perReader: rounds.first.map { $0.perReader.map { _ in [] } } ?? [], laps: 0)
            for round in rounds {
                for (index, samples) in round.perReader.enumerated() { all.perReader[index] += samples }
                all.laps += round.laps
            }
            return all
        }
    }

    func run() -> Result {
        let shared = BenchSegment(ringCapacity: 1 << 20)
        let results = ResultsArea.create()
        let wakeups = (0..<readers).map { _ in Children.makeEventFD() }
        let pids = (0..<readers).map { index in
            Children.spawn("reader", ["--index", "\(index)", "--latency", "--warmup", "\(warmup)"], descriptors: [
                (shared.fd, Children.segmentFD), (wakeups[index], Children.eventFD), (results.fd, Children.resultsFD),
            ])
        }
        guard results.waitReady(readers) else { Arguments.fail("readers did not start") }
        let writer = RingWriter(segment: shared.segment)
        var payload = BenchPayload()
        for i in 0..<(warmup + samples) {
            usleep(UInt32(intervalMicros))
            payload.index = Int64(i)
            payload.stamp = Clock.monotonicNanos()
            writer.publish(type: .opaque, payload)
            for fd in wakeups { EventFD.signal(fd) }
        }
        // Pairs with the loadAcquiring of finalSequence in `ReaderRole.run`.
        results.finalSequence.storeReleasing(writer.lastSequence)
        wakeups.forEach(EventFD.signal)
        Children.reap(pids)
        wakeups.forEach { close($0) }
        close(shared.fd)
        let perReader = (0..<readers).map { results.child($0).copySamples() }
        let laps = (0..<readers).reduce(UInt64(0)) { $0 + results.child($1).laps.loadRelaxed() }
        return Result(perReader: perReader, laps: laps)
    }
}
