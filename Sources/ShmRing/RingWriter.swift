import Glibc
import Posix

/// The event ring's single writer: broadcast, never waits (Aeron's `BroadcastTransmitter`).
///
/// For each record it announces how far it is about to write (`tailIntent`), writes the
/// record, then publishes it (`latestPosition`, `latestSequence`, `tail`). Readers validate
/// their copies against `tailIntent`, so a record overwritten under a reader is detected.
/// A record never straddles the end of the buffer: a padding record fills the rest first.
public final class RingWriter {
    public let segment: Segment
    /// The epoch this writer publishes under.
    public let epoch: UInt64
    @usableFromInline let data: UnsafeMutableRawPointer
    @usableFromInline let capacity: Int
    @usableFromInline let mask: UInt64
    /// The ring header\'s words.
    @usableFromInline let words: RingHeaderWords
    /// The writer's own copy of `tail`: only this process moves it.
    @usableFromInline var tail: UInt64
    @usableFromInline var sequence: UInt64
    @usableFromInline var recordsWritten: UInt64

    /// The sequence of the last record this writer (or its predecessors) published.
    public var lastSequence: UInt64 { sequence }
    /// Where the next record starts, in bytes since the segment was formatted.
    public var position: UInt64 { tail }
    /// The largest payload one record may carry: an eighth of the ring, less the header.
    public var maxPayloadLength: Int { capacity / 8 - Layout.recordHeaderSize }

    /// Attaches as the ring's writer. Repairs a record a dead writer left half-written,
    /// starts epoch `epoch` (default: the previous one + 1; on a fresh ring, the segment's
    /// creation time in microseconds, so that no two servers' rings share an epoch), continues
    /// the sequence and publishes an `.epochStart` record.
    public init(segment: Segment, epoch: UInt64? = nil) {
        precondition(segment.writable, "RingWriter needs a writable segment")
        words = segment.ringWords
        self.segment = segment
        data = segment.ringData
        capacity = segment.ringCapacity
        mask = UInt64(segment.ringCapacity - 1)
        let previous = words.epoch.loadRelaxed()
        self.epoch = epoch ?? (previous == 0 ? Self.firstEpoch(of: segment) : previous &+ 1)
        if words.firstEpoch.loadRelaxed() == 0 { words.firstEpoch.storeRelaxed(self.epoch) }
        tail = words.tail.loadRelaxed()
        sequence = words.latestSequence.loadRelaxed()
        recordsWritten = words.recordsWritten.loadRelaxed()
        repairAfterCrash()
        // Pairs with the loadAcquiring in `RingReader.epoch`.
        words.epoch.storeReleasing(self.epoch)
        words.writerPid.storeRelaxed(UInt64(UInt32(bitPattern: getpid())))
        let start = EpochStartRecord(epoch: self.epoch, writerPid: Int64(getpid()),
                                     startedRealtimeNs: Clock.realtimeNanos())
        publish(type: .epochStart, start)
    }

    /// A fresh ring's first epoch: when its segment was made, in microseconds (below 2^53, so
    /// JSON readers that hold numbers as doubles read it exactly, until the year 2255).
    static func firstEpoch(of segment: Segment) -> UInt64 {
        let created = segment.createdRealtimeNs > 0 ? segment.createdRealtimeNs : Clock.realtimeNanos()
        return UInt64(max(1, created / 1000))
    }

    /// A writer that died between announcing and publishing a record left
    /// `tailIntent > tail`: cover [tail, tailIntent) with padding and publish it.
    private func repairAfterCrash() {
        let intent = words.tailIntent.loadRelaxed()
        guard intent != tail else { return }
        precondition(intent > tail && intent - tail <= UInt64(capacity),
                     "ring header corrupt: tail \(tail), tailIntent \(intent)")
        var from = tail
        while from < intent {
            // A padding record never crosses the end of the buffer either.
            let lapEnd = (from | mask) &+ 1
            let to = min(intent, lapEnd)
            writePadding(at: Int(from & mask), length: Int(to - from))
            from = to
        }
        tail = intent
        // Pairs with the loadAcquiring of `tail` in readers: the padding is complete.
        words.tail.storeReleasing(tail)
    }

