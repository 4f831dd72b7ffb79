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
        if let v = value("RATE_LIMIT_RPS") {
            guard let n = Double(v), n.isFinite, n >= 0, n <= 1_000_000 else {
                throw ConfigError(variable: "RATE_LIMIT_RPS", value: v, accepts: "requests per second per client address, 0–1000000 (0: no limit)")
            }
            c.rateLimitPerSecond = n
        }
        if let v = value("RATE_LIMIT_BURST") {
            guard let n = Int(v), (1...1_000_000).contains(n) else {
                throw ConfigError(variable: "RATE_LIMIT_BURST", value: v, accepts: "an integer 1–1000000")
            }
            c.rateLimitBurst = n
        }
    }
}
