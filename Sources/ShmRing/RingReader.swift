/// What `RingReader.next(into:)` (or `drain`) found.
public enum ReadResult: Equatable, Sendable {
    /// A record; its payload (`length` bytes) was copied into the caller's buffer.
    case record(type: Int32, sequence: UInt64, length: Int)
    /// A record whose payload did not fit the caller's buffer: skipped, nothing copied.
    case tooLarge(type: Int32, sequence: UInt64, length: Int)
    /// Nothing new.
    case empty
    /// The writer overwrote records before this reader got to them (`missed` of them). The
    /// reader counted it and jumped to the latest record; resynchronise from the state tables.
    case lapped(missed: UInt64)
}

extension ReadResult {
    /// The type of a `.record` or `.tooLarge` result, if this binary knows it.
    public var recordType: RecordType? {
        switch self {
        case .record(let type, _, _), .tooLarge(let type, _, _): return RecordType(rawValue: type)
        case .empty, .lapped: return nil
        }
    }
}

/// One reader of the event ring (Agrona's `CopyBroadcastReceiver`): copy the record, then
/// validate that the writer did not start overwriting it meanwhile. Never writes shared memory.
public struct RingReader: @unchecked Sendable {
    /// Where a new reader starts.
    public enum Start: Sendable {
        /// At the next record to be written.
        case latest
        /// At the oldest record that can be located safely: the start of the data if the ring
        /// has not wrapped yet, else the start of the current lap's buffer (a record boundary;
        /// the tail end of the previous lap is not reachable without walking overwritten bytes).
        case oldest
    }

    @usableFromInline let segment: Segment
    @usableFromInline let data: UnsafeMutableRawPointer
    @usableFromInline let capacity: Int
    @usableFromInline let mask: UInt64
    /// The ring header\'s words.
    @usableFromInline let words: RingHeaderWords
    /// Where the next record starts, in bytes since the segment was formatted.
    @usableFromInline var cursor: UInt64 = 0
    /// The last `tail` seen: reloaded only when the cursor reaches it.
    @usableFromInline var knownTail: UInt64 = 0

    /// The sequence of the last record delivered or accounted for (skipped, missed).
    public var lastSequence: UInt64 { sequenceSeen }
    @usableFromInline var sequenceSeen: UInt64 = 0
    /// How many times this reader was lapped.
    public internal(set) var laps: UInt64 = 0
    /// How many records it missed in all, over those laps.
    public internal(set) var missed: UInt64 = 0

    public init(segment: Segment, start: Start = .latest) {
        words = segment.ringWords
        self.segment = segment
        data = segment.ringData
        capacity = segment.ringCapacity
        mask = UInt64(segment.ringCapacity - 1)
        switch start {
        case .latest: joinAtLatest()
        case .oldest: joinAtOldest()
        }
    }

    /// A reader at `position`, a record boundary some reader stood at (its `position`) right
    /// after the record of sequence `sequence`: a replay from a remembered place. If the
    /// writer has overwritten it since, the first read says `.lapped`.
    public init(segment: Segment, position: UInt64, after sequence: UInt64) {
        words = segment.ringWords
        self.segment = segment
        data = segment.ringData
        capacity = segment.ringCapacity
        mask = UInt64(segment.ringCapacity - 1)
        cursor = position
        sequenceSeen = sequence
    }

    /// Where the next record starts (a record boundary), in bytes since the segment was formatted.
    public var position: UInt64 { cursor }

    /// The current epoch in the ring header.
    public var epoch: UInt64 {
        // Pairs with the storeReleasing of the epoch in `RingWriter.init`.
        words.epoch.loadAcquiring()
    }

    /// The ring's first epoch: `[firstEpoch, epoch]` are the epochs of this ring's writers.
    public var firstEpoch: UInt64 {
        // Stored before the first epoch is published (storeReleasing in `RingWriter.init`).
        words.firstEpoch.loadRelaxed()
    }

    /// The sequence of the last record the writer published.
    public var publishedSequence: UInt64 {
        // Pairs with the storeReleasing of latestSequence in `RingWriter.commit`.
        words.latestSequence.loadAcquiring()
    }

    /// How many records the writer is ahead of this reader.
    public func lag() -> UInt64 {
        // Pairs with the storeReleasing of latestSequence in `RingWriter.commit`.
        let latest = words.latestSequence.loadAcquiring()
        return latest > lastSequence ? latest - lastSequence : 0
    }

    /// The next record, copied into `buffer`. Padding records are skipped. One record per
    /// call, read straight from the ring; `drain` is the batched fast path.
    @inlinable
    public mutating func next(into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        while true {
            let pending = beginRead(into: buffer)
            if let result = finishRead(pending) { return result }
        }
    }
}
