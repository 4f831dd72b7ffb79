import Glibc
import Posix
import ShmRing

/// A reader child: segment at 3, its eventfd at 4, results at 5. Blocks on the eventfd,
/// drains the ring, and stops once it has read up to the writer's final sequence.
/// `--mode throughput` checks each record's sequence; `--mode latency` records now − stamp.
struct ReaderRole {
    let index: Int
    let latency: Bool
    let warmup: Int64

    init(_ arguments: Arguments) {
        index = arguments.int("index", default: 0)
        latency = arguments.flag("latency")
        warmup = Int64(arguments.int("warmup", default: 0))
    }

    func run() -> Never {
        let segment: Segment
        do { segment = try Segment.attach(fd: Children.segmentFD, writable: false) } catch {
            Arguments.fail("reader: \(error)")
        }
        let results = ResultsArea.inherited()
        let figures = results.child(index)
        var reader = RingReader(segment: segment, start: .latest)
        var tally = Tally()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        results.ready.increment()
        while true {
            drain(&reader, buffer, figures, &tally)
            // Pairs with the storeReleasing of finalSequence by the parent.
            let final = results.finalSequence.loadAcquiring()
            if final != 0 && reader.lastSequence >= final { break }
            if EventFD.wait(Children.eventFD, timeoutMillis: 1_000) { EventFD.drain(Children.eventFD) }
        }
        figures.records.storeRelaxed(tally.records)
        figures.torn.storeRelaxed(tally.torn)
        figures.laps.storeRelaxed(reader.laps)
        figures.missed.storeRelaxed(reader.missed)
        exit(0)
    }

    /// What the reader saw.
    struct Tally {
        var records: UInt64 = 0
        var torn: UInt64 = 0
    }

    /// Reads until the ring is empty, a batch at a time.
    @inline(__always)
    func drain(_ reader: inout RingReader, _ buffer: UnsafeMutableRawBufferPointer,
               _ figures: ChildFigures, _ tally: inout Tally) {
        reader.drain(into: buffer) { result, payload in
            guard case .record(RecordType.opaque.rawValue, let sequence, MemoryLayout<BenchPayload>.size) = result else {
                return
            }
            let record = payload.loadUnaligned(as: BenchPayload.self)
            tally.records &+= 1
            if latency {
                if record.index >= warmup { figures.record(sample: Clock.monotonicNanos() - record.stamp) }
            } else if record.index != Int64(sequence) {
                tally.torn &+= 1
            }
        }
    }
}
