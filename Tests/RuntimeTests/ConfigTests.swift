import Glibc
import Testing
import Market
@testable import Runtime

@Suite("Configuration")
struct ConfigTests {
    @Test("defaults apply when nothing is set")
    func defaults() throws {
        let c = try Config.parse([:])
        #expect(c.port == 8080)
        #expect(c.host == "0.0.0.0")
        #expect(c.symbols == ["BTCUSDT", "ETHUSDT", "BNBUSDT", "ADAUSDT", "SOLUSDT"])
        #expect(c.workers >= 1)
        #expect(c.databaseURL == nil)
        #expect(c.shutdownTimeoutSeconds == 10)
        #expect(c.segmentName == "/tterminal-8080")
    }

    @Test("every variable is read", arguments: [
        ("PORT", "9000"), ("HOST", "127.0.0.1"), ("WORKERS", "3"), ("SYMBOLS", "btcusdt, ethusdt"),
        ("DATABASE_URL", "postgres://u@h/db"), ("REDIS_URL", "redis://h:1/0"), ("LOG_LEVEL", "DEBUG"),
        ("SHUTDOWN_TIMEOUT", "2.5"), ("REPLAY_SPEED", "0"), ("RING_MB", "8"), ("SHM_NAME", "/x"),
    ])
    func reads(variable: String, value: String) throws {
        let c = try Config.parse([variable: value])
        #expect(c != Config(), "\(variable) had no effect")
    }

    @Test("symbols are upper-cased and trimmed")
    func symbols() throws {
        #expect(try Config.parse(["SYMBOLS": " btcusdt ,ethusdt"]).symbols == ["BTCUSDT", "ETHUSDT"])
    }

    @Test("the live feed's lists and limits parse")
    func feed() throws {
        let c = try Config.parse(["INTERVALS": "1m, 4h,1M", "SPOT_WS_URLS": "ws://127.0.0.1:9/, wss://a.example:443",
                                  "FUTURES_ROUTED": "off", "FEED_STREAMS_PER_CONNECTION": "200", "FEED_SOURCE": "simulator"])
        #expect(c.intervals == [.m1, .h4, .M1])
        #expect(c.spotStreamURLs == ["ws://127.0.0.1:9", "wss://a.example:443"])
        #expect(!c.futuresRouted && c.feedStreamsPerConnection == 200 && c.feedSource == .simulator)
        #expect(Config().feedSource == .binance && Config().futuresRouted)
    }

    @Test("the WebSocket limits parse, and a child rebuilds them from the environment")
    func webSocket() throws {
        let c = try Config.parse(["WS_MAX_CONNECTIONS": "12000", "MAX_CONNECTIONS_PER_ADDRESS": "7", "WS_QUEUE_BYTES": "65536",
                                  "WS_SLOW_CLIENT": "Close", "WS_REPLAY_MAX": "0", "WS_SENDS_PER_TURN": "512",
                                  "ACCEPT_LEAD": "50", "WS_ECHO_MAX_BYTES": "16777216", "WS_COALESCE_US": "0",
                                  "WS_COALESCE_MIN_CLIENTS": "1000"])
        #expect(c.wsMaxConnections == 12000 && c.maxConnectionsPerAddress == 7 && c.wsQueueBytes == 65536)
        #expect(c.wsSlowClientClose && c.wsReplayMax == 0)
        let child = try Config.parse(c.environment)
        #expect(child.wsMaxConnections == 12000 && child.maxConnectionsPerAddress == 7 && child.wsSlowClientClose)
        #expect(c.wsSendsPerTurn == 512 && child.wsSendsPerTurn == 512 && Config().wsSendsPerTurn == 128)
        #expect(c.acceptLead == 50 && child.acceptLead == 50 && Config().acceptLead == 4)
        #expect(c.wsCoalesceMicros == 0 && child.wsCoalesceMicros == 0 && Config().wsCoalesceMicros == 150)
        #expect(c.wsCoalesceMinClients == 1000 && child.wsCoalesceMinClients == 1000 && Config().wsCoalesceMinClients == 256)
        #expect(c.wsEchoMaxBytes == 16 << 20 && child.wsEchoMaxBytes == 16 << 20 && Config().wsEchoMaxBytes == 64 << 10)
        let d = Config()
        #expect(d.wsMaxConnections == 10_000 && d.maxConnectionsPerAddress == 5_000 && d.wsQueueBytes == 262_144)
        #expect(!d.wsSlowClientClose && d.wsReplayMax == 10_000)
    }

