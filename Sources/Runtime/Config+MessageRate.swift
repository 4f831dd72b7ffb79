/// The terminal WebSocket's per-connection budget for client messages.
extension Config {
    static func parseMessageRate(_ c: inout Config, _ value: (String) -> String?) throws(ConfigError) {
        if let v = value("WS_RATE_LIMIT_MPS") {
            guard let n = Double(v), n.isFinite, n >= 0, n <= 1_000_000 else {
                throw ConfigError(variable: "WS_RATE_LIMIT_MPS", value: v,
                                  accepts: "client messages per second per WebSocket connection, 0–1000000 (0: no limit)")
            }
            c.wsMessageRate = n
        }
        if let v = value("WS_RATE_LIMIT_BURST") {
            guard let n = Int(v), (1...1_000_000).contains(n) else {
                throw ConfigError(variable: "WS_RATE_LIMIT_BURST", value: v, accepts: "an integer 1–1000000")
            }
            c.wsMessageBurst = n
        }
        if let v = value("WS_RATE_LIMIT_CLOSE_AFTER") {
            guard let n = Int(v), (0...3_600).contains(n) else {
                throw ConfigError(variable: "WS_RATE_LIMIT_CLOSE_AFTER", value: v,
                                  accepts: "seconds, an integer 0–3600 (0: a client over the limit is never closed)")
            }
            c.wsRateLimitCloseSeconds = n
        }
    }
}
