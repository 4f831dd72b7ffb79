import Posix
import Runtime
import ShmRing
import Supervisor

extension WorkerProcess {
    /// Slots' counters move once a tick (at most every 100 ms), so a body this young is as
    /// fresh as the segment; scrapes in a burst cost one render.
    static let metricsCacheNs: Int64 = 100_000_000
    /// One process serves one segment; the cache keeps the last body and the segment it is of.
    static let metricsCache = RenderedMetrics()

    /// `GET /metrics`: the whole server's figures from shared memory (`MetricsReport`).
    public func metrics() -> (status: Int, body: [UInt8]) {
        (200, Self.metricsCache.body(of: segment, maxAgeNs: Self.metricsCacheNs) { MetricsReport(segment: segment).render() })
    }
}

/// The last `/metrics` body rendered, its segment and when it was made.
final class RenderedMetrics: @unchecked Sendable {
    private let lock = Mutex()
    private var segment: ObjectIdentifier?
    private var body: [UInt8] = []
    private var madeNs: Int64 = 0

    /// The cached body of `segment` if younger than `maxAgeNs`, else `render()`'s, kept.
    func body(of segment: Segment, maxAgeNs: Int64, render: () -> String) -> [UInt8] {
        lock.withLock {
            let now = Clock.monotonicNanos()
            if self.segment != ObjectIdentifier(segment) || now - madeNs >= maxAgeNs {
                body = Array(render().utf8)
                madeNs = now
                self.segment = ObjectIdentifier(segment)
            }
            return body
        }
    }
}
