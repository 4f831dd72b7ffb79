import Glibc
import Posix

extension WSClientProcess {
    /// How long after its stamp a trade may still arrive without the client being behind.
    static let lateGraceMicros: Int64 = 250_000
    /// The longest the drain reads on, and how long nothing arriving ends it (a quiet feed).
    static let drainLimitNanos: Int64 = 2_000_000_000
    static let drainQuietNanos: Int64 = 200_000_000

    /// After the window, reads what the open clients had not read yet. A trade the server
    /// stamped in the window (up to a grace before its end) found now was offered in the window
    /// but read after it; with arrival stamps, only if it had reached the socket in the window
    /// (one that arrived later was the server's delay, and its latency shows it). A client is done once it reads a trade stamped later; clients not
    /// done at the limit are behind. Nothing arriving for a while ends the drain (quiet feed).
    func drain() {
        guard config.subscribe != nil, let window else { return }
        let endWallMicros = (Clock.realtimeNanos() - (Clock.monotonicNanos() - window.end)) / 1000
        lateBeforeMicros = endWallMicros - Self.lateGraceMicros
        windowEndMicros = endWallMicros
        defer { lateBeforeMicros = nil; windowEndMicros = nil }
        var pending = slots.indices.filter { slots[$0].fd >= 0 && slots[$0].session.phase == .open }
        let start = Clock.monotonicNanos()
        var lastArrival = start
        while !pending.isEmpty {
            let before = stats.messages
            for index in pending { readable(index) }
            pending.removeAll { slots[$0].fd < 0 || slots[$0].session.caughtUp }
            let now = Clock.monotonicNanos()
            if stats.messages > before { lastArrival = now }
            if now - lastArrival >= Self.drainQuietNanos {
                pending.removeAll()
            } else if now - start >= Self.drainLimitNanos {
                break
            }
            if !pending.isEmpty { usleep(10_000) }
        }
        stats.counters[.clientsBehind] += Int64(pending.count)
    }
}
