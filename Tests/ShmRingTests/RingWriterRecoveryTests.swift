import Glibc
import Testing
@testable import ShmRing

/// A new writer taking over the ring, after a clean stop or a crash mid-record.
@Suite("Event ring writer recovery")
struct RingWriterRecoveryTests {
    /// Leaves the ring as a writer that died after announcing `bytes` more would leave it:
    /// tailIntent moved, a half-written record in the data, tail and sequence unchanged.
    static func simulateCrash(_ segment: Segment, announcing bytes: Int) {
        let tail = SharedWord(at: segment.ringHeader + Layout.Ring.tail).loadRelaxed()
        SharedWord(at: segment.ringHeader + Layout.Ring.tailIntent).storeReleasing(tail + UInt64(bytes))
        let mask = UInt64(segment.ringCapacity - 1)
        for offset in stride(from: 0, to: bytes, by: 8) {
            let index = Int((tail + UInt64(offset)) & mask)
            segment.ringData.storeBytes(of: UInt64(0xDEAD_BEEF_0000_0000) | UInt64(offset), toByteOffset: index, as: UInt64.self)
        }
        segment.ringData.storeBytes(of: Int32(bytes), toByteOffset: Int(tail & mask), as: Int32.self)
        segment.ringData.storeBytes(of: RecordType.trade.rawValue, toByteOffset: Int(tail & mask) + 4, as: Int32.self)
    }

    @Test("a writer re-attaching after a crash repairs the half-written record, starts a new epoch and keeps the sequence growing")
    func reattachAfterCrash() throws {
        let segment = try TestSupport.segment(ringCapacity: 4096)
        var reader = RingReader(segment: segment, start: .latest)
        let firstEpoch: UInt64
        do {
            let first = RingWriter(segment: segment)
            firstEpoch = first.epoch
            TestSupport.publishChecked(first, count: 5, length: 48)
        }
        Self.simulateCrash(segment, announcing: 64)
        #expect(TestSupport.sequences(TestSupport.readAll(&reader)) == Array(1...6))
        #expect(TestSupport.readAll(&reader) == [])

        let second = RingWriter(segment: segment)
        #expect(second.epoch == firstEpoch + 1)
        #expect(reader.epoch == firstEpoch + 1 && reader.firstEpoch == firstEpoch)
        TestSupport.publishChecked(second, count: 2, length: 48)
        TestSupport.withScratch(256) { buffer in
            #expect(reader.next(into: buffer) == .record(type: RecordType.epochStart.rawValue, sequence: 7, length: 24))
            let start = buffer.load(as: EpochStartRecord.self)
            #expect(start.epoch == firstEpoch + 1)
            let rest = TestSupport.sequences(TestSupport.readAll(&reader))
            #expect(rest == [8, 9])
        }
        #expect(reader.laps == 0)
    }

    @Test("a crash while wrapping is repaired with padding on both sides of the end of the buffer")
    func reattachAfterCrashAcrossWrap() throws {
        let segment = try TestSupport.segment(ringCapacity: 4096)
        let first = RingWriter(segment: segment)
        // 40 + 63 × 64 = 4072: the next 64-byte record would pad 24 bytes and wrap.
        TestSupport.publishChecked(first, count: 63, length: 48)
        #expect(first.position == 4072)
        var reader = RingReader(segment: segment, start: .latest)
        Self.simulateCrash(segment, announcing: 24 + 64)
        let second = RingWriter(segment: segment)
        #expect(second.position == 4096 + 64 + 40)
        TestSupport.publishChecked(second, count: 3, length: 48)
        #expect(TestSupport.sequences(TestSupport.readAll(&reader)) == [65, 66, 67, 68])
        #expect(reader.laps == 0)
    }

    @Test("a clean hand-over starts the next epoch right after the last sequence")
    func cleanHandOver() throws {
        let segment = try TestSupport.segment()
        let first = RingWriter(segment: segment)
        TestSupport.publishChecked(first, count: 3, length: 16)
        var reader = RingReader(segment: segment, start: .oldest)
        let second = RingWriter(segment: segment)
        #expect(second.epoch == first.epoch + 1 && second.lastSequence == 5)
        #expect(TestSupport.sequences(TestSupport.readAll(&reader)) == [1, 2, 3, 4, 5])
    }

    @Test("an epoch given to the writer is used as is, and is the first when the ring is fresh")
    func explicitEpoch() throws {
        let segment = try TestSupport.segment()
        let writer = RingWriter(segment: segment, epoch: 41)
        #expect(writer.epoch == 41)
        #expect(RingReader(segment: segment).epoch == 41)
        #expect(RingWriter(segment: segment).epoch == 42)
        #expect(RingReader(segment: segment).firstEpoch == 41)
    }

    @Test("two segments made at different times never share an epoch")
    func segmentsDiffer() throws {
        let one = RingWriter(segment: try TestSupport.segment())
        usleep(2_000)
        let other = RingWriter(segment: try TestSupport.segment())
        #expect(other.epoch > one.epoch)
    }
}
