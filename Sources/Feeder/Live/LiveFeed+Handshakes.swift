import ShmRing

/// Connections that never opened: the TCP connect, TLS handshake or WebSocket upgrade failed.
/// A 429 or 418 answer pauses the market's connection attempts (the thread has paused them
/// already; the policy learns the same deadline so it schedules nothing sooner).
extension LiveFeed {
    func handshakeFailed(id: Int, reason: String, pause: ConnectPause?, nowNs: Int64) {
        if let pause, core.rateLimited(market: pause.market, status: pause.status, untilNs: pause.untilNs, nowNs: nowNs) {
            let what = pause.status == 418 ? "banned this address (HTTP 418)" : "refused a connection for too many attempts (HTTP 429)"
            log.error("Binance \(what): no \(pause.market) stream connection for \(pause.seconds) s", [
                "market": "\(pause.market)", "status": "\(pause.status)", "retry_after_s": "\(pause.seconds)",
                "paused_for_ms": "\(max(0, pause.untilNs - nowNs) / 1_000_000)", "connection": "\(id)"])
        }
        log.warning("connection failed to open", ["connection": "\(id)", "plan": description(of: id), "error": reason])
        execute(core.handshakeFailed(id: id, nowNs: nowNs))
    }
}
