import Glibc
import Posix

/// The database's state as the persister sees it.
public enum StorageState: UInt64, Sendable, CustomStringConvertible {
    /// No connection yet (not tried, or the first attempt is under way).
    case connecting = 1
    /// The last connect or write succeeded.
    case up = 2
    /// The last connect or write failed: rows wait in the buffer.
    case down = 3
    /// Stopped.
    case stopped = 4

    public var description: String {
        switch self {
        case .connecting: "connecting"
        case .up: "up"
        case .down: "down"
        case .stopped: "stopped"
        }
    }
}

/// What the persister tells its owner (who logs it). Sent from the persister's thread.
public enum PersisterEvent: Sendable, Equatable {
    /// The database is unreachable or failed a write; rows wait. `pending` were waiting.
    case databaseLost(error: String, pending: Int)
    /// The database is back after `downMs`; `waiting` rows were waiting, `dropped` rows were
    /// dropped meanwhile to keep the bound.
    case databaseBack(downMs: Int64, waiting: Int, dropped: UInt64)
    /// The buffer is full: the oldest rows are being dropped (`droppedTotal` so far; said at
    /// most every 10 s).
    case dropping(capacity: Int, droppedTotal: UInt64)
    /// The server refused `rows` rows of `table` as data (SQLSTATE class 22 or 23); they are
    /// not retried.
    case rejected(table: StoreTable, rows: Int, error: String)
    /// Stopped with `rows` rows unwritten (counted as dropped).
    case stoppedWithRows(Int)
}

/// The persister's figures, for status.
public struct PersisterStats: Sendable, Equatable {
    public var state: StorageState = .connecting
    /// Rows committed, per table (a replayed row counts: it was written, as a no-op).
    public var written = TableCounts()
    /// Rows dropped to keep the bound (or left at stop), per table.
    public var dropped = TableCounts()
    /// Rows the server refused as data, per table.
    public var rejected = TableCounts()
    /// Rows waiting (buffered and being written).
    public var pending = 0
    public var capacity = 0
    /// Transactions committed.
    public var flushes: UInt64 = 0
    /// Failed connects and failed writes.
    public var flushErrors: UInt64 = 0
    /// Times the database went away.
    public var outages: UInt64 = 0
    public var lastError = ""
    public var lastErrorRealtimeNs: Int64 = 0
    public var lastFlushRealtimeNs: Int64 = 0

    public init() {}
}

/// Writes rows to PostgreSQL in batches on a thread of its own, so the producer (the feeder's
/// ring reader) never waits on the database: `add` takes the lock only to append to the
/// buffer. The thread writes a chunk every `flushIntervalNs` or as soon as one fills
/// (`chunkRows`), one transaction per chunk (`CopyWriter`). When the database is away, rows
/// wait in the bounded buffer (`PersisterBuffer` says what goes when it is full) while the
/// thread reconnects with backoff, and are written when it returns.
public final class Persister: @unchecked Sendable {
    public struct Options: Sendable {
        public var capacityRows = 1_000_000
        public var chunkRows = 5_000
        public var flushIntervalNs: Int64 = 250_000_000
        public var backoffInitialNs: Int64 = 500_000_000
        public var backoffMaxNs: Int64 = 5_000_000_000
        /// A write still unanswered after this long has its connection cut (`Postgres.abort`):
        /// the server-side statement timeout (60 s) ends a slow one first, so only a server that
        /// stopped answering altogether gets here.
        public var flushDeadlineNs: Int64 = 90_000_000_000

        public init(capacityRows: Int = 1_000_000) { self.capacityRows = capacityRows }
    }

    /// Opens a connection ready for `CopyWriter` (search path, timeouts set).
    public typealias Connect = @Sendable () throws(PostgresError) -> PostgresConnection

    let options: Options
    let connect: Connect
    let events: @Sendable (PersisterEvent) -> Void
    let monitor = Monitor()
    let thread = JoinableThread()
    // Under `monitor`:
    var buffer: PersisterBuffer
    var stats = PersisterStats()
    var stopping = false
    var stopDeadlineNs: Int64 = .max
    var lastTakeNs: Int64 = 0
    /// The write in progress: when it started (0: none) and its connection's socket, for the
    /// watchdog; whether the watchdog cut it.
    var flushStartedNs: Int64 = 0
    var flushSocket: Int32 = -1
    var flushCut = false
    var watchdogDone = false

