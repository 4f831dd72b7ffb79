import Posix

/// Exponential backoff between reconnect attempts: `initial` doubling up to `max`.
struct Backoff: Sendable, Equatable {
    let initialNs: Int64
    let maxNs: Int64
    private(set) var nextNs: Int64

    init(initialNs: Int64, maxNs: Int64) {
        self.initialNs = initialNs
        self.maxNs = max(initialNs, maxNs)
        nextNs = initialNs
    }

    /// The pause before the next attempt; the one after it is twice as long (capped).
    mutating func take() -> Int64 {
        let d = nextNs
        nextNs = min(maxNs, nextNs * 2)
        return d
    }

    mutating func reset() { nextNs = initialNs }
}

/// The persister's thread: take a chunk, (re)connect if needed, write it in one transaction,
/// repeat; on failure keep the chunk, pause with backoff, reconnect and retry.
extension Persister {
    /// What the thread remembers between chunks.
    struct Outage {
        var downSinceNs: Int64 = 0
        var droppedBefore: UInt64 = 0
        var droppedAnnounced: UInt64 = 0
        var announcedNs: Int64 = .min
    }

    func run() {
        var writer: CopyWriter?
        var backoff = Backoff(initialNs: options.backoffInitialNs, maxNs: options.backoffMaxNs)
        var outage = Outage()
        var chunk = RowBatch()
        var holding = false
        while true {
            announceDrops(&outage)
            if !holding {
                guard let next = nextChunk() else { break }
                chunk = next
                holding = true
            }
            do {
                if writer == nil { writer = CopyWriter(connection: try connect()) }
                let socket = writer!.db.socket
                monitor.withLock {
                    flushStartedNs = Clock.monotonicNanos()
                    flushSocket = socket
                    flushCut = false
                }
                defer { monitor.withLock { flushStartedNs = 0 } }
                try write(&chunk, with: writer!, outage: &outage)
                holding = false
                backoff.reset()
            } catch {
                writer = nil
                let cut = monitor.withLock { flushCut }
                failed(cut ? PostgresError(context: "write", message: "no answer within \(options.flushDeadlineNs / 1_000_000_000) s"
                                           + " (the server stopped answering): connection cut") : error, &outage)
                if !pause(backoff.take()) { break }
            }
        }
        finish(leftover: holding ? chunk : RowBatch())
    }

    /// Writes the chunk; if the server refuses it as data, writes it table by table, and a
    /// table it refuses in halves (`isolate`), so a refused row costs itself and not the rows
    /// written with it. Throws on anything else (the chunk keeps what was not written).
    func write(_ chunk: inout RowBatch, with writer: CopyWriter, outage: inout Outage) throws(PostgresError) {
        do {
            try writer.write(chunk)
            committed(chunk.counts, &outage)
            chunk.removeAll()
            return
        } catch {
            guard Self.isDataError(error), writer.db.isConnected else { throw error }
        }
        for table in StoreTable.allCases where chunk.count(table) > 0 {
            var refused = Refused(budget: Self.isolationWrites)
            defer {
                chunk.removeFirst(refused.settled, of: table)
                if refused.rows > 0, let error = refused.error { rejected(table, rows: refused.rows, error) }
            }
            try isolate(chunk, table, 0..<chunk.count(table), with: writer, outage: &outage, &refused)
        }
    }

    /// Writes at most this many parts of one table's refused rows while looking for the rows
    /// at fault (about `2 · log2(rows)` per refused row: a few bad rows among thousands are
    /// found; a table whose every row is refused is given up after this many writes).
    static let isolationWrites = 64

    /// Where the search for refused rows of one table stands: rows settled from the front
    /// (written or refused; the halves are written in order), rows refused, writes left.
    struct Refused {
        var budget: Int
        var settled = 0
        var rows = 0
        var error: PostgresError?
    }

    /// Writes `table`'s `rows` of `chunk`; if the server refuses them as data, writes each half
    /// the same way, until a refused part is one row or the budget is spent, then counts it
    /// refused. Throws on anything but a data error.
    func isolate(_ chunk: RowBatch, _ table: StoreTable, _ rows: Range<Int>, with writer: CopyWriter,
                 outage: inout Outage, _ refused: inout Refused) throws(PostgresError) {
        let part = chunk.only(table, rows: rows)
        do {
            refused.budget -= 1
            try writer.write(part)
            committed(part.counts, &outage)
        } catch {
            guard Self.isDataError(error), writer.db.isConnected else { throw error }
            refused.error = error
            if rows.count == 1 || refused.budget < 2 {
                refused.rows += rows.count
                refused.settled += rows.count
                monitor.withLock { buffer.settle(rows.count) }
                return
            }
            let middle = rows.lowerBound + rows.count / 2
            try isolate(chunk, table, rows.lowerBound..<middle, with: writer, outage: &outage, &refused)
            try isolate(chunk, table, middle..<rows.upperBound, with: writer, outage: &outage, &refused)
            return
        }
        refused.settled += rows.count
    }

