/// The REST API's variables: CORS and the per-address rate limit.
extension Config {
    static func parseHTTP(_ c: inout Config, _ value: (String) -> String?) throws(ConfigError) {
        if let v = value("CORS_ORIGINS") {
            let list = v.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
            let valid = list.allSatisfy { $0 == "*" || $0.hasPrefix("http://") || $0.hasPrefix("https://") }
            // Only commas (a typo) would otherwise mean the default, any origin: fail closed.
            guard valid, !list.isEmpty else {
                throw ConfigError(variable: "CORS_ORIGINS", value: v,
                                  accepts: "* or a comma-separated list of origins like https://terminal.example.com")
            }
            c.corsOrigins = list
        }
        let (rate, burst) = try parseBucket(value, rate: "RATE_LIMIT_RPS", burst: "RATE_LIMIT_BURST",
                                            per: "requests per second per client address")
        if let rate { c.rateLimitPerSecond = rate }
        if let burst { c.rateLimitBurst = burst }
    }

    /// A token bucket's two variables: `rate`, a number 0–1000000 (0: no limit) of what `per`
    /// says, and `burst`, an integer 1–1000000; nil for a variable not set.
    static func parseBucket(_ value: (String) -> String?, rate: String, burst: String,
                            per: String) throws(ConfigError) -> (rate: Double?, burst: Int?) {
        var result: (rate: Double?, burst: Int?) = (nil, nil)
        if let v = value(rate) {
            guard let n = Double(v), n.isFinite, n >= 0, n <= 1_000_000 else {
                throw ConfigError(variable: rate, value: v, accepts: "\(per), 0–1000000 (0: no limit)")
            }
            result.rate = n
        }
        if let v = value(burst) {
            guard let n = Int(v), (1...1_000_000).contains(n) else { throw ConfigError(variable: burst, value: v, accepts: "an integer 1–1000000") }
            result.burst = n
        }
        return result
    }
}
