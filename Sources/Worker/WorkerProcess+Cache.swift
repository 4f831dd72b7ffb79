import Cache
import Runtime

extension WorkerProcess {
    /// The Redis link's state changes, as log lines (worded like the persister's database lines).
    static func log(_ event: CacheEvent, to log: Logger) {
        switch event {
        case .redisLost(let error, let outages, let failures):
            log.error("redis lost: responses are not cached", [
                "error": "\(error)", "outages": "\(outages)", "failures": "\(failures)"])
        case .redisBack(let downMs):
            log.notice("redis back: caching responses again", ["down_ms": "\(downMs)"])
        }
    }
}