    @Test("CORS origins and the rate limit parse, and a child rebuilds them from the environment")
    func http() throws {
        let c = try Config.parse(["CORS_ORIGINS": "https://a.example, http://b.example:3000", "RATE_LIMIT_RPS": "2.5",
                                  "RATE_LIMIT_BURST": "7"])
        #expect(c.corsOrigins == ["https://a.example", "http://b.example:3000"])
        #expect(c.rateLimitPerSecond == 2.5 && c.rateLimitBurst == 7)
        let child = try Config.parse(c.environment)
        #expect(child.corsOrigins == c.corsOrigins && child.rateLimitPerSecond == 2.5 && child.rateLimitBurst == 7)
        let d = Config()
        #expect(d.corsOrigins == ["*"] && d.rateLimitPerSecond == 50 && d.rateLimitBurst == 100)
        #expect(try Config.parse(["RATE_LIMIT_RPS": "0"]).rateLimitPerSecond == 0)
    }

    @Test("the terminal WebSocket's message budget parses, defaults far above the terminal's needs, and a child rebuilds it")
    func messageRate() throws {
        let c = try Config.parse(["WS_RATE_LIMIT_MPS": "2.5", "WS_RATE_LIMIT_BURST": "8", "WS_RATE_LIMIT_CLOSE_AFTER": "0"])
        #expect(c.wsMessageRate == 2.5 && c.wsMessageBurst == 8 && c.wsRateLimitCloseSeconds == 0)
        let child = try Config.parse(c.environment)
        #expect(child.wsMessageRate == 2.5 && child.wsMessageBurst == 8 && child.wsRateLimitCloseSeconds == 0)
        let d = Config()
        #expect(d.wsMessageRate == 20 && d.wsMessageBurst == 50 && d.wsRateLimitCloseSeconds == 5)
        #expect(try Config.parse(["WS_RATE_LIMIT_MPS": "0"]).wsMessageRate == 0)
        let workersOnly = try Config.parse(["WS_RATE_LIMIT_MPS": "5", "WS_RATE_LIMIT_BURST": "9", "WS_RATE_LIMIT_CLOSE_AFTER": "60"])
        #expect(workersOnly.feederChanges(from: d).isEmpty, "the feeder does not read them: a reload leaves it running")
        #expect(workersOnly.workerChanges(from: d) == ["WS_RATE_LIMIT_BURST", "WS_RATE_LIMIT_CLOSE_AFTER", "WS_RATE_LIMIT_MPS"])
    }

    @Test("a bad value names the variable and what it accepts", arguments: [
        ("PORT", "abc"), ("PORT", "0"), ("PORT", "70000"), ("HOST", "example.com"), ("WORKERS", "0"),
        ("WORKERS", "many"), ("SYMBOLS", "BTC-USDT"), ("SYMBOLS", "BTCUSDT,BTCUSDT"), ("DATABASE_URL", "mysql://x"),
        ("REDIS_URL", "http://x"), ("LOG_LEVEL", "loud"), ("SHUTDOWN_TIMEOUT", "-1"), ("FEED_SOURCE", "kraken"),
        ("REPLAY_SPEED", "-2"), ("HEARTBEAT_INTERVAL_MS", "1"), ("RING_MB", "3"), ("SHM_NAME", "noslash"),
        ("INTERVALS", "1m,7m"), ("INTERVALS", "1m,1m"), ("SPOT_WS_URLS", "http://x.example"), ("FUTURES_REST_URLS", "wss://x.example"),
        ("TLS_TRUST_FILE", "/nonexistent.pem"), ("FEED_STALL_MS", "5"), ("FEED_MAX_CONNECTION_AGE", "90000"),
        ("FEED_STREAMS_PER_CONNECTION", "2000"), ("FUTURES_ROUTED", "maybe"), ("WS_MAX_CONNECTIONS", "20000"),
        ("WS_MAX_CONNECTIONS", "0"), ("MAX_CONNECTIONS_PER_ADDRESS", "x"), ("WS_QUEUE_BYTES", "100"),
        ("WS_SLOW_CLIENT", "drop"), ("WS_REPLAY_MAX", "-1"), ("WS_SENDS_PER_TURN", "0"), ("WS_COALESCE_US", "5001"), ("WS_COALESCE_US", "-1"), ("WS_COALESCE_MIN_CLIENTS", "many"), ("ACCEPT_LEAD", "0"), ("WS_ECHO_MAX_BYTES", "100"), ("CORS_ORIGINS", "example.com"), ("CORS_ORIGINS", " , "),
        ("LOG_FILE", "/nonexistent-tterminal-dir/x.log"),
        ("RATE_LIMIT_RPS", "-1"), ("RATE_LIMIT_RPS", "fast"), ("RATE_LIMIT_BURST", "0"),
        ("WS_RATE_LIMIT_MPS", "-1"), ("WS_RATE_LIMIT_MPS", "nan"), ("WS_RATE_LIMIT_BURST", "0"), ("WS_RATE_LIMIT_BURST", "1.5"),
        ("WS_RATE_LIMIT_CLOSE_AFTER", "-1"), ("WS_RATE_LIMIT_CLOSE_AFTER", "3601"),
    ])
    func rejects(variable: String, value: String) {
        do {
            _ = try Config.parse([variable: value])
            Issue.record("\(variable)=\(value) was accepted")
        } catch {
            #expect(error.variable == variable)
            #expect(error.description.contains(variable))
            #expect(error.description.contains("expected"))
        }
    }

