/// A line the owner of a `ResponseCache` logs about its Redis link.
public enum CacheEvent: Equatable, Sendable {
    /// Redis went away (or could not be reached). `error` is the newest failure; `outages` and
    /// `failures` count the outages begun and the failed connects and commands since the last
    /// such line (more than one when lines were held back against flapping).
    case redisLost(error: RedisError, outages: Int, failures: Int)
    /// Redis answers again after the outage the last `redisLost` told of, `downMs` long.
    case redisBack(downMs: Int64)
}

/// Decides which of the link's state changes become log lines, pure and clock-driven: one line
/// when Redis goes away, one when it is back, and at most one `redisLost` per `quietNanos`, so
/// a flapping server does not flood the log. An outage begun within `quietNanos` of the last
/// `redisLost` line is told (with the counts) at its first failure after that time, or, if it
/// ends first, by the counts of the next line; its end is then not told either.
public struct OutageLog: Equatable, Sendable {
    public let quietNanos: Int64
    /// Monotonic start of the current outage; nil while Redis answers (or before the first try).
    private var downSinceNanos: Int64?
    /// Whether a `redisLost` line told of the current outage.
    private var told = false
    private var lastLostLineNanos: Int64?
    private var outages = 0
    private var failures = 0

    public init(quietNanos: Int64 = 10_000_000_000) {
        self.quietNanos = quietNanos
    }

    /// A connect or command failed and the connection is gone, at monotonic `nowNanos`.
    public mutating func failed(_ error: RedisError, nowNanos: Int64) -> CacheEvent? {
        failures += 1
        if downSinceNanos == nil {
            downSinceNanos = nowNanos
            outages += 1
        }
        guard !told else { return nil }
        if let last = lastLostLineNanos, nowNanos - last < quietNanos { return nil }
        told = true
        lastLostLineNanos = nowNanos
        defer { outages = 0; failures = 0 }
        return .redisLost(error: error, outages: outages, failures: failures)
    }

    /// A connect worked at monotonic `nowNanos`.
    public mutating func connected(nowNanos: Int64) -> CacheEvent? {
        guard let since = downSinceNanos else { return nil }
        downSinceNanos = nil
        guard told else { return nil }
        told = false
        return .redisBack(downMs: (nowNanos - since) / 1_000_000)
    }
}
