import Glibc
import Posix
import Synchronization

/// Settings of a `ResponseCache`. The defaults suit Redis on the same host or LAN: a dead
/// server costs at most one 250 ms connect per second, a hung one one 200 ms command.
public struct ResponseCacheOptions: Sendable {
    /// Put in front of every key; bump the version to drop everything cached before.
    public var namespace = "tt:v1:"
    public var connectTimeoutMs = 250
    public var commandTimeoutMs = 200
    /// While Redis is down, at most one connect attempt per this many ms.
    public var reconnectIntervalMs = 1000
    /// Values bigger than this are not stored (counted as `oversized`).
    public var maxValueBytes = 4 << 20
    /// `invalidate`: SCAN COUNT per step, and at most this many steps per call.
    public var invalidateScanCount = 1000
    public var invalidateMaxSteps = 100
    /// At most one "Redis lost" event per this many ms (`OutageLog`), against a flapping server.
    public var lostEventQuietMs = 10_000

    public init() {}
}

/// What one `invalidate` call did: keys removed, and whether the walk over the keyspace
/// finished (false: call again with the same prefix to go on).
public struct Invalidation: Equatable, Sendable {
    public var removed: Int
    public var complete: Bool
}

/// What the cache has done since it was made, and its state. Every call is exactly one of:
/// a hit or miss (Redis answered), skipped (Redis down or disabled: not asked), or an error
/// (a failed connect or command).
public struct CacheStats: Equatable, Sendable {
    public var state: CacheState
    public var hits = 0
    public var misses = 0
    /// Values written (SET answered OK).
    public var stores = 0
    /// Failed connects and failed commands.
    public var errors = 0
    /// Calls answered without Redis because it was down (or the cache disabled).
    public var skipped = 0
    public var connectAttempts = 0
    /// Successful connects after the first one.
    public var reconnects = 0
    /// Values not stored because they were bigger than `maxValueBytes`.
    public var oversized = 0
    /// Keys removed by `invalidate`.
    public var invalidatedKeys = 0

    public init(state: CacheState) { self.state = state }

    /// (name, value) of every counter, for `/metrics` and the status document.
    public var counters: [(name: String, value: Int)] {
        [("hits", hits), ("misses", misses), ("stores", stores), ("errors", errors), ("skipped", skipped),
         ("connect_attempts", connectAttempts), ("reconnects", reconnects), ("oversized", oversized),
         ("invalidated_keys", invalidatedKeys)]
    }
}

/// The REST layer's cache in Redis. It never fails a request: every error becomes a miss or
/// a no-op and is counted. While Redis is down, calls return at once without touching the
/// network, and one call per `reconnectIntervalMs` tries to connect (bounded by
/// `connectTimeoutMs`); when Redis is back, it is used again.
///
/// Calls block (a command waits at most `commandTimeoutMs`): make them on a background
/// thread. One connection, so concurrent callers take turns; `stats` and `state` never wait
/// for Redis and may be read from any thread.
public final class ResponseCache: Sendable {
    public let options: ResponseCacheOptions

    /// The connection and its pure state machine, used under one lock.
    private struct Link: ~Copyable {
        var core: CacheLink
        var url: RedisURL?
        var client: RedisClient?
        /// Where an unfinished `invalidate` walk stopped, by pattern (valid on this connection's server).
        var resumeCursors: [String: String] = [:]
        /// Which state changes become `CacheEvent`s.
        var outages: OutageLog
    }

    private let link: Mutex<Link>
    private let counters: Mutex<CacheStats>
    /// Told when Redis goes away and when it is back (`CacheEvent`), outside the lock.
    private let onEvent: @Sendable (CacheEvent) -> Void

    /// A cache for `url` (`redis://[:password@]host:port/db`), or a disabled one for nil or
    /// an empty string. An unreadable URL leaves the cache `.down` with `.invalidURL` for good.
    /// Tries the first connect now; ignores SIGPIPE (hiredis writes with write(2)). `onEvent`
    /// hears when Redis goes away and comes back (for the log), on the calling thread.
    public init(url: String?, options: ResponseCacheOptions = ResponseCacheOptions(),
                onEvent: @escaping @Sendable (CacheEvent) -> Void = { _ in }) {
        self.options = options
        self.onEvent = onEvent
        let outages = OutageLog(quietNanos: Int64(options.lostEventQuietMs) * 1_000_000)
        var initial: Link
        if let url, !url.isEmpty {
            do {
                let parsed = try RedisURL(parsing: url)
                initial = Link(core: CacheLink(reconnectIntervalMillis: options.reconnectIntervalMs, nowMillis: Clock.realtimeMillis()),
                               url: parsed, outages: outages)
            } catch {
                initial = Link(core: CacheLink(never: .down(sinceMs: Clock.realtimeMillis(), lastError: error)), outages: outages)
            }
        } else {
            initial = Link(core: CacheLink(never: .disabled), outages: outages)
        }
        let configured = initial.url != nil
        counters = Mutex(CacheStats(state: initial.core.state))
        link = Mutex(initial)
        if configured {
            Signals.ignorePipe()
            // The first connect, so `state` is true from the start (counted in connectAttempts).
            _ = withRedis { (_: RedisClient) throws(RedisError) in () }
        }
    }

    /// A cache for the `REDIS_URL` environment variable (disabled when it is unset or empty).
    public convenience init(environment name: String = "REDIS_URL", options: ResponseCacheOptions = ResponseCacheOptions()) {
        self.init(url: getenv(name).map { String(cString: $0) }, options: options)
    }