    @Test("a .env file fills what the environment leaves unset")
    func dotEnv() {
        let pairs = Config.parseDotEnv("""
        # comment
        export PORT=9001
        HOST = "127.0.0.1"
        SYMBOLS=BTCUSDT # trailing comment
        EMPTY=
        """)
        let dict = Dictionary(pairs, uniquingKeysWith: { a, _ in a })
        #expect(dict["PORT"] == "9001")
        #expect(dict["HOST"] == "127.0.0.1")
        #expect(dict["SYMBOLS"] == "BTCUSDT")
        #expect(dict["EMPTY"] == "")
    }

    @Test("the environment wins over the .env file, and a missing ENV_FILE is an error")
    func precedence() throws {
        let path = "/tmp/tterminal-config-test-\(UInt32.random(in: 0...UInt32.max)).env"
        let f = fopen(path, "w")!
        fputs("PORT=9002\nWORKERS=2\n", f)
        fclose(f)
        defer { unlink(path) }
        let c = try Config.load(environment: ["ENV_FILE": path, "PORT": "9003"])
        #expect(c.port == 9003)
        #expect(c.workers == 2)
        #expect(throws: ConfigError.self) { try Config.load(environment: ["ENV_FILE": path + ".missing"]) }
    }

    @Test("status finds the segment by PORT and SHM_NAME alone, whatever else .env holds")
    func segmentOnly() throws {
        #expect(try Config.segmentName(environment: ["PORT": "9004", "RATE_LIMIT_RPS": "fast", "ENV_FILE": "/dev/null"])
            == "/tterminal-9004")
        #expect(try Config.segmentName(environment: ["SHM_NAME": "/mine", "WORKERS": "0", "ENV_FILE": "/dev/null"]) == "/mine")
        #expect(throws: ConfigError.self) { try Config.segmentName(environment: ["PORT": "x", "ENV_FILE": "/dev/null"]) }
        #expect(throws: ConfigError.self) { try Config.load(environment: ["PORT": "9004", "RATE_LIMIT_RPS": "fast", "ENV_FILE": "/dev/null"]) }
    }

    @Test("a child's environment rebuilds the same configuration")
    func roundTrip() throws {
        let c = try Config.parse(["PORT": "9100", "WORKERS": "3", "SYMBOLS": "BTCUSDT", "DATABASE_URL": "postgres://a@b/c", "LOG_FILE": "/tmp/x.log"])
        #expect(try Config.parse(c.environment) == c)
    }

    @Test("the feeder's changes name the variables it reads and leave out the ones only workers and the supervisor read")
    func feederChanges() throws {
        let old = try Config.parse(["DATABASE_URL": "postgres://u:secret@h/db", "SYMBOLS": "BTCUSDT"])
        let workersOnly = try Config.parse(["DATABASE_URL": "postgres://u:secret@h/db", "SYMBOLS": "BTCUSDT", "WORKERS": "3",
                                            "WS_QUEUE_BYTES": "8192", "RATE_LIMIT_RPS": "5", "SHUTDOWN_TIMEOUT": "3",
                                            "REDIS_URL": "redis://h", "CORS_ORIGINS": "https://a.example"])
        #expect(workersOnly.feederChanges(from: old).isEmpty)
        let feeder = try Config.parse(["DATABASE_URL": "postgres://u:other@h/db", "SYMBOLS": "BTCUSDT,ETHUSDT", "LOG_FILE": "/tmp/x.log"])
        let changes = feeder.feederChanges(from: old)
        #expect(changes == ["DATABASE_URL", "LOG_FILE", "SYMBOLS"])
        #expect(!changes.joined().contains("secret") && !changes.joined().contains("other"))
    }

    @Test("every variable the feeder ignores is one the configuration reads")
    func feederIgnoresKnown() {
        #expect(Config.feederIgnores.isSubset(of: Set(Config.variables)))
        #expect(Config.feederIgnores.isDisjoint(with: ["SPOT_WS_URLS", "FUTURES_WS_URLS", "LOG_LEVEL", "LOG_FILE", "HEARTBEAT_INTERVAL_MS"]))
    }
}
