import Glibc
import Market
import Posix

extension Config {
    /// Reads the process environment, then the `.env` file (`ENV_FILE`, default `./.env`)
    /// for variables the environment does not set.
    public static func load(environment: [String: String] = Config.processEnvironment()) throws(ConfigError) -> Config {
        try parse(merged(environment))
    }

    /// The segment a server started with these variables uses, judged by `PORT` and
    /// `SHM_NAME` alone: `tterminal status` must find a running server while `.env` holds a
    /// mistake in another variable (a reload refused it; the server runs on).
    public static func segmentName(environment: [String: String] = Config.processEnvironment()) throws(ConfigError) -> String {
        try parse(merged(environment).filter { $0.key == "PORT" || $0.key == "SHM_NAME" }).segmentName
    }

    /// The environment with the `.env` file's variables added where the environment has none.
    static func merged(_ environment: [String: String]) throws(ConfigError) -> [String: String] {
        var merged = environment
        let path = environment["ENV_FILE"] ?? ".env"
        if let text = readTextFile(path) {
            for (key, value) in parseDotEnv(text) where merged[key] == nil { merged[key] = value }
        } else if environment["ENV_FILE"] != nil {
            throw ConfigError(variable: "ENV_FILE", value: path, accepts: "a readable file")
        }
        return merged
    }

    /// Builds a configuration from variables; unknown variables are ignored.
    public static func parse(_ env: [String: String]) throws(ConfigError) -> Config {
        var c = Config()
        func value(_ key: String) -> String? {
            guard let v = env[key]?.trimmingSpaces, !v.isEmpty else { return nil }
            return v
        }
        if let v = value("PORT") {
            guard let p = Int(v), (1...65535).contains(p) else { throw ConfigError(variable: "PORT", value: v, accepts: "an integer 1–65535") }
            c.port = UInt16(p)
        }
        if let v = value("HOST") {
            guard v == "localhost" || isIPv4(v) else { throw ConfigError(variable: "HOST", value: v, accepts: "an IPv4 address such as 0.0.0.0 or 127.0.0.1") }
            c.host = v
        }
        if let v = value("WORKERS") {
            guard let n = Int(v), (1...maxWorkers).contains(n) else { throw ConfigError(variable: "WORKERS", value: v, accepts: "an integer 1–\(maxWorkers)") }
            c.workers = n
        }
        if let v = value("SYMBOLS") { c.symbols = try parseSymbols(v) }
        if let v = value("DATABASE_URL") {
            guard v.hasPrefix("postgres://") || v.hasPrefix("postgresql://") else {
                throw ConfigError(variable: "DATABASE_URL", value: v, accepts: "a postgres:// or postgresql:// URL, or nothing")
            }
            c.databaseURL = v
        }
        if let v = value("REDIS_URL") {
            guard v.hasPrefix("redis://") else { throw ConfigError(variable: "REDIS_URL", value: v, accepts: "a redis:// URL, or nothing") }
            c.redisURL = v
        }
        if let v = value("LOG_LEVEL") {
            guard let l = LogLevel(name: v) else {
                throw ConfigError(variable: "LOG_LEVEL", value: v, accepts: LogLevel.allCases.map(\.name).joined(separator: ", "))
            }
            c.logLevel = l
        }
        if let v = value("LOG_FILE") {
            // Checked here, not at the first write: a log that cannot be opened would fall back
            // to stderr while the operator watches the file.
            guard canAppend(to: v) else {
                throw ConfigError(variable: "LOG_FILE", value: v, accepts: "a file path whose directory exists and is writable")
            }
            c.logFile = v
        }
        if let v = value("SHUTDOWN_TIMEOUT") {
            guard let s = Double(v), s > 0, s <= 3600 else { throw ConfigError(variable: "SHUTDOWN_TIMEOUT", value: v, accepts: "seconds, a number > 0 and ≤ 3600") }
            c.shutdownTimeoutSeconds = s
        }
        if let v = value("FEED_SOURCE") {
            guard let s = FeedSource(rawValue: v) else {
                throw ConfigError(variable: "FEED_SOURCE", value: v, accepts: FeedSource.allCases.map(\.rawValue).joined(separator: ", "))
            }
            c.feedSource = s
        }
        if let v = value("REPLAY_FILE") { c.replayFile = v }
        if let v = value("REPLAY_SPEED") {
            guard let s = Double(v), s >= 0, s.isFinite else { throw ConfigError(variable: "REPLAY_SPEED", value: v, accepts: "a number ≥ 0 (0 = as fast as possible)") }
            c.replaySpeed = s
        }
        if let v = value("HEARTBEAT_INTERVAL_MS") {
            guard let n = Int(v), (10...60_000).contains(n) else { throw ConfigError(variable: "HEARTBEAT_INTERVAL_MS", value: v, accepts: "an integer 10–60000") }
            c.heartbeatIntervalMs = n
        }
        if let v = value("RING_MB") {
            guard let n = Int(v), n >= 1, n <= 4096, n & (n - 1) == 0 else { throw ConfigError(variable: "RING_MB", value: v, accepts: "a power of two 1–4096") }
            c.ringMB = n
        }
        if let v = value("SHM_NAME") {
            guard v.hasPrefix("/"), v.count > 1, !v.dropFirst().contains("/") else {
                throw ConfigError(variable: "SHM_NAME", value: v, accepts: "a name like /tterminal-8080 (one leading slash)")
            }
            c.shmName = v
        }
        try parseFeed(value, into: &c)
        return c
    }