    public var state: CacheState { counters.withLock { $0.state } }
    public var stats: CacheStats { counters.withLock { $0 } }

    /// The cached value for `key`, or nil (a miss, Redis down, or any error).
    public func get(_ key: String) -> [UInt8]? {
        let answer = withRedis { (client: RedisClient) throws(RedisError) -> [UInt8]? in
            try client.get(options.namespace + key)
        }
        guard let answer else { return nil }
        count { if answer == nil { $0.misses += 1 } else { $0.hits += 1 } }
        return answer
    }

    /// Stores `value` under `key` for `ttlMs` (nothing happens when `ttlMs` < 1, the value is
    /// bigger than `maxValueBytes`, Redis is down, or the SET fails).
    public func put(_ key: String, _ value: [UInt8], ttlMs: Int) {
        guard ttlMs >= 1 else { return }
        guard value.count <= options.maxValueBytes else { count { $0.oversized += 1 }; return }
        let stored = withRedis { (client: RedisClient) throws(RedisError) -> Bool in
            try client.set(options.namespace + key, value, expiry: .milliseconds(ttlMs))
            return true
        }
        if stored != nil { count { $0.stores += 1 } }
    }

    /// Removes every key that starts with `prefix` (SCAN MATCH + UNLINK), at most
    /// `invalidateMaxSteps` SCAN steps per call. When a call stops before the walk is
    /// complete, the next call with the same prefix resumes where it stopped.
    @discardableResult
    public func invalidate(prefix: String) -> Invalidation {
        invalidate(pattern: RedisClient.globEscaped(prefix) + "*")
    }

    /// Removes the cached candle responses of `symbol` (one interval, or all with nil) in
    /// `market` (or every market with nil), like `invalidate(prefix:)`. See `CachePolicy`.
    @discardableResult
    public func invalidateCandles(market: String? = nil, symbol: String, interval: String? = nil) -> Invalidation {
        invalidate(pattern: CachePolicy.candlesPattern(market: market, symbol: symbol, interval: interval))
    }

    /// `pattern` is a SCAN glob below the namespace.
    private func invalidate(pattern: String) -> Invalidation {
        let fullPattern = RedisClient.globEscaped(options.namespace) + pattern
        let result = withRedis { (client: RedisClient, slot: inout Link) throws(RedisError) -> Invalidation in
            var done = Invalidation(removed: 0, complete: false)
            var cursor = slot.resumeCursors.removeValue(forKey: fullPattern) ?? "0"
            for _ in 0..<options.invalidateMaxSteps {
                let step = try client.scan(cursor: cursor, match: fullPattern, count: options.invalidateScanCount)
                done.removed += try client.unlink(step.keys)
                cursor = step.cursor
                if cursor == "0" { done.complete = true; return done }
            }
            if slot.resumeCursors.count >= Self.maxResumeCursors { slot.resumeCursors.removeAll() }
            slot.resumeCursors[fullPattern] = cursor
            return done
        } ?? Invalidation(removed: 0, complete: state == .disabled)
        count { $0.invalidatedKeys += result.removed }
        return result
    }

    /// How many unfinished invalidation walks are remembered; beyond it they start over.
    static let maxResumeCursors = 64

    private func count(_ change: (inout CacheStats) -> Void) {
        counters.withLock { change(&$0) }
    }

    /// Runs `body` on a live connection, connecting first when the link says so; nil when
    /// Redis is disabled, down, or the call failed (all counted).
    private func withRedis<T: Sendable>(_ body: (RedisClient) throws(RedisError) -> T) -> T? {
        withRedis { (client: RedisClient, _: inout Link) throws(RedisError) -> T in try body(client) }
    }

    private func withRedis<T: Sendable>(_ body: (RedisClient, inout Link) throws(RedisError) -> T) -> T? {
        var event: CacheEvent?
        let result = link.withLock { slot -> T? in
            guard let client = liveClient(&slot, &event) else { return nil }
            do throws(RedisError) {
                return try body(client, &slot)
            } catch {
                if slot.core.commandFailed(error, nowMillis: Clock.realtimeMillis()) == .drop {
                    client.close()
                    slot.client = nil
                    event = slot.outages.failed(error, nowNanos: Clock.monotonicNanos())
                }
                let state = slot.core.state
                count { $0.errors += 1; $0.state = state }
                return nil
            }
        }
        if let event { onEvent(event) }
        return result
    }

    private func liveClient(_ slot: inout Link, _ event: inout CacheEvent?) -> RedisClient? {
        switch slot.core.decide(nowNanos: Clock.monotonicNanos()) {
        case .disabled, .skip:
            count { $0.skipped += 1 }
            return nil
        case .use:
            return slot.client
        case .connect:
            do {
                let client = try RedisClient(slot.url!, connectTimeoutMs: options.connectTimeoutMs,
                                             commandTimeoutMs: options.commandTimeoutMs)
                slot.client = client
                slot.resumeCursors.removeAll()
                let again = slot.core.connected()
                event = slot.outages.connected(nowNanos: Clock.monotonicNanos())
                count { $0.connectAttempts += 1; $0.state = .up; if again { $0.reconnects += 1 } }
                return client
            } catch {
                slot.core.connectFailed(error, nowMillis: Clock.realtimeMillis())
                event = slot.outages.failed(error, nowNanos: Clock.monotonicNanos())
                let state = slot.core.state
                count { $0.connectAttempts += 1; $0.errors += 1; $0.state = state }
                return nil
            }
        }
    }
}
