import Glibc
import Posix
import Runtime
import ShmRing

/// What `tterminal status` shows, read from the segment's control block.
public struct StatusReport: Sendable {
    /// One child's line.
    public struct Child: Sendable {
        public var slot: Int
        public var kind: ChildKind
        public var state: SlotState
        public var pid: Int32
        public var uptimeSeconds: Double
        public var restarts: UInt64
        public var generation: UInt64
        public var heartbeat: UInt64
        public var ringSequence: UInt64
        public var lag: UInt64
        public var laps: UInt64
        public var connections: UInt64
        public var requests: UInt64
        public var badRequests: UInt64
        public var rateLimited: UInt64 = 0
        /// A worker's `Layout.WorkerCounter` values, by raw value (zeros for the feeder).
        public var counters: [UInt64]

        public func counter(_ c: Layout.WorkerCounter) -> UInt64 { counters[c.rawValue] }
    }

    public var supervisorPid: Int32
    public var supervisorAlive: Bool
    public var uptimeSeconds: Double
    public var workersWanted: Int
    public var generation: UInt64
    /// How the last reload (HUP) ended.
    public var lastReload: ReloadOutcome
    public var feedState: FeedState
    public var epoch: UInt64
    public var ringSequence: UInt64
    public var ringCapacity: Int
    public var ringRecordsWritten: UInt64
    public var recordsPublished: UInt64
    public var lastRecordAgeMs: Int64?
    public var database: DatabaseState
    public var replayLoops: UInt64
    public var children: [Child]
    public var feed: FeedReport
    public var storage: StorageReport

    public init(segment: Segment) {
        let c = segment.control
        let now = Clock.realtimeNanos()
        supervisorPid = c.supervisorPid
        supervisorAlive = c.supervisorAlive
        uptimeSeconds = Double(now - c.supervisorStartRealtimeNs) / 1e9
        workersWanted = c.workersWanted
        generation = c.reloadGeneration
        lastReload = c.lastReload
        feedState = c.feedState
        let ring = segment.ringWords
        epoch = ring.epoch.loadAcquiring()
        ringSequence = ring.latestSequence.loadAcquiring()
        ringCapacity = segment.ringCapacity
        ringRecordsWritten = ring.recordsWritten.loadRelaxed()
        recordsPublished = c.feedRecordsPublished
        let last = c.feedLastPublishRealtimeNs
        lastRecordAgeMs = last > 0 ? (now - last) / 1_000_000 : nil
        database = c.databaseState
        replayLoops = c.feedReplayLoops
        feed = FeedReport(segment: segment)
        storage = StorageReport(control: c, now: now)
        let latest = ringSequence
        children = c.slots.filter { $0.state != .free }.map { s in
            let seq = s.ringSequence
            return Child(slot: s.index, kind: s.kind, state: s.state, pid: s.pid,
                         uptimeSeconds: s.startRealtimeNs > 0 ? Double(now - s.startRealtimeNs) / 1e9 : 0,
                         restarts: s.restarts, generation: s.generation, heartbeat: s.heartbeat,
                         ringSequence: seq, lag: s.kind == .worker && latest > seq ? latest - seq : 0,
                         laps: s.ringLaps, connections: s.connections, requests: s.requests, badRequests: s.badRequests,
                         rateLimited: s.rateLimited, counters: Layout.WorkerCounter.allCases.map { s.counter($0.rawValue).loadRelaxed() })
        }
    }