    /// The live feed's variables: intervals, endpoint lists, trust, stall and age limits.
    static func parseFeed(_ value: (String) -> String?, into c: inout Config) throws(ConfigError) {
        if let v = value("INTERVALS") {
            let names = v.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
            let parsed = names.compactMap { n in KlineInterval.allCases.first { $0.name == n } }
            guard !names.isEmpty, parsed.count == names.count, Set(parsed).count == parsed.count else {
                throw ConfigError(variable: "INTERVALS", value: v,
                                  accepts: "a comma-separated list of distinct Binance intervals: " + KlineInterval.allCases.map(\.name).joined(separator: ","))
            }
            c.intervals = parsed
        }
        for (key, schemes, path) in [("SPOT_WS_URLS", ["ws://", "wss://"], \Config.spotStreamURLs),
                                     ("FUTURES_WS_URLS", ["ws://", "wss://"], \Config.futuresStreamURLs),
                                     ("SPOT_REST_URLS", ["http://", "https://"], \Config.spotRESTURLs),
                                     ("FUTURES_REST_URLS", ["http://", "https://"], \Config.futuresRESTURLs)] {
            guard let v = value(key) else { continue }
            let list = v.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
            guard !list.isEmpty, list.count <= 16, list.allSatisfy({ u in schemes.contains { u.hasPrefix($0) } && u.count > 8 }) else {
                throw ConfigError(variable: key, value: v, accepts: "a comma-separated list of 1–16 \(schemes.joined(separator: " or ")) URLs")
            }
            c[keyPath: path] = list.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        }
        if let v = value("TLS_TRUST_FILE") {
            guard access(v, R_OK) == 0 else { throw ConfigError(variable: "TLS_TRUST_FILE", value: v, accepts: "a readable PEM file") }
            c.tlsTrustFile = v
        }
        if let v = value("FEED_STALL_MS") {
            guard let n = Int(v), (200...600_000).contains(n) else { throw ConfigError(variable: "FEED_STALL_MS", value: v, accepts: "an integer 200–600000") }
            c.feedStallMs = n
        }
        if let v = value("FEED_MAX_CONNECTION_AGE") {
            guard let n = Int(v), (1...86_000).contains(n) else {
                throw ConfigError(variable: "FEED_MAX_CONNECTION_AGE", value: v, accepts: "seconds, an integer 1–86000 (Binance cuts at 86400)")
            }
            c.feedMaxConnectionAgeSeconds = n
        }
        if let v = value("FUTURES_ROUTED") {
            switch v.lowercased() {
            case "1", "true", "yes", "on": c.futuresRouted = true
            case "0", "false", "no", "off": c.futuresRouted = false
            default: throw ConfigError(variable: "FUTURES_ROUTED", value: v, accepts: "true or false")
            }
        }
        if let v = value("FEED_STREAMS_PER_CONNECTION") {
            guard let n = Int(v), (1...1024).contains(n) else {
                throw ConfigError(variable: "FEED_STREAMS_PER_CONNECTION", value: v, accepts: "an integer 1–1024 (Binance's limit)")
            }
            c.feedStreamsPerConnection = n
        }
        try parseWebSocket(&c, value)
        try parseHTTP(&c, value)
        try parseMessageRate(&c, value)
    }

