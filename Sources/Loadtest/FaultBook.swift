/// One client's part in the current fault; folded into the process's tally when the fault's
/// span ends.
public struct FaultWatch: Sendable {
    public var affected = false
    public var disconnected = false
    /// Waiting for the first trade the feeder received after the fault, on a subscribed,
    /// caught-up connection.
    public var awaitingLive = false
    /// µs from the fault to that trade; -1 until it came.
    public var liveAfterMicros: Int64 = -1
    /// Trade ids this client skipped in the span.
    public var missing: Int64 = 0

    public init() {}
}

/// A client process's faults: which one is current (the latest the parent announced) and the
/// tally of each so far.
public struct FaultBook: Sendable {
    /// Index of the current fault, -1 before the first.
    public private(set) var current = -1
    /// The current fault's wall-clock time (µs, the clock of `recv_us`); `Int64.max` before.
    public private(set) var wallMicros = Int64.max
    public private(set) var hitsFeed = false
    public var tallies: [FaultTally] = []

    public init() {}

    /// Fault `index` struck at `wallMicros`.
    public mutating func begin(index: Int, wallMicros: Int64, hitsFeed: Bool) {
        while tallies.count <= index { tallies.append(FaultTally()) }
        current = index
        self.wallMicros = wallMicros
        self.hitsFeed = hitsFeed
    }

    @inline(__always)
    public mutating func add(_ count: FaultTally.Count, _ n: Int64 = 1) {
        if current >= 0 { tallies[current][count] += n }
    }

    public mutating func recordReconnect(micros: Int64) {
        if current >= 0 { tallies[current].recordReconnect(micros: micros) }
    }

    /// A client's watch at the end of the current span: counted, then cleared for the next.
    public mutating func close(_ watch: inout FaultWatch) {
        defer { watch = FaultWatch() }
        guard current >= 0 else { return }
        if watch.missing > 0 { tallies[current][.clientsWithGap] += 1 }
        guard watch.affected else { return }
        tallies[current][.affected] += 1
        if watch.liveAfterMicros >= 0 {
            tallies[current][.liveAgain] += 1
            tallies[current].recordRecovery(micros: watch.liveAfterMicros)
        } else {
            tallies[current][.neverLive] += 1
        }
    }

    /// The start of a span for a client open (subscribed) or not when the fault struck.
    public func open(_ watch: inout FaultWatch, subscribed: Bool) {
        guard hitsFeed && subscribed else { return }
        watch.affected = true
        watch.awaitingLive = true
    }

    /// The client lost its subscribed connection.
    public mutating func disconnected(_ watch: inout FaultWatch) {
        guard current >= 0 else { return }
        add(.disconnects)
        if !watch.disconnected { add(.clientsDisconnected) }
        watch.disconnected = true
        watch.affected = true
        watch.awaitingLive = true
        watch.liveAfterMicros = -1
    }

    /// A trade the feeder received at `receivedMicros` reached a live connection at `nowMicros`.
    @inline(__always)
    public func trade(_ watch: inout FaultWatch, receivedMicros: Int64, nowMicros: Int64) {
        guard watch.awaitingLive, receivedMicros >= wallMicros else { return }
        watch.awaitingLive = false
        watch.liveAfterMicros = nowMicros - wallMicros
    }
}
