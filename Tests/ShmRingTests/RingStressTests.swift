import Glibc
import Posix
import Testing
@testable import ShmRing

/// What one reader thread saw.
final class ReaderTally: @unchecked Sendable {
    var accepted = 0
    var torn = 0
    var outOfOrder = 0
    var unexplainedGaps = 0
    var missed: UInt64 = 0
    var laps: UInt64 = 0
    var lastSequence: UInt64 = 0
    /// The sequence before the first one it could read (it joined late).
    var joinedAfter: UInt64 = 0
    var timedOut = false
}

/// One writer thread, several reader threads, a million checked records of random lengths.
@Suite("Event ring under stress")
struct RingStressTests {
    static let records = 1_000_000
    static let deadlineNanos: Int64 = 60_000_000_000

    /// How a reader thread reads.
    enum Style {
        case oneByOne
        case batched
        /// One by one, sleeping 2 ms every 100 records so the writer laps it.
        case slow
    }

    /// Reads until `final`, checking every record.
    static func read(_ segment: Segment, until final: UInt64, style: Style, into tally: ReaderTally) {
        var reader = RingReader(segment: segment, start: .oldest)
        let deadline = Clock.monotonicNanos() + deadlineNanos
        var previous = reader.lastSequence
        tally.joinedAfter = previous
        TestSupport.withScratch(style == .batched ? 16 * 1024 : 4096) { buffer in
            while reader.lastSequence < final {
                var delivered = 0
                if style == .batched {
                    delivered = reader.drain(into: buffer) { result, payload in
                        check(result, payload, tally, &previous)
                    }
                } else {
                    let result = reader.next(into: buffer)
                    if case .record(_, _, let length) = result {
                        check(result, UnsafeRawBufferPointer(rebasing: buffer[0..<length]), tally, &previous)
                        if style == .slow && tally.accepted % 100 == 0 { usleep(2_000) }
                    } else if result != .empty {
                        check(result, UnsafeRawBufferPointer(start: nil, count: 0), tally, &previous)
                    }
                    delivered = result == .empty ? 0 : 1
                }
                if delivered == 0 {
                    if Clock.monotonicNanos() > deadline { tally.timedOut = true; return }
                    usleep(50)
                }
            }
        }
        tally.laps = reader.laps
        tally.lastSequence = reader.lastSequence
    }

    /// Checks one result against the sequence before it.
    static func check(_ result: ReadResult, _ payload: UnsafeRawBufferPointer, _ tally: ReaderTally,
                      _ previous: inout UInt64) {
        switch result {
        case .empty:
            break
        case .lapped(let missed):
            tally.missed += missed
            previous += missed
        case .record(let type, let sequence, _):
            tally.accepted += 1
            if sequence <= previous { tally.outOfOrder += 1 }
            if sequence != previous + 1 { tally.unexplainedGaps += 1 }
            previous = sequence
            if type == RecordType.opaque.rawValue && !CheckedPayload.isIntact(payload, sequence: sequence) {
                tally.torn += 1
            }
        case .tooLarge:
            tally.torn += 1
        }
    }

    static func write(_ segment: Segment, count: Int) {
        let writer = RingWriter(segment: segment)
        var generator = SystemRandomNumberGenerator()
        TestSupport.withScratch(256) { buffer in
            for _ in 0..<count {
                let length = Int.random(in: 16...160, using: &generator)
                let payload = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length])
                CheckedPayload.fill(payload, sequence: writer.lastSequence + 1)
                writer.publish(type: .opaque, payload: UnsafeRawBufferPointer(payload))
            }
        }
    }

    @Test("readers racing a writer accept only intact records, in order, with every gap counted as a lap")
    func writerAndReaders() throws {
        let segment = try TestSupport.segment(ringCapacity: 1 << 18, symbols: 1)
        let final = UInt64(Self.records) + 1  // the epoch start comes first
        let tallies = [ReaderTally(), ReaderTally(), ReaderTally()]
        let styles: [Style] = [.oneByOne, .batched, .slow]
        let readers = zip(styles, tallies).map { style, tally in
            JoinableThread { Self.read(segment, until: final, style: style, into: tally) }
        }
        let writer = JoinableThread { Self.write(segment, count: Self.records) }
        writer.join()
        readers.forEach { $0.join() }
        for (index, tally) in tallies.enumerated() {
            #expect(!tally.timedOut, "reader \(index) timed out at \(tally.lastSequence)")
            #expect(tally.torn == 0, "reader \(index) accepted torn records")
            #expect(tally.outOfOrder == 0, "reader \(index) saw sequences go backwards")
            #expect(tally.unexplainedGaps == 0, "reader \(index) skipped records without a lap")
            #expect(tally.joinedAfter + UInt64(tally.accepted) + tally.missed == final, "reader \(index) lost count")
            #expect(tally.accepted > 0)
        }
        #expect(tallies[2].laps > 0, "the slow reader should have been lapped")
    }
}
