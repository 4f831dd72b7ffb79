import Foundation
import Glibc
import Posix
import Runtime
import Store
import Synchronization
import Testing
@testable import Worker

/// The worker's thread for database reads, and the threads beside it for questions to the feeder.
@Suite("Query thread")
struct QueryThreadTests {
    /// A gate a job waits at until the test opens it.
    final class Gate: Sendable {
        private let open = Atomic<Bool>(false)
        func pass() { while !open.load(ordering: .acquiring) { usleep(1_000) } }
        func release() { open.store(true, ordering: .releasing) }
    }

    static func subscriber(_ slot: UInt32) -> SubscriberID { SubscriberID(slot: slot, generation: 1) }

    /// Waits (5 s at most) for answers until `slots` have come; the slots answered, in order.
    static func answers(_ queries: QueryThread, wake: Int32, until slots: Set<UInt32>) -> [UInt32] {
        var seen: [UInt32] = []
        let deadline = Clock.monotonicNanos() + 5_000_000_000
        while !slots.isSubset(of: Set(seen)) && Clock.monotonicNanos() < deadline {
            _ = EventFD.wait(wake, timeoutMillis: 100)
            _ = EventFD.drain(wake)
            seen += queries.takeAnswers().map { $0.0.slot }
        }
        return seen
    }

    @Test("a statement that fails keeps the connection (the next job uses it at once, and never sees that error); a lost one is dropped and said",
          .enabled(if: ProcessInfo.processInfo.environment["DATABASE_URL"] != nil, "needs DATABASE_URL (make test starts PostgreSQL)"))
    func statementErrors() throws {
        let context = QueryContext(databaseURL: ProcessInfo.processInfo.environment["DATABASE_URL"]!, cache: nil)
        let db = try #require(context.database)
        let bad = context.withDatabase { db throws(PostgresError) in try db.execute("SELECT '2026-13-45T99:99:99Z'::timestamptz") }
        #expect(bad == nil && context.jobError?.contains("out of range") == true)
        #expect(context.database === db && context.databaseError == nil, "a bad statement is not a lost connection")
        let tooLong = context.withDatabase { db throws(PostgresError) in try db.execute("SELECT 'abcdef'::varchar(2)::text, repeat('x', 3)::char(1)") }
        #expect(tooLong != nil, "a cast that truncates is no error")
        do throws(PostgresError) {
            _ = try db.execute("SELECT 1/0")
            Issue.record("1/0 answered")
        } catch {
            #expect(error.isClientData && !error.isConnectionLoss, "\(error.sqlState)")
        }
        let killed = context.withDatabase { db throws(PostgresError) in try db.execute("SELECT pg_terminate_backend(pg_backend_pid())") }
        #expect(killed == nil && context.databaseError != nil, "the lost connection is said for later answers")
        #expect(context.database == nil, "no new attempt within the second")
    }

    @Test("a question to the feeder that waits holds up no database read; past the bound it is refused, and each answer wakes the loop")
    func asideDoesNotBlock() throws {
        let wake = try EventFD.make()
        defer { close(wake) }
        let queries = QueryThread(databaseURL: nil, wakeFD: wake)
        let gate = Gate()
        for slot in 0..<UInt32(queries.maxAside) {
            #expect(queries.submitAside(Self.subscriber(slot)) {
                gate.pass()
                return .ok(Array("feeder".utf8))
            })
        }
        #expect(!queries.submitAside(Self.subscriber(99)) { .ok([]) }, "past maxAside")
        #expect(queries.submit(Self.subscriber(100)) { _ in .ok(Array("database".utf8)) })
        #expect(Self.answers(queries, wake: wake, until: [100]) == [100], "the read answered while every question waits")

        gate.release()
        let rest = Self.answers(queries, wake: wake, until: Set(0..<UInt32(queries.maxAside)))
        #expect(Set(rest) == Set(0..<UInt32(queries.maxAside)) && rest.count == queries.maxAside)
        // Room again once they answered (each thread gives its place back just after).
        var taken = false
        for _ in 0..<500 where !taken {
            taken = queries.submitAside(Self.subscriber(101)) { .ok([]) }
            if !taken { usleep(1_000) }
        }
        #expect(taken, "room again once they answered")
        #expect(Self.answers(queries, wake: wake, until: [101]) == [101])
    }
}