    static func parseWebSocket(_ c: inout Config, _ value: (String) -> String?) throws(ConfigError) {
        func integer(_ name: String, _ range: ClosedRange<Int>, _ accepts: String) throws(ConfigError) -> Int? {
            guard let v = value(name) else { return nil }
            guard let n = Int(v), range.contains(n) else { throw ConfigError(variable: name, value: v, accepts: accepts) }
            return n
        }
        if let n = try integer("WS_MAX_CONNECTIONS", 1...19_000, "an integer 1–19000 (a process holds at most 20000 descriptors)") {
            c.wsMaxConnections = n
        }
        if let n = try integer("MAX_CONNECTIONS_PER_ADDRESS", 1...1_000_000, "an integer 1–1000000") { c.maxConnectionsPerAddress = n }
        if let n = try integer("WS_QUEUE_BYTES", 4096...(64 << 20), "bytes, 4096–67108864") { c.wsQueueBytes = n }
        if let n = try integer("WS_ECHO_MAX_BYTES", 125...(64 << 20), "bytes, 125–67108864") { c.wsEchoMaxBytes = n }
        if let n = try integer("WS_SENDS_PER_TURN", 1...4_096, "an integer 1–4096") { c.wsSendsPerTurn = n }
        if let n = try integer("WS_COALESCE_US", 0...5_000, "microseconds, 0–5000") { c.wsCoalesceMicros = n }
        if let n = try integer("WS_COALESCE_MIN_CLIENTS", 0...1_000_000, "an integer 0–1000000") { c.wsCoalesceMinClients = n }
        if let n = try integer("ACCEPT_LEAD", 1...1_000_000, "an integer 1–1000000") { c.acceptLead = n }
        if let n = try integer("WS_REPLAY_MAX", 0...100_000, "an integer 0–100000") { c.wsReplayMax = n }
        if let n = try integer("PERSIST_BUFFER_ROWS", 1_000...100_000_000, "rows, an integer 1000–100000000") { c.persistBufferRows = n }
        if let n = try integer("BOOK_SNAPSHOT_SECONDS", 0...3_600, "seconds, an integer 0–3600 (0: no book snapshots)") {
            c.bookSnapshotSeconds = n
        }
        if let v = value("WS_SLOW_CLIENT") {
            switch v.lowercased() {
            case "gap": c.wsSlowClientClose = false
            case "close": c.wsSlowClientClose = true
            default: throw ConfigError(variable: "WS_SLOW_CLIENT", value: v, accepts: "gap or close")
            }
        }
    }

    /// A symbol name as clients may spell it, upper-cased; nil unless it is 2–16 of A–Z and
    /// 0–9 (Binance's names; `SYMBOLS` and symbols added at run time alike).
    public static func normalizedSymbol(_ text: some StringProtocol) -> String? {
        let name = text.uppercased()
        guard (2...16).contains(name.utf8.count), name.utf8.allSatisfy({ (65...90).contains($0) || (48...57).contains($0) })
        else { return nil }
        return name
    }

    static func parseSymbols(_ v: String) throws(ConfigError) -> [String] {
        let list = v.split(separator: ",").map { String($0).trimmingSpaces.uppercased() }.filter { !$0.isEmpty }
        let valid = list.allSatisfy { normalizedSymbol($0) != nil }
        guard !list.isEmpty, list.count <= maxSymbols, valid, Set(list).count == list.count else {
            throw ConfigError(variable: "SYMBOLS", value: v, accepts: "a comma-separated list of 1–\(maxSymbols) distinct symbols like BTCUSDT (A–Z, 0–9, 2–16 characters)")
        }
        return list
    }

