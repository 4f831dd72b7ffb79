import Glibc
import Posix
import Store
import ShmRing

/// Checks the database every few seconds on its own thread and publishes the answer in the
/// control block, so the feeder's ring writer never waits on a network round trip.
///
/// The check is a statement on a logged-in session, not `PQping`: a server that accepts
/// connections but refuses this URL's user, password or database, or has none of the tables,
/// is of no use to the server, and health must say so.
enum DatabaseProbe {
    static func start(url: String?, control: ControlBlock, intervalSeconds: UInt32 = 5) {
        let word = control.word(Layout.Control.databaseState)
        let checked = control.word(Layout.Control.databaseCheckedRealtimeNs)
        guard let url else {
            word.storeRelaxed(DatabaseState.notConfigured.rawValue)
            return
        }
        word.storeRelaxed(DatabaseState.unknown.rawValue)
        let body: @Sendable () -> Void = {
            var session: PostgresConnection?
            while true {
                let ok = check(url: url, session: &session)
                word.storeRelaxed(ok ? DatabaseState.healthy.rawValue : DatabaseState.unhealthy.rawValue)
                var ts = timespec()
                clock_gettime(CLOCK_REALTIME, &ts)
                checked.storeRelaxed(UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
                sleep(intervalSeconds)
            }
        }
        DetachedThread.start(body)
    }

    /// Whether the server's tables are there, asked on the kept session within 2 s (logging in
    /// first when there is none): a database without them (never migrated) answers, but nothing
    /// can be stored in it. A failure drops the session, so the next check logs in again.
    static func check(url: String, session: inout PostgresConnection?) -> Bool {
        if session == nil { session = try? PostgresConnection(url: url, connectTimeoutSeconds: 2) }
        guard let live = session, let tables = live.value(of: statement, timeoutMillis: 2000) else {
            session = nil
            return false
        }
        return tables == "t"
    }

    /// True when the tables every write needs exist (in the session's search path).
    static let statement = "SELECT to_regclass('candles') IS NOT NULL AND to_regclass('trades') IS NOT NULL"
        + " AND to_regclass('liquidations') IS NOT NULL"
}
