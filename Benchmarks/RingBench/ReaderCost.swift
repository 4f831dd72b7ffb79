import Posix
import ShmRing

/// (0) What reading costs with no writer running: one process fills the ring, then reads
/// it back with `next` and with `drain`; ns per record for each.
struct ReaderCost {
    let records: Int
    let ringCapacity: Int

    /// ns per record: writing, reading one at a time, reading in batches.
    struct Result {
        let writeNanos: Double
        let nextNanos: Double
        let drainNanos: Double
    }

    func run() -> Result {
        let shared = BenchSegment(ringCapacity: ringCapacity)
        let count = min(records, ringCapacity / 64 - 2)
        var next = RingReader(segment: shared.segment, start: .latest)
        var batched = next
        let writer = RingWriter(segment: shared.segment)
        var payload = BenchPayload()
        let t0 = Clock.monotonicNanos()
        for _ in 0..<count {
            payload.index = Int64(writer.lastSequence &+ 1)
            writer.publish(type: .opaque, payload)
        }
        let t1 = Clock.monotonicNanos()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var sum: Int64 = 0
        while case .record = next.next(into: buffer) { sum &+= buffer.load(as: BenchPayload.self).index }
        let t2 = Clock.monotonicNanos()
        batched.drain(into: buffer) { _, payload in sum &-= payload.loadUnaligned(as: BenchPayload.self).index }
        let t3 = Clock.monotonicNanos()
        precondition(sum == 0 && next.lastSequence == batched.lastSequence, "readers disagree")
        let n = Double(count)
        return Result(writeNanos: Double(t1 - t0) / n, nextNanos: Double(t2 - t1) / n, drainNanos: Double(t3 - t2) / n)
    }
}
