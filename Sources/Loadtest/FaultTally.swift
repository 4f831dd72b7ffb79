import Histogram

/// What one fault did to the clients of one process, from the fault until the next one (or
/// the end of the window): counts, reconnect times and recovery times in µs. The parent sums
/// the processes' tallies.
public struct FaultTally: Sendable {
    public enum Count: Int, CaseIterable, Sendable {
        /// Subscribed connections lost, and clients that lost one.
        case disconnects, clientsDisconnected
        /// Clients subscribed again after a loss; resumes sent with them.
        case reconnects, resumes
        /// Recovery answers: replayed, or refused (by reason).
        case recovered, epochChanged, tooOld, otherRefusal
        /// Messages the server said it replayed.
        case replayed
        /// Trade ids skipped (not recovered), clients that skipped any, ids seen twice.
        case missingIds, clientsWithGap, duplicateIds
        case gapNotices
        /// Clients the fault hit (disconnected, or open when a feed fault struck); those that
        /// received live data again, and those that did not before the span ended.
        case affected, liveAgain, neverLive
    }

    public var counts = [Int64](repeating: 0, count: Count.allCases.count)
    /// Loss → `subscribed` again, per reconnect (µs).
    public var reconnect = LatencyHistogram.make()
    /// Fault → first live trade, per affected client that had one (µs).
    public var recovery = LatencyHistogram.make()
    public var maxReconnectMicros: Int64 = 0
    public var maxRecoveryMicros: Int64 = 0

    public init() {}

    public subscript(count: Count) -> Int64 {
        get { counts[count.rawValue] }
        set { counts[count.rawValue] = newValue }
    }

    public var impossible: Int64 { self[.epochChanged] + self[.tooOld] + self[.otherRefusal] }

    public mutating func recordReconnect(micros: Int64) {
        reconnect.record(UInt64(min(max(micros, 1), Int64(LatencyHistogram.highestMicros))))
        maxReconnectMicros = max(maxReconnectMicros, micros)
    }

    public mutating func recordRecovery(micros: Int64) {
        recovery.record(UInt64(min(max(micros, 1), Int64(LatencyHistogram.highestMicros))))
        maxRecoveryMicros = max(maxRecoveryMicros, micros)
    }

    public mutating func add(_ other: FaultTally) {
        for i in counts.indices { counts[i] += other.counts[i] }
        reconnect.add(other.reconnect)
        recovery.add(other.recovery)
        maxReconnectMicros = max(maxReconnectMicros, other.maxReconnectMicros)
        maxRecoveryMicros = max(maxRecoveryMicros, other.maxRecoveryMicros)
    }

    /// A percentile of a histogram in µs, 0 when it is empty; never above the exact `max`
    /// (a bucket's value is its upper end).
    public static func percentile(_ histogram: Histogram<UInt64>, _ p: Double, max: Int64 = .max) -> Int64 {
        histogram.totalCount > 0 ? min(Int64(histogram.valueAtPercentile(p)), max) : 0
    }

    // MARK: Over the pipe

    /// `counts;maxReconnect,maxRecovery;reconnect buckets;recovery buckets`: no space or `=`.
    public var encoded: String {
        let buckets = { (h: Histogram<UInt64>) in LatencyHistogram.buckets(of: h).map { "\($0.value):\($0.count)" }.joined(separator: ",") }
        return counts.map(String.init).joined(separator: ",") + ";\(maxReconnectMicros),\(maxRecoveryMicros);"
            + buckets(reconnect) + ";" + buckets(recovery)
    }

    public init?(encoded text: Substring) {
        let parts = text.split(separator: ";", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let list = parts[0].split(separator: ",").compactMap { Int64($0) }
        let maxima = parts[1].split(separator: ",").compactMap { Int64($0) }
        guard list.count == Count.allCases.count, maxima.count == 2 else { return nil }
        counts = list
        (maxReconnectMicros, maxRecoveryMicros) = (maxima[0], maxima[1])
        reconnect = LatencyHistogram.make(buckets: Self.buckets(parts[2]))
        recovery = LatencyHistogram.make(buckets: Self.buckets(parts[3]))
    }

    static func buckets(_ text: Substring) -> [(value: UInt64, count: UInt64)] {
        text.split(separator: ",").compactMap { pair in
            let halves = pair.split(separator: ":")
            guard halves.count == 2, let v = UInt64(halves[0]), let c = UInt64(halves[1]) else { return nil }
            return (v, c)
        }
    }
}
