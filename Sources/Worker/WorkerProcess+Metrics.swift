import Posix
import Supervisor

extension WorkerProcess {
    /// Slots' counters move once a tick (at most every 100 ms), so a body this young is as
    /// fresh as the segment; scrapes in a burst cost one render.
    static let metricsCacheNs: Int64 = 100_000_000

    /// `GET /metrics`: the whole server's figures from shared memory (`MetricsReport`).
    public func metrics() -> (status: Int, body: [UInt8]) {
        let now = Clock.monotonicNanos()
        if metricsCache.body.isEmpty || now - metricsCache.madeNs >= Self.metricsCacheNs {
            metricsCache = (Array(MetricsReport(segment: segment).render().utf8), now)
        }
        return (200, metricsCache.body)
    }
}
