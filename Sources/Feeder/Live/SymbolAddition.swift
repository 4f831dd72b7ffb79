import Glibc
import Market
import Posix
import Runtime

/// One `add-symbol` request on its way through the feeder: the requests thread creates it and
/// waits; the main loop settles it (added, already there, or no room) and hands
/// `SubscribeOrder`s to the connections concerned; each connection thread reports when its
/// SUBSCRIBE is sent (or it ended without sending: its replacement subscribes from the plan).
final class SymbolAddition: @unchecked Sendable {
    enum Outcome: Equatable, Sendable {
        case added(SymbolID)
        case present
        case full
    }

    let name: String
    private let lock = Mutex()
    private var outcome: Outcome?
    private var pending = 0

    init(name: String) { self.name = name }

    /// The main loop's decision, and how many connections are to report `subscribed()`
    /// (set before any order goes out).
    func settle(_ outcome: Outcome, connections: Int) {
        lock.withLock {
            self.outcome = outcome
            pending += connections
        }
    }

    /// A connection sent its SUBSCRIBE, or ended before it could.
    func subscribed() { lock.withLock { pending -= 1 } }

    /// Waits until settled and every connection reported, or `deadlineNs` (monotonic) passes:
    /// the outcome (nil when never settled) and the connections still to report.
    func wait(deadlineNs: Int64) -> (outcome: Outcome?, pending: Int) {
        while true {
            let state = lock.withLock { (outcome, pending) }
            if (state.0 != nil && state.1 <= 0) || Clock.monotonicNanos() >= deadlineNs { return (state.0, max(0, state.1)) }
            usleep(5_000)
        }
    }
}

/// Streams a running connection is to subscribe (none: a new connection only reports that it
/// subscribed its plan), for `addition`.
struct SubscribeOrder: Sendable {
    let streams: [String]
    let addition: SymbolAddition
}
