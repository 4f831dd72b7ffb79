import Glibc
import TestServices
import Testing
@testable import Store

/// The persister against a PostgreSQL of its own that the test kills (`pg_ctl stop -m
/// immediate`) and starts again mid-stream. Gated on DATABASE_URL like the other database
/// tests; the cluster itself comes from initdb (PG_BIN, default /usr/lib/postgresql/15/bin).
@Suite("Persister across a database crash", .serialized, .enabled(if: databaseURL != nil, "needs DATABASE_URL (make test starts PostgreSQL)"))
struct PersisterOutageTests {
    @Test("rows wait while the database is down and every one arrives exactly once when it returns")
    func crashAndReturn() throws {
        let cluster = try PrivateCluster()
        defer { cluster.destroy() }
        do {
            let db = try PostgresConnection(url: cluster.url)
            try Migrator(connection: db, migrations: Migration.load(directory: repositoryMigrations)).up()
        }
        let log = EventLog()
        let p = Persister(options: quickOptions(), connect: Persister.connector(url: cluster.url), events: log.append)
        p.start()
        defer { p.stop(drainNs: 0) }
        var next: Int64 = 1
        func feed(_ rows: Int, candle: CandleRow? = nil) {
            for i in 0..<(rows / 20) {
                var b = trades(next...(next + 19))
                if i == 0, let candle { b.candles = [candle] }
                next += 20
                p.add(&b)
                usleep(2_000)
            }
        }
        feed(1_000, candle: Rows.candle(close: 100_000_000, closed: false))
        #expect(eventually(20) { p.snapshot.written.trades == 1_000 && p.snapshot.state == .up })

        try cluster.stopImmediately()
        feed(1_000, candle: Rows.candle(close: 300_000_000, closed: true))
        #expect(eventually(20) { p.snapshot.state == .down })
        feed(1_000, candle: Rows.candle(close: 400_000_000, closed: false))
        let during = p.snapshot
        #expect(during.pending > 0 && during.written.trades < 3_000, "rows wait in the buffer")

        try cluster.start()
        #expect(eventually(30) { p.snapshot.pending == 0 && p.snapshot.written.trades == 3_000 && p.snapshot.state == .up })
        let check = try PostgresConnection(url: cluster.url)
        let counts = try check.execute("SELECT count(*), count(DISTINCT trade_id), min(trade_id), max(trade_id) FROM trades")
        #expect(counts == [["3000", "3000", "1", "3000"]])
        #expect(try check.execute("SELECT count(*), min(close), bool_and(is_closed) FROM candles") == [["1", "3", "t"]],
                "the close written after the crash stands; the late open update did not overwrite it")
        let stats = p.snapshot
        #expect(stats.outages == 1 && stats.dropped == TableCounts() && stats.rejected == TableCounts())
        #expect(stats.written.trades == 3_000 && stats.written.candles == 3 && stats.flushErrors >= 1)
        let events = log.events
        guard case .databaseLost(_, let pendingAtLoss)? = events.first else {
            Issue.record("first event is not databaseLost: \(events)")
            return
        }
        #expect(pendingAtLoss > 0)
        #expect(events.contains { if case .databaseBack(_, let waiting, 0) = $0 { waiting > 0 } else { false } }, "\(events)")
    }
}
