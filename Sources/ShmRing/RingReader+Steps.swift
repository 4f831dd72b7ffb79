/// The two halves of a read, apart so tests can let the writer lap a reader between them.
extension RingReader {
    /// What `beginRead` saw at the cursor, not yet validated.
    @usableFromInline
    enum Pending {
        case empty
        case copied(Copied)
    }

    /// A record header (and maybe its payload) copied from the ring; trusted only once
    /// `finishRead` has checked the writer did not reach it meanwhile.
    @usableFromInline
    struct Copied {
        @usableFromInline var position: UInt64
        @usableFromInline var length: Int
        @usableFromInline var type: Int32
        @usableFromInline var sequence: UInt64 = 0
        /// The header made sense (it may still have been overwritten).
        @usableFromInline var wellFormed = false
        /// The payload was copied into the caller's buffer.
        @usableFromInline var fits = false

        @inlinable
        init(position: UInt64, length: Int, type: Int32) {
            self.position = position
            self.length = length
            self.type = type
        }
    }

    /// Step 1: copy the record at the cursor. Reads shared memory only; no decision yet.
    @inlinable @inline(__always)
    mutating func beginRead(into buffer: UnsafeMutableRawBufferPointer) -> Pending {
        if cursor >= knownTail {
            // Pairs with the storeReleasing of `tail` in `RingWriter.commit`.
            knownTail = words.tail.loadAcquiring()
            if cursor >= knownTail { return .empty }
        }
        let index = Int(cursor & mask)
        let record = UnsafeRawPointer(data + index)
        let room = capacity &- index
        var copied = Copied(position: cursor,
                            length: Int(record.load(fromByteOffset: Layout.Record.length, as: Int32.self)),
                            type: record.load(fromByteOffset: Layout.Record.type, as: Int32.self))
        if copied.type == RecordType.padding.rawValue {
            copied.wellFormed = copied.length >= 8 && copied.length <= room && copied.length & 7 == 0
        } else if copied.length >= Layout.recordHeaderSize && Layout.aligned(copied.length) <= room {
            copied.wellFormed = true
            copied.sequence = record.load(fromByteOffset: Layout.Record.sequence, as: UInt64.self)
            let payload = copied.length &- Layout.recordHeaderSize
            if payload <= buffer.count {
                copied.fits = true
                if payload > 0 {
                    buffer.baseAddress!.copyMemory(from: record + Layout.recordHeaderSize, byteCount: payload)
                }
            }
        }
        return .copied(copied)
    }

    /// Step 2: validate the copy, then advance. Nil for a padding record (read on).
    @inlinable @inline(__always)
    mutating func finishRead(_ pending: Pending) -> ReadResult? {
        guard case .copied(let copied) = pending else { return .empty }
        guard isIntact(at: copied.position) else { return .lapped(missed: resynchronise()) }
        precondition(copied.wellFormed, "event ring corrupt at position \(copied.position)")
        cursor = copied.position &+ UInt64(Layout.aligned(copied.length))
        if copied.type == RecordType.padding.rawValue { return nil }
        sequenceSeen = copied.sequence
        let length = copied.length &- Layout.recordHeaderSize
        return copied.fits
            ? .record(type: copied.type, sequence: copied.sequence, length: length)
            : .tooLarge(type: copied.type, sequence: copied.sequence, length: length)
    }

    /// Whether bytes copied from the record at `position` are still the record's: the
    /// writer has not announced a write reaching a lap past it.
    @inlinable @inline(__always)
    func isIntact(at position: UInt64) -> Bool {
        // The copy's loads happen before the load of tailIntent; pairs with the
        // storeReleasing + storeFence in `RingWriter.announce`.
        loadFence()
        return words.tailIntent.loadRelaxed() <= position &+ UInt64(capacity)
    }

    /// After a lap: count it, jump to the latest complete record (delivered next) and
    /// return how many records were missed.
    @usableFromInline
    mutating func resynchronise() -> UInt64 {
        laps &+= 1
        let before = lastSequence
        if let latest = latestRecord() {
            cursor = latest.position
            sequenceSeen = latest.sequence &- 1
        } else {
            joinAtTail()
        }
        knownTail = 0
        let gap = lastSequence > before ? lastSequence - before : 0
        missed &+= gap
        return gap
    }

    /// `.latest`: just after the latest complete record.
    mutating func joinAtLatest() {
        if let latest = latestRecord() {
            cursor = latest.position &+ UInt64(latest.alignedLength)
            sequenceSeen = latest.sequence
        } else {
            joinAtTail()
        }
    }

    /// `.oldest`: the start of the data, or of the current lap once the ring has wrapped.
    mutating func joinAtOldest() {
        // Pairs with the storeReleasing of `tail` in `RingWriter.commit`.
        let tail = words.tail.loadAcquiring()
        let capacity = UInt64(capacity)
        cursor = tail <= capacity ? 0 : (tail - capacity + capacity - 1) / capacity * capacity
        if cursor < tail, let first = record(at: cursor), first.sequence > 0 {
            sequenceSeen = first.sequence - 1
        } else {
            sequenceSeen = words.latestSequence.loadAcquiring()
        }
    }

    /// Fallback when no record can be located: the writer's tail, and its latest sequence.
    mutating func joinAtTail() {
        // Pairs with the storeReleasing of latestSequence in `RingWriter.commit` (stored
        // before tail, so this sequence is never older than the record before the tail).
        cursor = words.tail.loadAcquiring()
        sequenceSeen = words.latestSequence.loadAcquiring()
    }

    /// The latest complete record's position and sequence, validated; nil when the ring is
    /// empty or the record could not be read intact in a few tries (a writer re-attaching).
    @usableFromInline
    func latestRecord() -> (position: UInt64, sequence: UInt64, alignedLength: Int)? {
        for _ in 0..<64 {
            // Pairs with the storeReleasing of latestSequence in `RingWriter.commit`.
            guard words.latestSequence.loadAcquiring() > 0 else { return nil }
            // Pairs with the storeReleasing of latestPosition, stored after the record.
            let position = words.latestPosition.loadAcquiring()
            if let found = record(at: position) { return (position, found.sequence, found.alignedLength) }
        }
        return nil
    }

    /// The header of the data record at `position`, if it is one and was read intact.
    @usableFromInline
    func record(at position: UInt64) -> (sequence: UInt64, alignedLength: Int)? {
        let index = Int(position & mask)
        let record = UnsafeRawPointer(data + index)
        let length = Int(record.load(fromByteOffset: Layout.Record.length, as: Int32.self))
        let type = record.load(fromByteOffset: Layout.Record.type, as: Int32.self)
        guard capacity - index >= Layout.recordHeaderSize else { return nil }
        let sequence = record.load(fromByteOffset: Layout.Record.sequence, as: UInt64.self)
        guard isIntact(at: position), type != RecordType.padding.rawValue,
              length >= Layout.recordHeaderSize, Layout.aligned(length) <= capacity - index else { return nil }
        return (sequence, Layout.aligned(length))
    }
}