    /// The human table.
    public func table() -> String {
        var out = "supervisor pid \(supervisorPid)\(supervisorAlive ? "" : " (not running)")  up \(Self.duration(uptimeSeconds))"
        out += "  workers \(children.filter { $0.kind == .worker && $0.state != .stopping }.count)/\(workersWanted)  generation \(generation)  last reload \(lastReload)\n"
        let age = lastRecordAgeMs.map { "\($0) ms ago" } ?? "never"
        out += "feed \(feedState)  epoch \(epoch)  ring seq \(ringSequence)  records \(recordsPublished)  last record \(age)  database \(database)\n"
        out += storage.table() + "\n"
        let header = ["SLOT", "KIND", "STATE", "PID", "UPTIME", "RESTARTS", "GEN", "RING SEQ", "LAG", "LAPS", "CONNS", "REQUESTS"]
        var rows = [header]
        for c in children {
            rows.append(["\(c.slot)", "\(c.kind)", "\(c.state)", "\(c.pid)", Self.duration(c.uptimeSeconds), "\(c.restarts)",
                         "\(c.generation)", c.kind == .worker ? "\(c.ringSequence)" : "-", c.kind == .worker ? "\(c.lag)" : "-",
                         "\(c.laps)", "\(c.connections)", "\(c.requests)"])
        }
        out += Self.columns(rows)
        out += workerCounterTable()
        let feedTable = feed.table()
        if !feedTable.isEmpty { out += "\n" + feedTable }
        return out
    }

    /// The workers' fan-out and connection counters, one line each; empty without workers.
    func workerCounterTable() -> String {
        let workers = children.filter { $0.kind == .worker }
        guard !workers.isEmpty else { return "" }
        var rows = [["SLOT", "WS OPEN", "DELIVERIES", "DROPPED", "CONFLATED", "SLOW CLOSED", "GAP NOTICES",
                     "RECOVERED/REFUSED", "REFUSED CONNS", "MSGS LIMITED/CLOSED"]]
        for c in workers {
            rows.append(["\(c.slot)", "\(c.counter(.webSocketsOpen))", "\(c.counter(.wsDeliveries))", "\(c.counter(.wsDropped))",
                         "\(c.counter(.wsConflated))", "\(c.counter(.wsSlowClosed))", "\(c.counter(.wsGapNotices))",
                         "\(c.counter(.wsRecovered))/\(c.counter(.wsRecoveryRefused))",
                         "\(c.counter(.refusedPerAddress) + c.counter(.refusedFull))",
                         "\(c.counter(.wsRateLimited))/\(c.counter(.wsRateLimitClosed))"])
        }
        return "\n" + Self.columns(rows)
    }

    /// Rows as left-aligned columns two spaces apart, one line each.
    static func columns(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { r in
            r.enumerated().map { i, v in v + String(repeating: " ", count: widths[i] - v.count) }.joined(separator: "  ") + "\n"
        }.joined()
    }

    /// The same figures as JSON.
    public func json() -> String {
        var w = JSONWriter()
        w.beginObject()
        w.beginObject("supervisor")
        w.field("pid", Int(supervisorPid)); w.field("alive", supervisorAlive); w.field("uptime_s", uptimeSeconds)
        w.field("workers_wanted", workersWanted); w.field("generation", generation)
        w.field("last_reload", lastReload.description)
        w.endObject()
        w.beginObject("feed")
        w.field("state", feedState.description); w.field("epoch", epoch); w.field("records", recordsPublished)
        if let a = lastRecordAgeMs { w.field("last_record_age_ms", a) } else { w.null("last_record_age_ms") }
        w.field("replay_loops", replayLoops)
        feed.write(into: &w)
        w.endObject()
        w.beginObject("ring")
        w.field("sequence", ringSequence); w.field("capacity_bytes", ringCapacity); w.field("records_written", ringRecordsWritten)
        w.endObject()
        w.field("database", database.description)
        storage.write(into: &w)
        w.beginArray("children")
        for c in children {
            w.beginObject()
            w.field("slot", c.slot); w.field("kind", c.kind.description); w.field("state", c.state.description)
            w.field("pid", Int(c.pid)); w.field("uptime_s", c.uptimeSeconds); w.field("restarts", c.restarts)
            w.field("generation", c.generation); w.field("heartbeat", c.heartbeat); w.field("ring_sequence", c.ringSequence)
            w.field("lag", c.lag); w.field("laps", c.laps); w.field("connections", c.connections); w.field("requests", c.requests)
            if c.kind == .worker { writeCounters(of: c, into: &w) }
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.text
    }

    /// A worker's `bad_requests`, `rate_limited` and `counters` object, keyed by `Layout.WorkerCounter.name`.
    private func writeCounters(of c: Child, into w: inout JSONWriter) {
        w.field("bad_requests", c.badRequests)
        w.field("rate_limited", c.rateLimited)
        w.beginObject("counters")
        for counter in Layout.WorkerCounter.allCases { w.field(counter.name, c.counter(counter)) }
        w.endObject()
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s)
        if t < 60 { return "\(t)s" }
        if t < 3600 { return "\(t / 60)m\(t % 60)s" }
        return "\(t / 3600)h\((t % 3600) / 60)m"
    }
}

