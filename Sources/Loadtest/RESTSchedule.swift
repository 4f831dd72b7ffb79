/// The open-loop timetable of a REST run: request `n` is due at `start + n / rate`, whatever
/// happened to the requests before it. Requests that are due wait in a queue (only its ends
/// are kept) until a connection takes them; one that a connection could not take in the turn
/// it fell due is a *late start*, and its latency still counts from its due time.
public struct RESTSchedule: Sendable, Equatable {
    public let startNanos: Int64
    public let rate: Double
    /// No request is due at or after this time.
    public let endNanos: Int64
    /// Requests whose due time has passed (the queue's tail).
    public private(set) var issued = 0
    /// Requests handed to a connection (the queue's head).
    public private(set) var taken = 0
    /// Requests taken in a later turn than the one they fell due in.
    public private(set) var lateStarts = 0
    /// Requests below this index were already due before the latest `advance`.
    private var carriedOver = 0

    public init(startNanos: Int64, rate: Double, endNanos: Int64) {
        precondition(rate > 0 && rate.isFinite, "rate must be positive")
        self.startNanos = startNanos
        self.rate = rate
        self.endNanos = endNanos
    }

    /// When request `index` is due (monotonic ns).
    @inline(__always)
    public func dueNanos(_ index: Int) -> Int64 { startNanos + Int64((Double(index) * 1e9 / rate).rounded(.down)) }

    /// How many requests are due by `now`: every one whose due time is at or before it.
    public func dueCount(at now: Int64) -> Int {
        guard now >= startNanos else { return 0 }
        let limit = min(now, endNanos - 1)
        var count = Int((Double(limit - startNanos) * rate / 1e9).rounded(.down)) + 1
        // Correct the float estimate against the exact due times.
        while count > 0 && dueNanos(count - 1) > limit { count -= 1 }
        while dueNanos(count) <= limit { count += 1 }
        return count
    }

    /// Requests waiting for a connection.
    public var waiting: Int { issued - taken }

    /// Starts a turn at `now`: what was waiting already is late from here on, and the
    /// requests that fell due since the last turn join the queue.
    public mutating func advance(to now: Int64) {
        carriedOver = issued
        issued = max(issued, dueCount(at: now))
    }

    /// Hands the oldest waiting request to a connection: its index, due time and whether it
    /// starts late. Nil when none waits.
    public mutating func take() -> (index: Int, dueNanos: Int64, late: Bool)? {
        guard taken < issued else { return nil }
        let index = taken
        taken += 1
        let late = index < carriedOver
        if late { lateStarts += 1 }
        return (index, dueNanos(index), late)
    }

    /// The next due time after the queue's tail, nil when the timetable has ended.
    public var nextDueNanos: Int64? {
        let next = dueNanos(issued)
        return next < endNanos ? next : nil
    }
}
