import Posix
import ShmRing

/// The benchmark's record payload: 48 bytes, so each record is 64.
struct BenchPayload: BitwiseCopyable {
    /// CLOCK_MONOTONIC ns when the writer published it (latency run).
    var stamp: Int64 = 0
    /// The record's sequence (throughput run) or sample index (latency run).
    var index: Int64 = 0
    var spare: (Int64, Int64, Int64, Int64) = (0, 0, 0, 0)
}

/// A formatted segment in a memfd, its ring pre-faulted so the first lap does not pay
/// for page faults the steady state never sees.
struct BenchSegment {
    let segment: Segment
    let fd: Int32

    init(ringCapacity: Int) {
        do {
            let size = Layout.segmentSize(ringCapacity: ringCapacity, symbolCapacity: 1)
            fd = try SharedMemory.anonymous(size: size)
            segment = try Segment.format(fd: fd, ringCapacity: ringCapacity, symbolCapacity: 1)
        } catch {
            Arguments.fail("segment: \(error)")
        }
        segment.ringData.initializeMemory(as: UInt8.self, repeating: 0, count: ringCapacity)
    }
}
