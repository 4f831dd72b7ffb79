import Glibc
import Posix
import Store
import Testing
@testable import Feeder

/// What health's `database` field rests on: the probe logs in and runs a statement, so a
/// database the URL cannot use reads as down, as does one that stops answering mid-session.
@Suite("Database probe on PostgreSQL", .serialized, .enabled(if: feederDatabaseURL != nil, "needs DATABASE_URL (make test starts PostgreSQL)"))
struct DatabaseProbeTests {
    @Test("a server that accepts connections but not this URL's database, or lacks the tables, is down; the right one is up")
    func wrongDatabase() throws {
        let base = feederDatabaseURL!
        let path = base.split(separator: "?", maxSplits: 1)
        let slash = try #require(path[0].lastIndex(of: "/"))
        let wrong = String(path[0][...slash]) + "no_such_database_\(getpid())" + (path.count > 1 ? "?" + path[1] : "")
        #expect(Postgres.ping(url: wrong), "PQping alone calls this server fine")
        var session: PostgresConnection?
        #expect(!DatabaseProbe.check(url: wrong, session: &session))
        #expect(session == nil)

        let schema = "probe_test_\(getpid())"
        let admin = try PostgresConnection(url: base)
        try admin.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE; CREATE SCHEMA \(schema)")
        defer { _ = try? admin.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        let url = Postgres.url(base, adding: [("options", "-csearch_path%3D\(schema)")])
        #expect(!DatabaseProbe.check(url: url, session: &session), "answers, but nothing could be stored: no tables")
        #expect(session != nil, "the session itself is fine and kept")
        try admin.execute("CREATE TABLE \(schema).candles (x int); CREATE TABLE \(schema).trades (x int); CREATE TABLE \(schema).liquidations (x int)")
        #expect(DatabaseProbe.check(url: url, session: &session))
        let kept = try #require(session)
        #expect(DatabaseProbe.check(url: url, session: &session))
        #expect(session === kept, "the session is kept between checks")
        try admin.execute("DROP TABLE \(schema).trades")
        #expect(!DatabaseProbe.check(url: url, session: &session))
    }

    @Test("a backend that stops answering mid-session is down after the timeout, not a hang")
    func stuckBackend() throws {
        let db = try PostgresConnection(url: feederDatabaseURL!)
        #expect(db.value(of: "SELECT 1", timeoutMillis: 2000) == "1")
        let row = try db.execute("SELECT pg_backend_pid()")
        let pid = try #require(row.first?.first.flatMap { $0 }.flatMap { Int32($0) })
        kill(pid, SIGSTOP)
        defer { kill(pid, SIGCONT) }
        let started = Clock.monotonicNanos()
        #expect(db.value(of: "SELECT 1", timeoutMillis: 300) == nil)
        let waited = Clock.monotonicNanos() - started
        #expect(waited >= 250_000_000 && waited < 5_000_000_000, "waited \(waited / 1_000_000) ms")
    }
}
