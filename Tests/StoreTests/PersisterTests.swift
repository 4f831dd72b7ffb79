import Glibc
import Testing
@testable import Store

/// Values another thread appends (a persister's events, the backend pids its sessions got),
/// kept for assertions.
final class Recorded<Element: Sendable>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var list: [Element] = []

    init() { pthread_mutex_init(&mutex, nil) }

    func append(_ e: Element) {
        pthread_mutex_lock(&mutex)
        list.append(e)
        pthread_mutex_unlock(&mutex)
    }

    var all: [Element] {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return list
    }
}

/// Events a persister sent.
typealias EventLog = Recorded<PersisterEvent>

extension Recorded where Element == PersisterEvent {
    var events: [PersisterEvent] { all }
}

/// A switch the tests flip to make the database "away" for new connections.
final class Switch: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var value = false

    init() { pthread_mutex_init(&mutex, nil) }

    var isOn: Bool {
        get {
            pthread_mutex_lock(&mutex)
            defer { pthread_mutex_unlock(&mutex) }
            return value
        }
        set {
            pthread_mutex_lock(&mutex)
            value = newValue
            pthread_mutex_unlock(&mutex)
        }
    }
}

/// Fast settings, so the tests run in seconds.
func quickOptions(capacity: Int = 1_000_000, chunk: Int = 100) -> Persister.Options {
    var o = Persister.Options(capacityRows: capacity)
    o.chunkRows = chunk
    o.flushIntervalNs = 50_000_000
    o.backoffInitialNs = 100_000_000
    o.backoffMaxNs = 400_000_000
    return o
}

func trades(_ ids: ClosedRange<Int64>) -> RowBatch {
    var b = RowBatch()
    b.trades = ids.map { Rows.trade($0) }
    return b
}

@Suite("Persister on PostgreSQL", .serialized, .enabled(if: databaseURL != nil, "needs DATABASE_URL (make test starts PostgreSQL)"))
struct PersisterTests {
    @Test("rows added from another thread are written in batches and counted per table")
    func writesEverything() throws {
        let s = try SchemaTests.Scratch("persist_all")
        defer { s.done() }
        try s.migrator.up()
        let log = EventLog()
        let p = Persister(options: quickOptions(), connect: Persister.connector(url: databaseURL!, setup: "SET search_path TO \(s.schema)"),
                          events: log.append)
        p.start()
        defer { p.stop() }
        for start in stride(from: Int64(1), through: 2_000, by: 40) {
            var b = trades(start...(start + 39))
            if start == 1 { b.candles = [Rows.candle()]; b.liquidations = [Rows.liquidation()]; b.bookSnapshots = [Rows.snapshot()] }
            p.add(&b)
            #expect(b.isEmpty)
        }
        #expect(eventually(20) { p.snapshot.pending == 0 && p.snapshot.written.trades == 2_000 })
        let stats = p.snapshot
        #expect(stats.state == .up && stats.written.candles == 1 && stats.written.liquidations == 1 && stats.written.bookSnapshots == 1)
        #expect(stats.dropped == TableCounts() && stats.flushErrors == 0 && stats.outages == 0 && stats.flushes >= 1)
        #expect(try s.count("trades") == 2_000)
        #expect(log.events.isEmpty)
    }

    @Test("a write to a server that stopped answering (its backend frozen) is cut after the flush deadline: down, counted, rows kept and written on a new session")
    func frozenServer() throws {
        let s = try SchemaTests.Scratch("persist_frozen")
        defer { s.done() }
        try s.migrator.up()
        let backends = Recorded<Int32>()
        let inner = Persister.connector(url: databaseURL!, setup: "SET search_path TO \(s.schema)")
        let connect: Persister.Connect = { () throws(PostgresError) -> PostgresConnection in
            let db = try inner()
            let pid = try db.execute("SELECT pg_backend_pid()").first?.first.flatMap { $0 }.flatMap { Int32($0) } ?? 0
            backends.append(pid)
            return db
        }
        var options = quickOptions()
        options.flushDeadlineNs = 500_000_000
        let log = EventLog()
        let p = Persister(options: options, connect: connect, events: log.append)
        p.start()
        defer { p.stop(drainNs: 0) }
        var b = trades(1...20)
        p.add(&b)
        #expect(eventually(20) { p.snapshot.written.trades == 20 })
        let frozen = try #require(backends.all.last)
        kill(frozen, SIGSTOP)
        defer { kill(frozen, SIGCONT) }
        b = trades(21...40)
        p.add(&b)
        #expect(eventually(10) { p.snapshot.state == .down }, "the cut write is an outage")
        let down = p.snapshot
        #expect(down.outages == 1 && down.lastError.contains("connection cut"), "\(down.lastError)")
        #expect(eventually(20) { p.snapshot.written.trades == 40 && p.snapshot.state == .up }, "a new session writes what waited")
        #expect(backends.all.count >= 2 && p.snapshot.dropped == TableCounts())
        #expect(log.events.contains { if case .databaseLost(let error, _) = $0 { error.contains("connection cut") } else { false } })
    }

