import Testing
@testable import ShmRing

/// The ring when every reader keeps up: order, payloads, padding, joining late.
@Suite("Event ring basics")
struct RingBasicsTests {
    @Test("an empty ring reads empty")
    func emptyRing() throws {
        let segment = try TestSupport.segment()
        var latest = RingReader(segment: segment, start: .latest)
        var oldest = RingReader(segment: segment, start: .oldest)
        #expect(TestSupport.readAll(&latest) == [])
        #expect(TestSupport.readAll(&oldest) == [])
        #expect(latest.lag() == 0)
        #expect(latest.epoch == 0)
    }

    @Test("the first records arrive in order with their payloads, after the epoch start; the first epoch is the segment's creation time in µs")
    func firstRecord() throws {
        let segment = try TestSupport.segment()
        var reader = RingReader(segment: segment, start: .latest)
        let writer = RingWriter(segment: segment)
        let first = UInt64(segment.createdRealtimeNs / 1000)
        #expect(first > 1_700_000_000_000_000 && first < 1 << 53)
        #expect(writer.epoch == first)
        #expect(reader.epoch == first && reader.firstEpoch == first)
        let trade = TradeRecord(symbolIndex: 3, flags: 1, price: 6_500_000_000_000, quantity: 12_345,
                                tradeId: 42, tradeTimeMs: 1_700_000_000_000, receivedNs: 99)
        #expect(writer.publish(type: .trade, trade) == 2)
        #expect(reader.lag() == 2)
        TestSupport.withScratch(256) { buffer in
            #expect(reader.next(into: buffer) == .record(type: RecordType.epochStart.rawValue, sequence: 1, length: 24))
            let start = buffer.load(as: EpochStartRecord.self)
            #expect(start.epoch == first)
            #expect(reader.next(into: buffer) == .record(type: RecordType.trade.rawValue, sequence: 2, length: 48))
            #expect(buffer.load(as: TradeRecord.self) == trade)
            #expect(reader.next(into: buffer) == .empty)
        }
        #expect(reader.lastSequence == 2 && reader.publishedSequence == 2)
        #expect(reader.lag() == 0)
    }

    @Test("records that do not divide the capacity wrap behind padding and never straddle")
    func wrapWithPadding() throws {
        let segment = try TestSupport.segment(ringCapacity: 4096)
        let writer = RingWriter(segment: segment)
        var eager = RingReader(segment: segment, start: .latest)
        var batched = RingReader(segment: segment, start: .latest)
        var seen: [UInt64] = []
        var batchedSeen: [UInt64] = []
        for round in 0..<500 {
            // 44-byte payloads make 64-byte records; 37 make 56: neither fits 4096 evenly mixed.
            TestSupport.publishChecked(writer, count: 1, length: round % 3 == 0 ? 44 : 37)
            seen += TestSupport.sequences(TestSupport.readAll(&eager))
            if round % 40 == 39 { batchedSeen += TestSupport.sequences(TestSupport.readAll(&batched)) }
        }
        batchedSeen += TestSupport.sequences(TestSupport.readAll(&batched))
        #expect(writer.position > 6 * 4096)
        #expect(seen == Array(2...501))
        #expect(batchedSeen == Array(2...501))
        #expect(eager.laps == 0 && batched.laps == 0)
    }

    @Test("a reader joining late at latest sees only new records")
    func lateJoinLatest() throws {
        let segment = try TestSupport.segment()
        let writer = RingWriter(segment: segment)
        TestSupport.publishChecked(writer, count: 10, length: 32)
        var reader = RingReader(segment: segment, start: .latest)
        #expect(reader.lastSequence == 11)
        #expect(TestSupport.readAll(&reader) == [])
        TestSupport.publishChecked(writer, count: 3, length: 32)
        #expect(TestSupport.sequences(TestSupport.readAll(&reader)) == [12, 13, 14])
    }

    @Test("a reader joining late at oldest sees every record before the first wrap")
    func lateJoinOldestUnwrapped() throws {
        let segment = try TestSupport.segment()
        let writer = RingWriter(segment: segment)
        TestSupport.publishChecked(writer, count: 10, length: 32)
        var reader = RingReader(segment: segment, start: .oldest)
        #expect(reader.lastSequence == 0)
        #expect(TestSupport.sequences(TestSupport.readAll(&reader)) == Array(1...11))
    }

    @Test("a reader joining late at oldest after wraps sees a run of still-valid records up to the latest")
    func lateJoinOldestWrapped() throws {
        let segment = try TestSupport.segment(ringCapacity: 4096)
        let writer = RingWriter(segment: segment)
        let last = TestSupport.publishChecked(writer, count: 200, length: 40)
        var reader = RingReader(segment: segment, start: .oldest)
        let seen = TestSupport.sequences(TestSupport.readAll(&reader))
        let first = try #require(seen.first)
        #expect(seen == Array(first...last))
        #expect(reader.lastSequence == last)
        #expect(seen.count > 4096 / 56 / 2 && seen.count <= 4096 / 56)
        #expect(reader.laps == 0)
    }

    @Test("a payload larger than the reader's buffer is skipped and reported, never copied")
    func payloadTooLarge() throws {
        let segment = try TestSupport.segment()
        let writer = RingWriter(segment: segment)
        var reader = RingReader(segment: segment, start: .latest)
        TestSupport.publishChecked(writer, count: 1, length: 64)
        TestSupport.publishChecked(writer, count: 1, length: 16)
        TestSupport.withScratch(32) { buffer in
            #expect(reader.next(into: buffer) == .tooLarge(type: RecordType.opaque.rawValue, sequence: 2, length: 64))
            #expect(reader.next(into: buffer) == .record(type: RecordType.opaque.rawValue, sequence: 3, length: 16))
        }
    }

    @Test("the largest payload is an eighth of the ring less the header")
    func maxPayload() throws {
        let segment = try TestSupport.segment(ringCapacity: 8192)
        let writer = RingWriter(segment: segment)
        #expect(writer.maxPayloadLength == 1024 - 16)
        var reader = RingReader(segment: segment, start: .latest)
        var seen: [UInt64] = []
        for _ in 0..<20 {
            TestSupport.publishChecked(writer, count: 1, length: writer.maxPayloadLength)
            seen += TestSupport.sequences(TestSupport.readAll(&reader, bufferSize: 2048))
        }
        #expect(seen == Array(2...21))
    }
}
