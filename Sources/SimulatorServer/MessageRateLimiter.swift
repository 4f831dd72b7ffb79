/// Binance's limit on incoming messages per connection: at most `limit` in any one-second
/// window (5 on spot, 10 on futures), counting pings, pongs and control messages alike.
public struct MessageRateLimiter: Sendable {
    public let limit: Int
    public let windowNanos: Int64
    /// Arrival times of the last `limit` messages, oldest first.
    private var recent: [Int64] = []

    public init(limit: Int, windowNanos: Int64 = 1_000_000_000) {
        self.limit = max(1, limit)
        self.windowNanos = windowNanos
    }

    /// Records one message at `now`; false when it is one too many.
    public mutating func admit(now: Int64) -> Bool {
        if recent.count == limit {
            if now - recent[0] < windowNanos { return false }
            recent.removeFirst()
        }
        recent.append(now)
        return true
    }
}
