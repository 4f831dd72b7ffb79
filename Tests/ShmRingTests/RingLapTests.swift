import Testing
@testable import ShmRing

/// Readers that fall behind: laps detected, counted and recovered from.
@Suite("Event ring laps")
struct RingLapTests {
    @Test("a lapped reader detects it, counts the missed records and rejoins at the latest record")
    func lappedReader() throws {
        let segment = try TestSupport.segment(ringCapacity: 4096)
        let writer = RingWriter(segment: segment)
        var reader = RingReader(segment: segment, start: .latest)
        #expect(reader.lastSequence == 1)
        let last = TestSupport.publishChecked(writer, count: 300, length: 48)
        #expect(last == 301)
        #expect(reader.lag() == 300)
        let results = TestSupport.readAll(&reader)
        #expect(results == [.lapped(missed: 299), .record(type: RecordType.opaque.rawValue, sequence: 301, length: 48)])
        #expect(reader.laps == 1)
        #expect(reader.missed == 299)
        TestSupport.publishChecked(writer, count: 2, length: 48)
        #expect(TestSupport.sequences(TestSupport.readAll(&reader)) == [302, 303])
        #expect(reader.laps == 1)
    }

    @Test("a reader lapped many times over counts every lap it notices")
    func lappedRepeatedly() throws {
        let segment = try TestSupport.segment(ringCapacity: 4096)
        let writer = RingWriter(segment: segment)
        var reader = RingReader(segment: segment, start: .latest)
        for round in 1...5 {
            TestSupport.publishChecked(writer, count: 100 * round, length: 40)
            let results = TestSupport.readAll(&reader)
            #expect(results.first == .lapped(missed: UInt64(100 * round - 1)))
            #expect(reader.lastSequence == writer.lastSequence)
        }
        #expect(reader.laps == 5)
    }

    @Test("a record overwritten while it is being copied is rejected as a lap")
    func overwriteDuringCopy() throws {
        let segment = try TestSupport.segment(ringCapacity: 4096)
        let writer = RingWriter(segment: segment)
        var reader = RingReader(segment: segment, start: .latest)
        TestSupport.publishChecked(writer, count: 1, length: 48)
        TestSupport.withScratch(256) { buffer in
            let pending = reader.beginRead(into: buffer)
            guard case .copied(let copied) = pending else { Issue.record("nothing copied"); return }
            #expect(copied.sequence == 2)
            // The writer laps the reader between the copy and its validation.
            let last = TestSupport.publishChecked(writer, count: 80, length: 48)
            #expect(reader.finishRead(pending) == .lapped(missed: last - 1 - 1))
            #expect(reader.next(into: buffer) == .record(type: RecordType.opaque.rawValue, sequence: last, length: 48))
        }
        #expect(reader.laps == 1)
    }

    @Test("a record the writer wrote right up to, but not into, is accepted")
    func nearMissDuringCopy() throws {
        let segment = try TestSupport.segment(ringCapacity: 4096)
        let writer = RingWriter(segment: segment)
        var reader = RingReader(segment: segment, start: .latest)
        // The epoch start is 40 bytes, so this record spans [40, 104).
        TestSupport.publishChecked(writer, count: 1, length: 48)
        TestSupport.withScratch(256) { buffer in
            let pending = reader.beginRead(into: buffer)
            // 61 records of 64 bytes reach 4008, one of 88 reaches 4096, one of 40 reaches
            // 4136: exactly one lap past the copied record's start, not into it.
            TestSupport.publishChecked(writer, count: 61, length: 48)
            TestSupport.publishChecked(writer, count: 1, length: 72)
            TestSupport.publishChecked(writer, count: 1, length: 24)
            #expect(writer.position == 40 + 4096)
            #expect(reader.finishRead(pending) == .record(type: RecordType.opaque.rawValue, sequence: 2, length: 48))
            #expect(CheckedPayload.isIntact(UnsafeRawBufferPointer(rebasing: buffer[0..<48]), sequence: 2))
            // A 64-byte record ends right where the next record the reader wants starts…
            TestSupport.publishChecked(writer, count: 1, length: 48)
            #expect(reader.next(into: buffer) == .record(type: RecordType.opaque.rawValue, sequence: 3, length: 48))
            // …and a 72-byte one reaches 8 bytes into the one after it.
            TestSupport.publishChecked(writer, count: 1, length: 56)
            #expect(reader.next(into: buffer) == .lapped(missed: 63))
        }
        #expect(reader.laps == 1)
    }
}