    /// A data exception (22xxx) or an integrity violation (23xxx): the rows, not the
    /// database, are at fault, and retrying them would fail forever.
    static func isDataError(_ e: PostgresError) -> Bool {
        e.sqlState.hasPrefix("22") || e.sqlState.hasPrefix("23")
    }

    /// The next chunk to write, waiting for one: a sealed chunk at once, the open one once a
    /// flush interval has passed since the last take; when stopping, whatever is left until
    /// the deadline. Nil when the thread should end.
    func nextChunk() -> RowBatch? {
        monitor.withLock {
            while true {
                let now = Clock.monotonicNanos()
                if stopping {
                    return now < stopDeadlineNs ? buffer.take(includeOpen: true) : nil
                }
                let due = now - lastTakeNs >= options.flushIntervalNs
                if let c = buffer.take(includeOpen: due) {
                    lastTakeNs = now
                    return c
                }
                let next = lastTakeNs + options.flushIntervalNs
                monitor.wait(untilMonotonicNs: next > now ? next : now + options.flushIntervalNs)
            }
        }
    }

    /// Sleeps `ns` (a backoff); false when stopping and the drain deadline has passed.
    func pause(_ ns: Int64) -> Bool {
        monitor.withLock {
            let until = Clock.monotonicNanos() + ns
            while true {
                let now = Clock.monotonicNanos()
                if stopping && now >= stopDeadlineNs { return false }
                if now >= until { return true }
                monitor.wait(untilMonotonicNs: stopping ? min(until, stopDeadlineNs) : until)
            }
        }
    }

    func committed(_ counts: TableCounts, _ outage: inout Outage) {
        let back: PersisterEvent? = monitor.withLock {
            stats.written += counts
            stats.flushes += 1
            stats.lastFlushRealtimeNs = Clock.realtimeNanos()
            buffer.settle(Int(counts.total))
            defer { stats.state = .up }
            guard stats.state == .down else { return nil }
            let downMs = (Clock.monotonicNanos() - outage.downSinceNs) / 1_000_000
            return .databaseBack(downMs: downMs, waiting: buffer.pending + Int(counts.total),
                                 dropped: buffer.dropped.total - outage.droppedBefore)
        }
        if let back { events(back) }
    }

    /// Counts `rows` of `table` as refused (their buffer space is already settled).
    func rejected(_ table: StoreTable, rows: Int, _ error: PostgresError) {
        monitor.withLock {
            stats.rejected[table] += UInt64(rows)
            stats.flushErrors += 1
            stats.lastError = error.oneLine
            stats.lastErrorRealtimeNs = Clock.realtimeNanos()
        }
        events(.rejected(table: table, rows: rows, error: error.oneLine))
    }

    func failed(_ error: PostgresError, _ outage: inout Outage) {
        let lost: PersisterEvent? = monitor.withLock {
            stats.flushErrors += 1
            stats.lastError = error.oneLine
            stats.lastErrorRealtimeNs = Clock.realtimeNanos()
            guard stats.state != .down else { return nil }
            stats.state = .down
            stats.outages += 1
            outage.downSinceNs = Clock.monotonicNanos()
            outage.droppedBefore = buffer.dropped.total
            return .databaseLost(error: error.oneLine, pending: buffer.pending)
        }
        if let lost { events(lost) }
    }

    /// Says so when rows were dropped since it last did (at most every 10 s).
    func announceDrops(_ outage: inout Outage) {
        let total = monitor.withLock { buffer.dropped.total }
        let now = Clock.monotonicNanos()
        guard total > outage.droppedAnnounced, outage.announcedNs == .min || now - outage.announcedNs >= 10_000_000_000 else {
            return
        }
        outage.droppedAnnounced = total
        outage.announcedNs = now
        events(.dropping(capacity: options.capacityRows, droppedTotal: total))
    }

    /// The thread ends: what was not written is counted as dropped.
    func finish(leftover: RowBatch) {
        let left = monitor.withLock { () -> Int in
            if !leftover.isEmpty { buffer.dropInFlight(leftover.counts) }
            stats.state = .stopped
            return leftover.count + buffer.dropAll()
        }
        if left > 0 { events(.stoppedWithRows(left)) }
    }
}
