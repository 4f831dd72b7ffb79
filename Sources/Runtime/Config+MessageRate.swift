/// The terminal WebSocket's per-connection budget for client messages.
extension Config {
    static func parseMessageRate(_ c: inout Config, _ value: (String) -> String?) throws(ConfigError) {
        let (rate, burst) = try parseBucket(value, rate: "WS_RATE_LIMIT_MPS", burst: "WS_RATE_LIMIT_BURST",
                                            per: "client messages per second per WebSocket connection")
        if let rate { c.wsMessageRate = rate }
        if let burst { c.wsMessageBurst = burst }
        if let v = value("WS_RATE_LIMIT_CLOSE_AFTER") {
            guard let n = Int(v), (0...3_600).contains(n) else {
                throw ConfigError(variable: "WS_RATE_LIMIT_CLOSE_AFTER", value: v,
                                  accepts: "seconds, an integer 0–3600 (0: a client over the limit is never closed)")
            }
            c.wsRateLimitCloseSeconds = n
        }
    }
}