    public init(options: Options = Options(), connect: @escaping Connect,
                events: @escaping @Sendable (PersisterEvent) -> Void = { _ in }) {
        self.options = options
        self.connect = connect
        self.events = events
        // At least eight chunks fit in the bound, so dropping the oldest chunk drops at most an eighth.
        buffer = PersisterBuffer(capacity: options.capacityRows, chunkRows: min(options.chunkRows, max(1, options.capacityRows / 8)))
        stats.capacity = buffer.capacity
    }

    /// Starts the writing thread.
    public func start() {
        let me = self
        DetachedThread.start { me.watch() }
        if !thread.start({ me.run() }) {
            monitor.withLock {
                stats.state = .stopped
                stats.lastError = "cannot start the persister thread"
            }
        }
    }

    /// Hands `rows` to the buffer and empties it (its storage stays the caller's). Never
    /// blocks on I/O: the lock guards an append (and, when full, dropping the oldest chunks).
    public func add(_ rows: inout RowBatch) {
        guard !rows.isEmpty else { return }
        if monitor.withLock({ buffer.add(&rows) }) { monitor.signal() }
    }

    /// Writes what is buffered for up to `drainNs`, then stops the thread; rows still
    /// unwritten are counted as dropped. Idempotent.
    public func stop(drainNs: Int64 = 2_000_000_000) {
        monitor.withLock {
            if !stopping {
                stopping = true
                stopDeadlineNs = Clock.monotonicNanos() + max(0, drainNs)
            }
        }
        monitor.signal()
        thread.join()
        monitor.withLock {
            stats.state = .stopped
            watchdogDone = true
        }
    }

    /// Once a second: a write running past `flushDeadlineNs` has its connection cut.
    func watch() {
        let step = UInt32(max(1_000, min(1_000_000, options.flushDeadlineNs / 4_000)))
        while true {
            usleep(step)
            let (done, cut): (Bool, Int32?) = monitor.withLock {
                guard !watchdogDone else { return (true, nil) }
                guard flushStartedNs > 0, !flushCut, Clock.monotonicNanos() - flushStartedNs >= options.flushDeadlineNs else {
                    return (false, nil)
                }
                flushCut = true
                return (false, flushSocket)
            }
            if done { return }
            if let cut { Postgres.abort(socket: cut) }
        }
    }

    /// The current figures.
    public var snapshot: PersisterStats {
        monitor.withLock {
            var s = stats
            s.pending = buffer.pending
            s.dropped = buffer.dropped
            return s
        }
    }
}

extension Persister {
    /// Connections for a persister to `url`: a short connect timeout, TCP keepalives and a
    /// user timeout (a vanished network fails a write instead of hanging it), a statement
    /// timeout, then `setup` (e.g. a search path) if given. Parameters already in the URL win.
    public static func connector(url: String, setup: String? = nil) -> Connect {
        let full = Postgres.url(url, adding: [
            ("connect_timeout", "3"), ("keepalives_idle", "10"), ("keepalives_interval", "5"),
            ("keepalives_count", "3"), ("tcp_user_timeout", "30000"),
        ])
        let shown = Postgres.redacted(url)
        return { () throws(PostgresError) -> PostgresConnection in
            let db: PostgresConnection
            do throws(PostgresError) {
                db = try PostgresConnection(url: full)
            } catch {
                // Named by the URL as configured, not with the parameters added here.
                throw PostgresError(context: "connect to \(shown)", message: error.message, sqlState: error.sqlState)
            }
            try db.execute("SET statement_timeout = '60s'")
            if let setup { try db.execute(setup) }
            return db
        }
    }
}

extension Postgres {
    /// `url` with query parameters added, except those it already has.
    public static func url(_ url: String, adding parameters: [(String, String)]) -> String {
        let query = url.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        let present = Set(query.split(separator: "&").map { $0.split(separator: "=", maxSplits: 1).first.map(String.init) ?? "" })
        var out = url
        for (key, value) in parameters where !present.contains(key) {
            out += (out.contains("?") ? "&" : "?") + key + "=" + value
        }
        return out
    }
}
