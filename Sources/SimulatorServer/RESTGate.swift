/// One venue's request-weight accounting and the injected 429/418 state (binance-protocol.md
/// §3.2): weight per wall-clock minute; `http429` arms a number of forced 429s, each opening a
/// ban window; requests inside the window after those get 418.
struct RESTGate: Sendable {
    let limit: Int
    var windowStartMs: Int64 = 0
    var used = 0
    var forced429 = 0
    var banMs: Int64 = 1_000
    var banUntilMs: Int64 = 0

    init(limit: Int) { self.limit = limit }

    enum Verdict: Equatable {
        case ok(usedWeight: Int)
        /// 429 with Retry-After seconds.
        case tooMany(retryAfter: Int64, usedWeight: Int)
        /// 418 with Retry-After seconds.
        case banned(retryAfter: Int64, untilMs: Int64)
    }

    mutating func arm(count: Int, durationMs: Int64) {
        forced429 += count
        banMs = max(1, durationMs)
    }

    mutating func admit(nowMs: Int64, weight: Int) -> Verdict {
        let window = nowMs - nowMs % 60_000
        if window != windowStartMs {
            windowStartMs = window
            used = 0
        }
        if forced429 > 0 {
            forced429 -= 1
            banUntilMs = nowMs + banMs
            return .tooMany(retryAfter: Self.seconds(banMs), usedWeight: used)
        }
        if nowMs < banUntilMs { return .banned(retryAfter: Self.seconds(banUntilMs - nowMs), untilMs: banUntilMs) }
        used += weight
        if used > limit { return .tooMany(retryAfter: Self.seconds(window + 60_000 - nowMs), usedWeight: used) }
        return .ok(usedWeight: used)
    }

    static func seconds(_ ms: Int64) -> Int64 { max(1, (ms + 999) / 1_000) }
}