    /// Publishes one record and returns its sequence. Never waits; a payload longer than
    /// `maxPayloadLength` is a programmer error.
    @inlinable @inline(__always) @discardableResult
    public func publish(type: RecordType, payload: UnsafeRawBufferPointer) -> UInt64 {
        publish(type: type, payloadLength: payload.count) { destination in
            if let source = payload.baseAddress, payload.count > 0 {
                destination.baseAddress!.copyMemory(from: source, byteCount: payload.count)
            }
        }
    }

    /// Publishes one record of `payloadLength` bytes that `write` fills in place, in the ring
    /// (so a record made of parts needs no staging copy), and returns its sequence. `write`
    /// must fill every byte and must not publish.
    @inlinable @inline(__always) @discardableResult
    public func publish(type: RecordType, payloadLength: Int,
                        _ write: (UnsafeMutableRawBufferPointer) -> Void) -> UInt64 {
        let length = Layout.recordHeaderSize &+ payloadLength
        precondition(payloadLength >= 0 && payloadLength <= maxPayloadLength,
                     "record payload of \(payloadLength) bytes is too long")
        let aligned = Layout.aligned(length)
        var start = tail
        let toEnd = capacity &- Int(start & mask)
        if aligned > toEnd {
            announce(start &+ UInt64(toEnd &+ aligned))
            writePadding(at: Int(start & mask), length: toEnd)
            start &+= UInt64(toEnd)
        } else {
            announce(start &+ UInt64(aligned))
        }
        let seq = sequence &+ 1
        let record = data + Int(start & mask)
        record.storeBytes(of: Int32(truncatingIfNeeded: length), toByteOffset: Layout.Record.length, as: Int32.self)
        record.storeBytes(of: type.rawValue, toByteOffset: Layout.Record.type, as: Int32.self)
        record.storeBytes(of: seq, toByteOffset: Layout.Record.sequence, as: UInt64.self)
        write(UnsafeMutableRawBufferPointer(start: record + Layout.recordHeaderSize, count: payloadLength))
        commit(start: start, end: start &+ UInt64(aligned), sequence: seq)
        return seq
    }

    /// Publishes a plain value as the payload.
    @inlinable @inline(__always) @discardableResult
    public func publish<T: BitwiseCopyable>(type: RecordType, _ value: T) -> UInt64 {
        withUnsafeBytes(of: value) { publish(type: type, payload: $0) }
    }

    /// Step 1 of a record: say how far the writer is about to write, before touching the data.
    @inlinable @inline(__always)
    func announce(_ newTail: UInt64) {
        // Pairs with the loadFence + load of `tailIntent` in `RingReader.finishRead`.
        words.tailIntent.storeReleasing(newTail)
        // The intent must be visible before any byte of the record it covers changes.
        storeFence()
    }

    /// Step 3 of a record: publish it.
    @inlinable @inline(__always)
    func commit(start: UInt64, end: UInt64, sequence seq: UInt64) {
        // Each pairs with a loadAcquiring by readers: the record is complete before these move.
        words.latestPosition.storeReleasing(start)
        words.latestSequence.storeReleasing(seq)
        tail = end
        sequence = seq
        recordsWritten &+= 1
        words.tail.storeReleasing(end)
        words.recordsWritten.storeRelaxed(recordsWritten)
    }

    /// A padding record: `length|type`, covering `length` bytes (at least 8, so it may have
    /// no room for a sequence).
    @inlinable @inline(__always)
    func writePadding(at index: Int, length: Int) {
        let record = data + index
        record.storeBytes(of: Int32(truncatingIfNeeded: length), toByteOffset: Layout.Record.length, as: Int32.self)
        record.storeBytes(of: RecordType.padding.rawValue, toByteOffset: Layout.Record.type, as: Int32.self)
    }
}
