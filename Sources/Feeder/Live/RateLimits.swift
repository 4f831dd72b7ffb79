/// A token bucket: `capacity` tokens, refilled at `perSecond`; times in monotonic ns.
/// Binance's rules are buckets: control messages per connection per second, and connection
/// attempts per IP per five minutes.
public struct TokenBucket: Sendable {
    public let capacity: Double
    public let perSecond: Double
    private var tokens: Double
    private var updatedNs: Int64

    public init(capacity: Int, perSecond: Double, nowNs: Int64) {
        self.capacity = Double(capacity)
        self.perSecond = perSecond
        tokens = Double(capacity)
        updatedNs = nowNs
    }

    private mutating func refill(_ now: Int64) {
        if now > updatedNs {
            tokens = min(capacity, tokens + Double(now - updatedNs) / 1e9 * perSecond)
            updatedNs = now
        }
    }

    /// Takes a token if one is there.
    public mutating func take(nowNs: Int64) -> Bool {
        refill(nowNs)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Nanoseconds until a token will be there (0 if one is now).
    public mutating func waitNs(nowNs: Int64) -> Int64 {
        refill(nowNs)
        return tokens >= 1 ? 0 : Int64(((1 - tokens) / perSecond * 1e9).rounded(.up))
    }
}

/// Jittered exponential backoff: base × 2^failures, capped, with "equal jitter" (half fixed,
/// half random) so many feeders restarting together don't reconnect in step.
public struct Backoff: Sendable {
    public let baseNs: Int64
    public let capNs: Int64
    public private(set) var failures = 0
    private var random: UInt64

    public init(baseNs: Int64 = 250_000_000, capNs: Int64 = 30_000_000_000, seed: UInt64) {
        self.baseNs = baseNs
        self.capNs = capNs
        random = seed | 1
    }

    /// The wait before the next attempt; counts one more failure.
    public mutating func next() -> Int64 {
        let exponent = min(failures, 30)
        failures += 1
        let ceiling = min(capNs, baseNs << Int64(exponent))
        random ^= random << 13
        random ^= random >> 7
        random ^= random << 17
        let half = ceiling / 2
        return half + Int64(random % UInt64(max(1, half)))
    }

    public mutating func reset() { failures = 0 }
}
