/// The persister's bounded buffer, a pure value (the persister holds it under its lock):
/// rows fill an open chunk; a chunk of `chunkRows` is sealed and queued; the writer takes
/// chunks oldest first, one at a time, and holds it "in flight" until it is written.
///
/// Bound: `pending` (queued + in flight) never exceeds `capacity`. Over it, the **oldest**
/// rows go first, whole sealed chunks at a time (then the open chunk, then the part of the
/// incoming rows that does not fit); the chunk in flight is kept. Why oldest: a candle row is
/// state that a later row of the same candle supersedes, so the newest rows carry the most
/// (the open candle's latest values, the close); and after an outage the database gets the
/// most recent trades and books, which the terminal shows first. Either way the hole is as
/// long; this way it sits at the start of the outage. Every dropped row is counted per table.
struct PersisterBuffer: Sendable {
    let capacity: Int
    let chunkRows: Int
    private(set) var chunks: [RowBatch] = []
    private(set) var open = RowBatch()
    /// Rows in `chunks` and `open`.
    private(set) var queued = 0
    /// Rows the writer took and has not finished.
    private(set) var inFlight = 0
    /// Rows dropped to keep the bound, per table, since the start.
    private(set) var dropped = TableCounts()

    init(capacity: Int, chunkRows: Int) {
        self.capacity = max(1, capacity)
        self.chunkRows = max(1, chunkRows)
    }

    /// Rows waiting to be written (queued and in flight).
    var pending: Int { queued + inFlight }

    /// Whether a sealed chunk is waiting.
    var hasSealed: Bool { !chunks.isEmpty }

    /// Adds `rows` (emptied, its storage kept for the caller's next fill), dropping the
    /// oldest rows if the bound needs it. Returns true when a chunk was sealed.
    @discardableResult
    mutating func add(_ rows: inout RowBatch) -> Bool {
        var n = rows.count
        guard n > 0 else { return false }
        while pending + n > capacity, !chunks.isEmpty {
            let oldest = chunks.removeFirst()
            dropped += oldest.counts
            queued -= oldest.count
        }
        if pending + n > capacity, !open.isEmpty {
            dropped += open.counts
            queued -= open.count
            open.removeAll()
        }
        if pending + n > capacity {
            dropped += rows.truncate(keeping: capacity - pending)
            n = rows.count
        }
        if open.isEmpty && n >= chunkRows {
            // A big delivery (a REST page) becomes a chunk as it is, without a copy.
            swap(&open, &rows)
        } else {
            open.append(contentsOf: rows)
        }
        rows.removeAll()
        queued += n
        guard open.count >= chunkRows else { return false }
        chunks.append(open)
        open = RowBatch()
        return true
    }

    /// The next chunk for the writer: the oldest sealed one, or (with `includeOpen`) the open
    /// one; nil if there is none, or the writer still holds one.
    mutating func take(includeOpen: Bool) -> RowBatch? {
        guard inFlight == 0 else { return nil }
        let next: RowBatch
        if !chunks.isEmpty {
            next = chunks.removeFirst()
        } else if includeOpen && !open.isEmpty {
            next = open
            open = RowBatch()
        } else {
            return nil
        }
        queued -= next.count
        inFlight = next.count
        return next
    }

    /// The writer is done with `rows` of the chunk it holds (written or rejected).
    mutating func settle(_ rows: Int) {
        inFlight = max(0, inFlight - rows)
    }

    /// Everything still queued, counted as dropped (the persister stopped before it could
    /// write it); returns how many rows.
    mutating func dropAll() -> Int {
        var n = 0
        for c in chunks { dropped += c.counts; n += c.count }
        dropped += open.counts
        n += open.count
        chunks.removeAll()
        open = RowBatch()
        queued = 0
        return n
    }

    /// Counts rows of the chunk in flight as dropped (given up at shutdown).
    mutating func dropInFlight(_ rows: TableCounts) {
        dropped += rows
        inFlight = 0
    }
}