    /// The variables a child needs to rebuild exactly this configuration.
    public var environment: [String: String] {
        var e: [String: String] = [
            "PORT": "\(port)", "HOST": host, "WORKERS": "\(workers)", "SYMBOLS": symbols.joined(separator: ","),
            "LOG_LEVEL": logLevel.name, "SHUTDOWN_TIMEOUT": "\(shutdownTimeoutSeconds)",
            "FEED_SOURCE": feedSource.rawValue, "REPLAY_FILE": replayFile, "REPLAY_SPEED": "\(replaySpeed)",
            "HEARTBEAT_INTERVAL_MS": "\(heartbeatIntervalMs)", "RING_MB": "\(ringMB)",
        ]
        e["INTERVALS"] = intervals.map(\.name).joined(separator: ",")
        e["SPOT_WS_URLS"] = spotStreamURLs.joined(separator: ",")
        e["FUTURES_WS_URLS"] = futuresStreamURLs.joined(separator: ",")
        e["SPOT_REST_URLS"] = spotRESTURLs.joined(separator: ",")
        e["FUTURES_REST_URLS"] = futuresRESTURLs.joined(separator: ",")
        e["FEED_STALL_MS"] = "\(feedStallMs)"
        e["FEED_MAX_CONNECTION_AGE"] = "\(feedMaxConnectionAgeSeconds)"
        e["FEED_STREAMS_PER_CONNECTION"] = "\(feedStreamsPerConnection)"
        e["FUTURES_ROUTED"] = futuresRouted ? "true" : "false"
        e["WS_MAX_CONNECTIONS"] = "\(wsMaxConnections)"
        e["MAX_CONNECTIONS_PER_ADDRESS"] = "\(maxConnectionsPerAddress)"
        e["WS_QUEUE_BYTES"] = "\(wsQueueBytes)"
        e["WS_ECHO_MAX_BYTES"] = "\(wsEchoMaxBytes)"
        e["WS_SENDS_PER_TURN"] = "\(wsSendsPerTurn)"
        e["WS_COALESCE_US"] = "\(wsCoalesceMicros)"
        e["WS_COALESCE_MIN_CLIENTS"] = "\(wsCoalesceMinClients)"
        e["ACCEPT_LEAD"] = "\(acceptLead)"
        e["WS_SLOW_CLIENT"] = wsSlowClientClose ? "close" : "gap"
        e["WS_REPLAY_MAX"] = "\(wsReplayMax)"
        e["CORS_ORIGINS"] = corsOrigins.joined(separator: ",")
        e["RATE_LIMIT_RPS"] = "\(rateLimitPerSecond)"
        e["RATE_LIMIT_BURST"] = "\(rateLimitBurst)"
        e["WS_RATE_LIMIT_MPS"] = "\(wsMessageRate)"
        e["WS_RATE_LIMIT_BURST"] = "\(wsMessageBurst)"
        e["WS_RATE_LIMIT_CLOSE_AFTER"] = "\(wsRateLimitCloseSeconds)"
        e["PERSIST_BUFFER_ROWS"] = "\(persistBufferRows)"
        e["BOOK_SNAPSHOT_SECONDS"] = "\(bookSnapshotSeconds)"
        if let t = tlsTrustFile { e["TLS_TRUST_FILE"] = t }
        if let s = shmName { e["SHM_NAME"] = s }
        if let d = databaseURL { e["DATABASE_URL"] = d }
        if let r = redisURL { e["REDIS_URL"] = r }
        if let f = logFile { e["LOG_FILE"] = f }
        return e
    }

    /// `KEY=value` lines; `#` comments, blank lines, `export ` prefixes and quotes allowed.
    public static func parseDotEnv(_ text: String) -> [(String, String)] {
        var result: [(String, String)] = []
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            var line = String(raw).trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingSpaces }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq]).trimmingSpaces
            var value = String(line[line.index(after: eq)...]).trimmingSpaces
            if value.count >= 2, let f = value.first, (f == "\"" || f == "'"), value.last == f {
                value = String(value.dropFirst().dropLast())
            } else if let hash = value.commentStart {
                value = String(value[..<hash]).trimmingSpaces
            }
            if !key.isEmpty { result.append((key, value)) }
        }
        return result
    }

    public static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        for entry in Spawn.currentEnvironment() {
            if let eq = entry.firstIndex(of: "=") { result[String(entry[..<eq])] = String(entry[entry.index(after: eq)...]) }
        }
        return result
    }

    /// Whether a process may append to `path`: the file is writable, or it does not exist yet
    /// and its directory is (nothing is created here).
    static func canAppend(to path: String) -> Bool {
        if access(path, F_OK) == 0 { return access(path, W_OK) == 0 }
        let directory = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        return access(directory, W_OK | X_OK) == 0
    }

    static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in p.count <= 3 && Int(p).map { (0...255).contains($0) } ?? false }
    }
}

extension String {
    /// Where an unquoted ` #` comment starts, if any.
    var commentStart: String.Index? {
        var previous: Character = "x"
        for i in indices {
            if self[i] == "#" && (previous == " " || previous == "\t") { return index(before: i) }
            previous = self[i]
        }
        return nil
    }

    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
