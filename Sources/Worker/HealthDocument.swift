import Glibc
import Posix
import Runtime
import ShmRing
import Supervisor

/// `GET /api/v1/health`: the real state, from shared memory. The original answered
/// `{"status":"healthy","database":"healthy"}`; those two keys keep their meaning.
struct HealthDocument {
    let segment: Segment
    let slot: ChildSlot
    let reader: RingReader
    /// Redis: `up`, `down` or `disabled` (no REDIS_URL); the server serves either way.
    var cache = "disabled"
    /// Whether history comes from PostgreSQL; without DATABASE_URL only shared memory is served.
    var databaseConfigured = true

    /// Status code and body: 503 when the supervisor is gone or a configured database is down;
    /// "degraded" (200) when the feed is not live.
    func render() -> (Int, String) {
        let c = segment.control
        let now = Clock.realtimeNanos()
        let supervisorPid = c.supervisorPid
        let supervisorAlive = c.supervisorAlive
        let database = c.databaseState
        let feed = c.feedState
        let ring = segment.ringWords
        let latest = ring.latestSequence.loadAcquiring()
        let epoch = ring.epoch.loadAcquiring()
        let unhealthy = !supervisorAlive || database == .unhealthy
        let status = unhealthy ? "unhealthy" : (feed == .live ? "healthy" : "degraded")
        var w = JSONWriter()
        w.beginObject()
        w.field("status", status)
        if unhealthy {
            w.field("message", !supervisorAlive ? "the supervisor is gone" : "Database connection failed: down, refusing this URL, or without the tables (see the log)")
        }
        w.field("database", database.description)
        w.field("storage", databaseConfigured ? "postgresql" : "shared memory only (no DATABASE_URL)")
        w.field("cache", cache)
        w.beginObject("supervisor")
        w.field("pid", Int(supervisorPid)); w.field("alive", supervisorAlive)
        w.field("uptime_s", Double((now - c.supervisorStartRealtimeNs) / 1_000_000) / 1000)
        w.field("workers", c.workersWanted)
        w.endObject()
        w.beginObject("feed")
        w.field("state", feed.description); w.field("epoch", epoch); w.field("records", c.feedRecordsPublished)
        let last = c.feedLastPublishRealtimeNs
        if last > 0 { w.field("last_record_age_ms", (now - last) / 1_000_000) } else { w.null("last_record_age_ms") }
        let report = FeedReport(segment: segment)
        w.field("source", report.source.description)
        w.beginObject("gaps")
        w.field("found", report.gapsFound); w.field("filled", report.gapsFilled); w.field("lost", report.gapsLost)
        w.endObject()
        w.field("live_connections", c.feedCounter(.liveConnections).loadRelaxed())
        w.field("silent_connections", c.feedCounter(.silentConnections).loadRelaxed())
        w.endObject()
        w.beginObject("ring")
        let mine = reader.lastSequence
        w.field("sequence", latest); w.field("worker_sequence", mine)
        w.field("lag", latest > mine ? latest - mine : 0); w.field("laps", reader.laps)
        w.endObject()
        w.beginObject("worker")
        w.field("slot", slot.index); w.field("pid", Int(getpid()))
        w.endObject()
        w.field("timestamp", now / 1_000_000)
        w.endObject()
        return (unhealthy ? 503 : 200, w.text)
    }
}
