import Glibc
import Posix
import ShmRing

/// A small shared mapping (a memfd, inherited at a fixed descriptor) where the parent and
/// its children meet: a ready count, start/stop words, and each child's figures and samples.
///
/// ```
///  0      ready          children that attached and are waiting
///  8      finalSequence  0 until the writer is done; then its last sequence
///  16     stamp          ping: the parent's CLOCK_MONOTONIC ns, stored before each ping
///  64 + 64 i  child i:   records | laps | missed | torn | samples
///  4096 + i × maxSamples × 8: child i's samples (ns)
/// ```
final class ResultsArea: @unchecked Sendable {
    static let maxChildren = 4
    static let maxSamples = 100_000
    static let size = 4096 + maxChildren * maxSamples * 8

    let fd: Int32
    let base: UnsafeMutableRawPointer
    private let length: Int

    /// A new, zeroed area (parent side).
    convenience init() throws {
        let fd = try SharedMemory.anonymous(size: Self.size)
        try self.init(fd: fd)
    }

    /// The area behind an inherited descriptor (child side).
    init(fd: Int32) throws {
        let mapping = try SharedMemory.map(fd: fd, size: Self.size, writable: true)
        self.fd = fd
        (base, length) = mapping.release()
    }

    /// The parent's new area, or the benchmark fails.
    static func create() -> ResultsArea {
        do { return try ResultsArea() } catch { Arguments.fail("results area: \(error)") }
    }

    /// A child's inherited area, or the child fails.
    static func inherited() -> ResultsArea {
        do { return try ResultsArea(fd: Children.resultsFD) } catch { Arguments.fail("results area: \(error)") }
    }

    deinit {
        munmap(base, length)
        close(fd)
    }

    var ready: SharedWord { SharedWord(at: base) }
    var finalSequence: SharedWord { SharedWord(at: base + 8) }
    var stamp: SharedWord { SharedWord(at: base + 16) }

    func child(_ index: Int) -> ChildFigures {
        precondition(index >= 0 && index < Self.maxChildren)
        return ChildFigures(base: base + 64 + index * 64,
                            samples: (base + 4096 + index * Self.maxSamples * 8).assumingMemoryBound(to: Int64.self))
    }

    /// Waits until `count` children said they are ready; false after `timeoutMillis`.
    func waitReady(_ count: Int, timeoutMillis: Int64 = 10_000) -> Bool {
        let deadline = Clock.monotonicNanos() + timeoutMillis * 1_000_000
        while Clock.monotonicNanos() < deadline {
            // Pairs with the increment in `ChildFigures` users: relaxed is enough, nothing else is read.
            if ready.loadRelaxed() >= UInt64(count) { return true }
            usleep(1_000)
        }
        return false
    }
}

/// One child's figures in the results area.
struct ChildFigures {
    let base: UnsafeMutableRawPointer
    let samples: UnsafeMutablePointer<Int64>

    var records: SharedWord { SharedWord(at: base) }
    var laps: SharedWord { SharedWord(at: base + 8) }
    var missed: SharedWord { SharedWord(at: base + 16) }
    var torn: SharedWord { SharedWord(at: base + 24) }
    var sampleCount: SharedWord { SharedWord(at: base + 32) }

    /// Appends one latency sample (dropped once the area is full).
    func record(sample: Int64) {
        let n = Int(sampleCount.loadRelaxed())
        guard n < ResultsArea.maxSamples else { return }
        samples[n] = sample
        sampleCount.storeReleasing(UInt64(n + 1))
    }

    /// The samples, copied out (parent side, after the child exited).
    func copySamples() -> [Int64] {
        let n = Int(sampleCount.loadAcquiring())
        return Array(UnsafeBufferPointer(start: samples, count: n))
    }
}