/// The feeder's persister (PostgreSQL writes) as the control block shows it.
public struct StorageReport: Sendable {
    public var state: StorageStateCode
    /// Every `StorageCounter` by raw value.
    public var values: [UInt64]
    public var lastError: String
    public var lastErrorAgeMs: Int64?
    public var lastFlushAgeMs: Int64?
    /// Data collection paused (`POST /api/v1/data-collection/stop`): records are not stored.
    public var paused: Bool

    public init(control c: ControlBlock, now: Int64) {
        values = StorageCounter.allCases.map { c.storageCounter($0).loadRelaxed() }
        state = StorageStateCode(rawValue: values[StorageCounter.state.rawValue]) ?? .notConfigured
        lastError = c.storageError
        paused = c.collectionPaused
        func age(_ counter: StorageCounter) -> Int64? {
            let t = Int64(bitPattern: values[counter.rawValue])
            return t > 0 ? max(0, (now - t) / 1_000_000) : nil
        }
        lastErrorAgeMs = age(.lastErrorRealtimeNs)
        lastFlushAgeMs = age(.lastFlushRealtimeNs)
    }

    public subscript(c: StorageCounter) -> UInt64 { values[c.rawValue] }

    /// One line (two with an error) for `tterminal status`.
    public func table() -> String {
        guard state != .notConfigured else { return "storage not configured (no DATABASE_URL)\n" }
        var out = "storage \(state)  written candles \(self[.candlesWritten]) trades \(self[.tradesWritten])"
        out += " liquidations \(self[.liquidationsWritten]) book_snapshots \(self[.bookSnapshotsWritten])"
        out += "  pending \(self[.pending])/\(self[.capacity])  dropped \(self[.dropped])  rejected \(self[.rejected])"
        out += "  flushes \(self[.flushes])  errors \(self[.flushErrors])  outages \(self[.outages])"
        out += "  reader laps \(self[.readerLaps]) missed \(self[.readerMissed])  not collected \(self[.notCollected])"
        out += paused ? "  (collection paused)\n" : "\n"
        if !lastError.isEmpty {
            out += "storage last error\(lastErrorAgeMs.map { " (\($0 / 1000) s ago)" } ?? ""): \(lastError)\n"
        }
        return out
    }

    /// The `storage` object of the status JSON.
    public func write(into w: inout JSONWriter) {
        w.beginObject("storage")
        w.field("state", state.description)
        w.beginObject("written")
        w.field("candles", self[.candlesWritten]); w.field("trades", self[.tradesWritten])
        w.field("liquidations", self[.liquidationsWritten]); w.field("book_snapshots", self[.bookSnapshotsWritten])
        w.endObject()
        for c in [StorageCounter.pending, .capacity, .dropped, .rejected, .flushes, .flushErrors, .outages, .readerLaps, .readerMissed,
                  .notCollected, .runsTotal, .runsSucceeded, .runsFailed] {
            w.field(c.name, self[c])
        }
        w.field("collection_paused", paused)
        if let a = lastFlushAgeMs { w.field("last_flush_age_ms", a) } else { w.null("last_flush_age_ms") }
        if lastError.isEmpty { w.null("last_error") } else { w.field("last_error", lastError) }
        if let a = lastErrorAgeMs { w.field("last_error_age_ms", a) } else { w.null("last_error_age_ms") }
        w.endObject()
    }
}
