import Cache
import Glibc
import Posix
import Store

/// What a background REST job may use: the database (connected lazily, at most one attempt a
/// second while it is away) and the time. Lives on the query thread only.
public final class QueryContext {
    let databaseURL: String?
    /// Redis (nil without REDIS_URL): closed history and heavy answers.
    let cache: ResponseCache?
    /// Heavy answers kept on this thread: key → (expiry ms, answer).
    private var memos: [String: (expiresMs: Int64, response: RESTResponse)] = [:]
    private var connection: PostgresConnection?
    private var lastAttemptNs: Int64 = .min / 2
    /// Why the database is not usable, for answers and logs.
    private(set) var databaseError: String?
    let retryNs: Int64 = 1_000_000_000

    init(databaseURL: String?, cache: ResponseCache?) {
        self.databaseURL = databaseURL
        self.cache = cache
        databaseError = databaseURL == nil ? "no DATABASE_URL: serving shared memory only" : nil
    }

    /// The connection, or nil when there is no database or it is away.
    var database: PostgresConnection? {
        if let connection { return connection }
        guard let url = databaseURL else { return nil }
        let now = Clock.monotonicNanos()
        guard now - lastAttemptNs >= retryNs else { return nil }
        lastAttemptNs = now
        do {
            let c = try PostgresConnection(url: url, connectTimeoutSeconds: 2)
            try c.execute("SET statement_timeout = 2500")
            connection = c
            databaseError = nil
            return c
        } catch {
            databaseError = error.description
            return nil
        }
    }

    /// After a failed statement: keeps the connection when it is still up and idle (the
    /// statement was at fault, e.g. bad data or a timeout), else forgets it (a new one is made
    /// for the next job, at most one attempt a second) and remembers why it is away. Clients
    /// are told only that the database is unavailable, never a statement's error text.
    func failed(_ error: PostgresError) {
        jobError = error.oneLine
        guard let connection, !connection.isUsable || error.isConnectionLoss else { return }
        databaseError = error.oneLine
        self.connection = nil
    }

    /// The current job's failed statement, if any (cleared before each job: never another's).
    var jobError: String?

    /// The answer kept under `key` while it is fresh, else `make()`'s, kept for `ttlMs`.
    func memo(_ key: String, ttlMs: Int64, _ make: () -> RESTResponse) -> RESTResponse {
        let now = Clock.realtimeMillis()
        if let kept = memos[key], kept.expiresMs > now { return kept.response }
        let response = make()
        if response.status == 200 {
            if memos.count >= 256 { memos = memos.filter { $0.value.expiresMs > now } }
            if memos.count < 256 { memos[key] = (now + ttlMs, response) }
        }
        return response
    }

    /// Runs `body` on the database; nil when there is none or the statement failed (see `failed`).
    func withDatabase<T>(_ body: (PostgresConnection) throws(PostgresError) -> T) -> T? {
        guard let db = database else { return nil }
        do {
            return try body(db)
        } catch {
            failed(error)
            return nil
        }
    }
}

/// A worker's thread for what may wait: database reads and heavy analytics. The loop hands it
/// jobs and is woken through its eventfd when answers are ready, so a slow query never stalls
/// the fan-out.
public final class QueryThread: @unchecked Sendable {
    public typealias Work = @Sendable (QueryContext) -> RESTResponse
    struct Job {
        let subscriber: SubscriberID
        let work: Work
    }

    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private let signal: UnsafeMutablePointer<pthread_cond_t>
    private var jobs: [Job] = []
    private var answers: [(SubscriberID, RESTResponse)] = []
    private let wakeFD: Int32
    let databaseURL: String?
    /// Redis, shared with the loop's thread for its state (never waits on Redis).
    public let cache: ResponseCache?
    /// Jobs waiting beyond this are refused (503): the database is slower than the requests.
    let maxQueued: Int
    private var started = false
    /// Threads of the jobs running beside the queue (`submitAside`).
    private let aside = ThreadBudget(limit: 8)
    var maxAside: Int { aside.limit }

    /// `cacheEvents` hears when Redis goes away and when it is back (the worker logs it).
    public init(databaseURL: String?, redisURL: String? = nil, wakeFD: Int32, maxQueued: Int = 512,
                cacheEvents: @escaping @Sendable (CacheEvent) -> Void = { _ in }) {
        self.databaseURL = databaseURL
        cache = redisURL.map { ResponseCache(url: $0, onEvent: cacheEvents) }
        self.wakeFD = wakeFD
        self.maxQueued = maxQueued
        lock = .allocate(capacity: 1)
        signal = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        pthread_cond_init(signal, nil)
    }

    /// Queues `work` for `subscriber`; false when the queue is full (or no thread could be
    /// made to serve it).
    public func submit(_ subscriber: SubscriberID, _ work: @escaping Work) -> Bool {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        guard jobs.count < maxQueued else { return false }
        if !started {
            started = DetachedThread.start { [self] in serve() }
            guard started else { return false }
        }
        jobs.append(Job(subscriber: subscriber, work: work))
        pthread_cond_signal(signal)
        return true
    }

    /// Runs `work` for `subscriber` on a thread of its own, beside the queue: a question to the
    /// feeder may wait seconds (a symbol being added) and must hold up no database read. At most
    /// `maxAside` at once; false past that or when no thread could be made.
    public func submitAside(_ subscriber: SubscriberID, _ work: @escaping @Sendable () -> RESTResponse) -> Bool {
        aside.start { [self] in
            let response = work()
            pthread_mutex_lock(lock)
            answers.append((subscriber, response))
            pthread_mutex_unlock(lock)
            EventFD.signal(wakeFD)
        }
    }

    /// The answers ready now (the loop's thread).
    public func takeAnswers() -> [(SubscriberID, RESTResponse)] {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        guard !answers.isEmpty else { return [] }
        let ready = answers
        answers = []
        return ready
    }

    private func serve() {
        let context = QueryContext(databaseURL: databaseURL, cache: cache)
        while true {
            pthread_mutex_lock(lock)
            while jobs.isEmpty { pthread_cond_wait(signal, lock) }
            let job = jobs.removeFirst()
            pthread_mutex_unlock(lock)
            context.jobError = nil
            let response = job.work(context)
            pthread_mutex_lock(lock)
            answers.append((job.subscriber, response))
            pthread_mutex_unlock(lock)
            EventFD.signal(wakeFD)
        }
    }
}
