import Histogram

/// Why a REST request got no response, or a connection could not be used.
public enum RESTFailure: Int, CaseIterable, Sendable {
    /// The connect was refused (nothing listening, or the backlog overflowed).
    case refused
    /// The connection was reset (or a send failed) while a request was on it.
    case reset
    /// No response within `--timeout` of the request's due time.
    case timeout
    /// The response could not be read (`RESTResponseParser.Malformation`).
    case malformed
    /// The server ended the stream in the middle of a response.
    case closed
    /// socket, bind or connect failed otherwise (descriptors, source ports).
    case connectOther

    public var name: String {
        switch self {
        case .refused: "connect_refused"
        case .reset: "reset"
        case .timeout: "timeout"
        case .malformed: "malformed_response"
        case .closed: "closed_mid_response"
        case .connectOther: "connect_error"
        }
    }

    /// The reason for a failed connect's errno.
    static func connect(errno: Int32) -> RESTFailure {
        switch errno {
        case 111: .refused // ECONNREFUSED
        case 104, 32: .reset // ECONNRESET, EPIPE
        case 110: .timeout // ETIMEDOUT
        default: .connectOther
        }
    }
}

/// Everything a REST run counts. Requests belong to the window by their *due* time, so the
/// offered and achieved rates cover the same requests.
public struct RESTStats: Sendable {
    /// Responses by status code (100…599), window requests only.
    public var statuses = [Int64](repeating: 0, count: 600)
    public var failures = [Int64](repeating: 0, count: RESTFailure.allCases.count)
    /// The first detail seen for each failure.
    public var samples: [RESTFailure: String] = [:]
    /// Window requests sent, answered (whenever: `statuses` sums to it), and taken late from
    /// the queue.
    public var sent: Int64 = 0
    public var answered: Int64 = 0
    public var lateStarts: Int64 = 0
    /// Of `answered`, those answered `--timeout` or more after their due time.
    public var answeredPastTimeout: Int64 = 0
    /// Window requests sent that got no response, by reason (`failures` also counts connects
    /// and warm-up requests).
    public var unanswered = [Int64](repeating: 0, count: RESTFailure.allCases.count)
    /// Window requests never sent: still waiting for a connection when the run gave up.
    public var notSent: Int64 = 0
    /// Of the latency samples, those of requests given up (unanswered or never sent), recorded
    /// at the time they were given up.
    public var givenUpInLatency: Int64 = 0
    /// Every response, warm-up included.
    public var answeredTotal: Int64 = 0
    /// Responses that arrived inside the window, whenever their requests were due: the
    /// achieved rate (requests due in the window may be answered long after it).
    public var arrivals: Int64 = 0
    public var reconnects: Int64 = 0
    /// Due time to end of response (µs), window requests only.
    public var latency = LatencyHistogram.make()
    /// Every response since the last progress line.
    public var recent = LatencyHistogram.make()
    public var maxLatencyMicros: Int64 = 0
    public var latencyOverflows: Int64 = 0

    public init() {}

    public subscript(_ failure: RESTFailure) -> Int64 {
        get { failures[failure.rawValue] }
        set { failures[failure.rawValue] = newValue }
    }

    public mutating func fail(_ failure: RESTFailure, _ detail: String) {
        self[failure] += 1
        if samples[failure] == nil { samples[failure] = detail }
    }

    /// A response to a request due at `dueNanos`, complete at `now`: `arrivedInWindow` when
    /// `now` is inside the window (what the achieved rate counts), `timedOut` when it came
    /// `--timeout` or more after its due time (a timeout, whose latency is recorded all the same:
    /// the distribution shows the stall).
    @inline(__always)
    public mutating func answer(status: Int, dueNanos: Int64, now: Int64, inWindow: Bool, arrivedInWindow: Bool = true,
                                timedOut: Bool = false) {
        answeredTotal += 1
        var micros = UInt64(max(1, (now - dueNanos) / 1000))
        if micros > LatencyHistogram.highestMicros {
            micros = LatencyHistogram.highestMicros
            latencyOverflows += 1
        }
        recent.record(micros)
        if arrivedInWindow { arrivals += 1 }
        guard inWindow else { return }
        latency.record(micros)
        maxLatencyMicros = max(maxLatencyMicros, Int64(micros))
        if timedOut { answeredPastTimeout += 1 }
        answered += 1
        statuses[min(max(status, 0), 599)] += 1
    }

    /// A window request given up at `now` (sent and unanswered, or never sent): its latency so
    /// far is recorded, or a saturated server's worst requests would be left out of the figures.
    public mutating func giveUp(dueNanos: Int64, now: Int64, unanswered reason: RESTFailure?) {
        if let reason { unanswered[reason.rawValue] += 1 } else { notSent += 1 }
        let micros = min(UInt64(max(1, (now - dueNanos) / 1000)), LatencyHistogram.highestMicros)
        latency.record(micros)
        maxLatencyMicros = max(maxLatencyMicros, Int64(micros))
        givenUpInLatency += 1
    }

    public var unansweredCount: Int64 { unanswered.reduce(0, +) }

    public var failureCount: Int64 { failures.reduce(0, +) }

    /// Status codes that occurred, with their counts.
    public var statusCounts: [(status: Int, count: Int64)] {
        statuses.indices.filter { statuses[$0] > 0 }.map { ($0, statuses[$0]) }
    }
}
