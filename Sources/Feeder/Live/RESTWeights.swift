import ShmRing

/// Binance's request weights of what the feeder asks (binance-protocol.md §3.3, §3.4).
extension RESTRequest {
    var weight: Int {
        switch self {
        case .depth(_, let m):
            return m == .spot ? 50 : 20  // limit=1000
        case .klines(_, let m, _, _, let limit):
            guard m == .futures else { return 2 }
            switch limit {
            case ..<100: return 1
            case ..<500: return 2
            case ...1000: return 5
            default: return 10
            }
        case .trades(_, let m, _):
            return m == .spot ? 25 : 20
        case .exchangeInfo(let m, _), .listing(let m, _):
            return m == .spot ? 20 : 1
        }
    }
}

/// One market's request-weight budget for the current minute, so the REST worker waits
/// before Binance would answer 429 instead of after (Binance counts weight per IP in calendar
/// minutes). What was sent this minute counts, or what the server says was used
/// (`X-MBX-USED-WEIGHT-1M`, which includes other clients of the same address) when that is
/// more. A request that would pass `usable` waits for the next minute, unless nothing was
/// used yet (a single request heavier than the budget still goes, once a minute).
struct WeightBudget: Sendable, Equatable {
    /// REQUEST_WEIGHT per minute (from exchangeInfo's `rateLimits` once known).
    private(set) var limit: Int
    private var minute: Int64 = .min
    private(set) var used = 0

    /// A tenth is left for what the feeder does not see (other processes, clock skew).
    var usable: Int { limit - limit / 10 }

    init(limit: Int) { self.limit = max(1, limit) }

    /// Milliseconds to wait before sending `weight` (0: now).
    mutating func waitMs(for weight: Int, nowMs: Int64) -> Int64 {
        roll(nowMs)
        if used == 0 || used <= usable - weight { return 0 }
        return (minute + 1) * 60_000 - nowMs
    }

    /// A request of `weight` is being sent.
    mutating func spend(_ weight: Int, nowMs: Int64) {
        roll(nowMs)
        used = used.addingReportingOverflow(weight).overflow ? .max : used + weight
    }

    /// The server's count for this minute.
    mutating func observed(_ serverUsed: Int, nowMs: Int64) {
        roll(nowMs)
        // The header is the exchange's word, but a value past any real minute's weight (a
        // proxy's junk) must not be believed for longer than this minute, nor overflow a sum.
        used = max(used, min(serverUsed, Self.maxObservedWeight))
    }

    /// Far above any REQUEST_WEIGHT limit Binance has had (6,000 spot, 2,400 futures).
    static let maxObservedWeight = 1_000_000

    mutating func setLimit(_ perMinute: Int) { limit = max(1, perMinute) }

    private mutating func roll(_ nowMs: Int64) {
        let m = nowMs / 60_000
        if m != minute {
            minute = m
            used = 0
        }
    }
}
