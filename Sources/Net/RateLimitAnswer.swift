/// A server's "too many requests" answer: HTTP 429 (slow down), or 418 (Binance: the address is
/// banned for going on after 429s), with how long to stay away.
public struct RateLimitAnswer: Sendable, Equatable {
    /// 429 or 418.
    public let status: Int
    /// Seconds to wait before the next attempt (`seconds(retryAfter:)`).
    public let retryAfterSeconds: Int64

    /// The longest wait honoured: Binance's address bans last up to three days; a larger value is
    /// junk (and would overflow the nanoseconds it is turned into).
    public static let maxRetryAfterSeconds: Int64 = 3 * 86_400
    /// The wait when `Retry-After` is absent or not a whole number of seconds (an HTTP date is
    /// not read): Binance's bans start at two minutes, its 429 windows are a minute.
    public static let defaultRetryAfterSeconds: Int64 = 60

    public init(status: Int, retryAfterSeconds: Int64) {
        self.status = status
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// Whether `status` is such an answer.
    public static func isRateLimit(_ status: Int) -> Bool { status == 429 || status == 418 }

    /// A `Retry-After` header's seconds within 1 s and `maxRetryAfterSeconds`;
    /// `defaultRetryAfterSeconds` when absent or unparseable.
    public static func seconds(retryAfter: String?) -> Int64 {
        let asked = retryAfter.flatMap { Int64($0) } ?? defaultRetryAfterSeconds
        return min(max(1, asked), maxRetryAfterSeconds)
    }
}
