import Glibc
import Posix
import Store
import Testing
@testable import Feeder

/// What health's `database` field rests on: the probe logs in and runs a statement, so a
/// database the URL cannot use reads as down, as does one that stops answering mid-session.
@Suite("Database probe on PostgreSQL", .serialized, .enabled(if: feederDatabaseURL != nil, "needs DATABASE_URL (make test starts PostgreSQL)"))
struct DatabaseProbeTests {
    @Test("a server that accepts connections but not this URL's database is down; the right URL is up")
    func wrongDatabase() throws {
        let good = feederDatabaseURL!
        let path = good.split(separator: "?", maxSplits: 1)
        let slash = try #require(path[0].lastIndex(of: "/"))
        let wrong = String(path[0][...slash]) + "no_such_database_\(getpid())" + (path.count > 1 ? "?" + path[1] : "")
        #expect(Postgres.ping(url: wrong), "PQping alone calls this server fine")
        var session: PostgresConnection?
        #expect(!DatabaseProbe.check(url: wrong, session: &session))
        #expect(session == nil)
        #expect(DatabaseProbe.check(url: good, session: &session))
        let kept = try #require(session)
        #expect(DatabaseProbe.check(url: good, session: &session))
        #expect(session === kept, "the session is kept between checks")
    }

    @Test("a backend that stops answering mid-session is down after the timeout, not a hang")
    func stuckBackend() throws {
        let db = try PostgresConnection(url: feederDatabaseURL!)
        #expect(db.answers(timeoutMillis: 2000))
        let row = try db.execute("SELECT pg_backend_pid()")
        let pid = try #require(row.first?.first.flatMap { $0 }.flatMap { Int32($0) })
        kill(pid, SIGSTOP)
        defer { kill(pid, SIGCONT) }
        let started = Clock.monotonicNanos()
        #expect(!db.answers(timeoutMillis: 300))
        let waited = Clock.monotonicNanos() - started
        #expect(waited >= 250_000_000 && waited < 5_000_000_000, "waited \(waited / 1_000_000) ms")
    }
}
