import Histogram

/// Latency histograms in microseconds: 1 µs to 60 s at three significant digits; longer values
/// are recorded as 60 s and counted.
public enum LatencyHistogram {
    public static let highestMicros: UInt64 = 60_000_000

    public static func make() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: highestMicros, numberOfSignificantValueDigits: .three)
    }

    /// The recorded buckets as (value, count), to carry a histogram over a pipe.
    public static func buckets(of histogram: Histogram<UInt64>) -> [(value: UInt64, count: UInt64)] {
        histogram.recordedValues().map { ($0.value, UInt64($0.count)) }
    }

    /// Buckets as text for a pipe: `value:count,…`.
    public static func encode(_ buckets: [(value: UInt64, count: UInt64)]) -> String {
        buckets.map { "\($0.value):\($0.count)" }.joined(separator: ",")
    }

    /// The buckets `encode` wrote; a malformed pair is skipped.
    public static func decode(_ text: Substring) -> [(value: UInt64, count: UInt64)] {
        text.split(separator: ",").compactMap { pair in
            let halves = pair.split(separator: ":")
            guard halves.count == 2, let v = UInt64(halves[0]), let c = UInt64(halves[1]) else { return nil }
            return (v, c)
        }
    }

    /// A histogram holding `buckets` (each value lands in the bucket it came from).
    public static func make(buckets: [(value: UInt64, count: UInt64)]) -> Histogram<UInt64> {
        var histogram = make()
        for bucket in buckets { histogram.record(min(bucket.value, highestMicros), count: bucket.count) }
        return histogram
    }
}

/// Everything one client process measures, shared by all its connections.
public struct ProcessStats {
    /// The rare counters; the four per-message ones are plain fields (no array on the hot path)
    /// and join them in `snapshot`.
    public var counters = CounterSet()
    public var messages: Int64 = 0
    public var trades: Int64 = 0
    public var tradesInWindow: Int64 = 0
    /// Data messages of every channel (trades included) received in the window.
    public var dataInWindow: Int64 = 0
    public var bytesReceived: Int64 = 0
    /// The first detail line seen for each failure reason.
    public var samples: [FailureReason: String] = [:]
    public var firstErrorReply: String?
    /// Trade latency inside the measurement window.
    public var latency = LatencyHistogram.make()
    /// Trade latency since the last progress report, one trade in eight (for the live line).
    public var recent = LatencyHistogram.make()
    private var recentTick: UInt32 = 0
    /// How late the client read what had arrived (read time − the kernel's arrival stamp), one
    /// value per read in the window: the harness's own delay, kept out of `latency`.
    public var readDelay = LatencyHistogram.make()
    /// Values beyond the histogram's range (recorded at its top).
    public var latencyOverflows: Int64 = 0
    /// Monotonic ns of the first and the latest upgrade.
    public var firstOpenNanos: Int64 = 0
    public var lastOpenNanos: Int64 = 0
    /// What each fault did to this process's clients.
    public var faults = FaultBook()
    /// Every reconnect's time (loss → subscribed again), with or without faults (µs).
    public var reconnects = FaultTally()

    public init() {}

    /// Every counter, the per-message ones included.
    public var snapshot: CounterSet {
        var all = counters
        all[.messages] = messages
        all[.trades] = trades
        all[.tradesInWindow] = tradesInWindow
        all[.dataInWindow] = dataInWindow
        all[.bytesReceived] = bytesReceived
        return all
    }

    @inline(__always)
    public mutating func recordLatency(micros: Int64, inWindow: Bool) {
        var value = UInt64(max(1, micros))
        if value > LatencyHistogram.highestMicros {
            value = LatencyHistogram.highestMicros
            latencyOverflows += 1
        }
        recentTick &+= 1
        if recentTick & 7 == 1 { recent.record(value) }
        if inWindow { latency.record(value) }
    }

    @inline(__always)
    public mutating func recordReadDelay(micros: Int64) {
        readDelay.record(UInt64(min(max(0, micros), Int64(LatencyHistogram.highestMicros))))
    }

    public mutating func fail(_ reason: FailureReason, _ detail: String) {
        counters[reason] += 1
        if samples[reason] == nil { samples[reason] = detail }
    }

    /// A client subscribed again `micros` after losing its connection.
    public mutating func reconnected(micros: Int64) {
        counters[.reconnects] += 1
        faults.add(.reconnects)
        faults.recordReconnect(micros: micros)
        reconnects.recordReconnect(micros: micros)
    }

    /// The server's answer to a resume.
    public mutating func recovery(_ outcome: RecoveryReply.Outcome) {
        switch outcome {
        case .recovered(let messages):
            counters[.recovered] += 1
            counters[.replayedMessages] += messages
            faults.add(.recovered)
            faults.add(.replayed, messages)
        case .impossible(let refusal):
            counters[.recoveryImpossible] += 1
            faults.add(refusal == .epochChanged ? .epochChanged : refusal == .tooOld ? .tooOld : .otherRefusal)
        }
    }

    public mutating func opened(at nanos: Int64) {
        counters[.opened] += 1
        if firstOpenNanos == 0 { firstOpenNanos = nanos }
        lastOpenNanos = nanos
    }
}
