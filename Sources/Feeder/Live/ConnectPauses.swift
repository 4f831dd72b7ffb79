import Runtime
import ShmRing

/// Why a market's stream connections wait: an upgrade answered 429 or 418, and until when.
struct ConnectPause: Sendable, Equatable {
    let market: MarketKind
    let status: Int
    let seconds: Int64
    /// Monotonic ns.
    let untilNs: Int64
}

/// The markets whose stream connections must not be attempted yet, shared by the connection
/// threads: the thread that gets a 429 or 418 sets it at once, so no other thread of that
/// market connects while the main loop hears of it; every thread waits for it before
/// connecting, whoever scheduled it (a new plan, a replacement, a failover).
final class ConnectPauses: @unchecked Sendable {
    private let lock = Mutex()
    private var untilNs: [MarketKind: Int64] = [:]

    /// Until when `market` is paused (monotonic ns; in the past when it is not).
    func until(_ market: MarketKind) -> Int64 { lock.withLock { untilNs[market] ?? 0 } }

    /// Pauses `market` for `seconds` from `nowNs` (never shortening a pause); returns the pause.
    func pause(_ market: MarketKind, status: Int, seconds: Int64, nowNs: Int64) -> ConnectPause {
        let end = lock.withLock {
            let end = max(untilNs[market] ?? 0, nowNs + seconds * 1_000_000_000)
            untilNs[market] = end
            return end
        }
        return ConnectPause(market: market, status: status, seconds: seconds, untilNs: end)
    }
}
