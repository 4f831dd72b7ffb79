/// The ring header's words (Layout.Ring), for the writer, the readers and whoever reports on
/// the ring (status, health).
public struct RingHeaderWords: @unchecked Sendable {
    public let tailIntent: SharedWord
    public let tail: SharedWord
    public let latestSequence: SharedWord
    public let latestPosition: SharedWord
    public let epoch: SharedWord
    public let firstEpoch: SharedWord
    public let writerPid: SharedWord
    public let recordsWritten: SharedWord

    public init(segment: Segment) {
        let header = segment.ringHeader
        tailIntent = SharedWord(at: header + Layout.Ring.tailIntent)
        tail = SharedWord(at: header + Layout.Ring.tail)
        latestSequence = SharedWord(at: header + Layout.Ring.latestSequence)
        latestPosition = SharedWord(at: header + Layout.Ring.latestPosition)
        epoch = SharedWord(at: header + Layout.Ring.epoch)
        firstEpoch = SharedWord(at: header + Layout.Ring.firstEpoch)
        writerPid = SharedWord(at: header + Layout.Ring.writerPid)
        recordsWritten = SharedWord(at: header + Layout.Ring.recordsWritten)
    }
}

extension Segment {
    /// The ring header's words.
    public var ringWords: RingHeaderWords { RingHeaderWords(segment: self) }
}