    /// Ten trades and `snapshots` added at once on a fresh schema, written until nothing is
    /// pending; `check` then sees the stats, the events and the schema.
    private func writeOneChunk(_ name: String, snapshots: [BookSnapshotRow],
                               _ check: (PersisterStats, [PersisterEvent], SchemaTests.Scratch) throws -> Void) throws {
        let s = try SchemaTests.Scratch(name)
        defer { s.done() }
        try s.migrator.up()
        let log = EventLog()
        let p = Persister(options: quickOptions(), connect: Persister.connector(url: databaseURL!, setup: "SET search_path TO \(s.schema)"),
                          events: log.append)
        p.start()
        var b = trades(1...10)
        b.bookSnapshots = snapshots
        p.add(&b)
        #expect(eventually(20) { p.snapshot.pending == 0 })
        p.stop()
        try check(p.snapshot, log.events, s)
    }

    @Test("rows the server refuses are counted as rejected and do not hold back the other tables")
    func rejectedTable() throws {
        try writeOneChunk("persist_reject", snapshots: [Rows.snapshot(binSize: 0)]) { stats, events, s throws in
            #expect(stats.written.trades == 10 && stats.rejected.bookSnapshots == 1 && stats.written.bookSnapshots == 0)
            #expect(try s.count("trades") == 10)
            #expect(events.contains { if case .rejected(.bookSnapshots, 1, _) = $0 { true } else { false } })
            #expect(stats.lastError.contains("book_snapshots_bin_size_check") || stats.lastError.contains("check"), "\(stats.lastError)")
        }
    }

    @Test("a refused row costs itself: the rows written with it are found by halving and written")
    func refusedRowIsolated() throws {
        let snapshots = (0..<40).map { Rows.snapshot(second: $0, binSize: $0 == 7 || $0 == 31 ? 0 : 1_000_000_000) }
        try writeOneChunk("persist_isolate", snapshots: snapshots) { stats, events, s throws in
            #expect(stats.written.trades == 10 && stats.written.bookSnapshots == 38 && stats.rejected.bookSnapshots == 2, "\(stats)")
            #expect(try s.count("book_snapshots") == 38 && s.count("trades") == 10)
            let refusals = events.filter { if case .rejected(.bookSnapshots, _, _) = $0 { true } else { false } }
            #expect(refusals.count == 1, "one line per table and chunk, not one per row: \(refusals)")
        }
    }

    @Test("with the database away and a small bound, the oldest rows are dropped and counted; the newest arrive when it returns")
    func boundWhileAway() throws {
        let s = try SchemaTests.Scratch("persist_bound")
        defer { s.done() }
        try s.migrator.up()
        let away = Switch()
        away.isOn = true
        let real = Persister.connector(url: databaseURL!, setup: "SET search_path TO \(s.schema)")
        let connect: Persister.Connect = { () throws(PostgresError) -> PostgresConnection in
            if away.isOn { throw PostgresError(context: "connect", message: "away (test)") }
            return try real()
        }
        let log = EventLog()
        let p = Persister(options: quickOptions(capacity: 1_000, chunk: 100), connect: connect, events: log.append)
        p.start()
        defer { p.stop() }
        var first = trades(1...100)
        p.add(&first)
        // The writer holds these 100 (one chunk) while it retries.
        #expect(eventually(10) { p.snapshot.state == .down })
        for start in stride(from: Int64(101), through: 2_500, by: 50) {
            var b = trades(start...(start + 49))
            p.add(&b)
        }
        let down = p.snapshot
        #expect(down.pending == 1_000, "the bound holds")
        #expect(down.dropped.trades == 1_500 && down.outages == 1 && down.flushErrors >= 1)
        #expect(down.lastError.contains("away (test)"))
        #expect(eventually(5) { log.events.contains { if case .dropping(1_000, _) = $0 { true } else { false } } })

        away.isOn = false
        #expect(eventually(20) { p.snapshot.pending == 0 && p.snapshot.state == .up })
        let ids = try s.db.execute("SELECT count(*), min(trade_id), max(trade_id) FROM trades")
        // The chunk in flight when the bound was hit (the first 100) is kept; the oldest
        // queued chunks went; the newest 900 stayed.
        #expect(ids == [["1000", "1", "2500"]])
        #expect(try s.db.execute("SELECT count(*) FROM trades WHERE trade_id BETWEEN 101 AND 1600") == [["0"]])
        #expect(p.snapshot.written.trades == 1_000)
        #expect(log.events.contains { if case .databaseBack(_, 1_000, 1_500) = $0 { true } else { false } }, "\(log.events)")
    }

    @Test("stopping with the database away counts what is left as dropped, within the drain time")
    func stopWhileAway() {
        let p = Persister(options: quickOptions(capacity: 500, chunk: 100),
                          connect: Persister.connector(url: "postgres://postgres@127.0.0.1:1/none?sslmode=disable"))
        p.start()
        var b = trades(1...300)
        p.add(&b)
        #expect(eventually(10) { p.snapshot.state == .down })
        let started = clockMillis()
        p.stop(drainNs: 300_000_000)
        #expect(clockMillis() - started < 5_000)
        let stats = p.snapshot
        #expect(stats.state == .stopped && stats.pending == 0 && stats.dropped.trades == 300 && stats.written.total == 0)
    }
}
