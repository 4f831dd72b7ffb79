import Glibc
import Market

/// A configuration value that could not be accepted: names the variable and what it takes.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let variable: String
    public let value: String
    public let accepts: String

    public var description: String { "\(variable)=\(value.isEmpty ? "(empty)" : value): expected \(accepts)" }
}

/// Where the feeder's data comes from. `binance` and `simulator` run the same live code path
/// (WebSocket streams plus REST); `simulator` only changes what health and status call the source.
/// `replay` publishes a recorded file's trades without any network.
public enum FeedSource: String, Sendable, Equatable, CaseIterable {
    case binance, simulator, replay
}

/// The server's configuration, from the environment and an optional `.env` file
/// (the environment wins). Children receive the supervisor's resolved values as their
/// environment, so a reload that re-reads `.env` reaches new children.
public struct Config: Sendable, Equatable {
    public var port: UInt16 = 8080
    public var host: String = "0.0.0.0"
    public var workers: Int = Config.defaultWorkers
    public var symbols: [String] = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "ADAUSDT", "SOLUSDT"]
    public var databaseURL: String? = nil
    public var redisURL: String? = nil
    public var logLevel: LogLevel = .info
    public var logFile: String? = nil
    public var shutdownTimeoutSeconds: Double = 10
    public var feedSource: FeedSource = .binance
    /// Kline intervals served and subscribed (`INTERVALS`).
    public var intervals: [KlineInterval] = [.m1, .m5, .m15, .h1, .h4, .d1]
    /// Endpoint lists, tried in order on failover (`SPOT_WS_URLS`, …).
    public var spotStreamURLs: [String] = ["wss://stream.binance.com:9443", "wss://stream.binance.com:443",
                                           "wss://data-stream.binance.vision"]
    public var futuresStreamURLs: [String] = ["wss://fstream.binance.com"]
    /// Futures streams on the routed paths `/public` and `/market` (Binance since 2026-04); off
    /// only for a Binance-compatible server without them (`FUTURES_ROUTED`).
    public var futuresRouted = true
    public var spotRESTURLs: [String] = ["https://api.binance.com", "https://data-api.binance.vision"]
    public var futuresRESTURLs: [String] = ["https://fapi.binance.com"]
    /// Extra trusted certificates (PEM), e.g. the simulator's self-signed one (`TLS_TRUST_FILE`).
    public var tlsTrustFile: String? = nil
    /// A connection with no data of a stream it subscribed to for this long is stalled (`FEED_STALL_MS`).
    public var feedStallMs: Int = 10_000
    /// A connection is replaced (make-before-break) after this age, before Binance's 24 h cut.
    public var feedMaxConnectionAgeSeconds: Int = 23 * 3600 + 30 * 60
    /// Streams per connection; more are split over several connections (Binance allows 1024).
    public var feedStreamsPerConnection: Int = 1024
    /// Connections one worker takes (`WS_MAX_CONNECTIONS`); past it, 503.
    public var wsMaxConnections: Int = 10_000
    /// Connections one worker takes from one client address (`MAX_CONNECTIONS_PER_ADDRESS`).
    public var maxConnectionsPerAddress: Int = 5_000
    /// A WebSocket client's queue bound in bytes (`WS_QUEUE_BYTES`).
    public var wsQueueBytes: Int = 256 << 10
    /// The largest message on the echo route (`WS_ECHO_MAX_BYTES`), a diagnostic route: as
    /// small as the terminal's by default; the Autobahn run raises it to 16 MiB.
    public var wsEchoMaxBytes: Int = 64 << 10
    /// Sends a worker starts in one loop turn at most (`WS_SENDS_PER_TURN`); between two parts
    /// of a larger fan-out it reads the ring again.
    public var wsSendsPerTurn: Int = 128
    /// A worker with at least `wsCoalesceMinClients` terminal clients waits this long after a
    /// wake-up so that ticks of one burst leave in one send per connection (`WS_COALESCE_US`,
    /// 0 off; `WS_COALESCE_MIN_CLIENTS`).
    public var wsCoalesceMicros: Int = 150
    public var wsCoalesceMinClients: Int = 256
    /// A worker holding this many connections more than the least loaded other worker leaves
    /// new ones to the others (`ACCEPT_LEAD`).
    public var acceptLead: Int = 4
    /// `WS_SLOW_CLIENT=close`: a client past its bound is closed, not sent a gap notice.
    public var wsSlowClientClose = false
    /// At most this many messages replayed to a resuming client (`WS_REPLAY_MAX`).
    public var wsReplayMax: Int = 10_000
    /// Origins the REST API answers with CORS headers (`CORS_ORIGINS`, comma-separated; `*` any).
    public var corsOrigins: [String] = ["*"]
    /// Requests per second per client address and worker (`RATE_LIMIT_RPS`; 0 turns it off).
    public var rateLimitPerSecond: Double = 50
    /// Requests a quiet client may make at once (`RATE_LIMIT_BURST`).
    public var rateLimitBurst: Int = 100
    /// Client messages per second one terminal WebSocket connection may send
    /// (`WS_RATE_LIMIT_MPS`; 0 turns the limit off). A subscribe or getStats weighs more
    /// (`MessageWeight` in the worker). The terminal sends a ping every 30 s and a subscribe on a
    /// symbol change: far below.
    public var wsMessageRate: Double = 20
    /// Message weight a quiet connection may spend at once (`WS_RATE_LIMIT_BURST`).
    public var wsMessageBurst: Int = 50
    /// A connection refused messages with no quiet second between refusals for this long is
    /// closed with 1008 (`WS_RATE_LIMIT_CLOSE_AFTER`, seconds; 0: never closed).
    public var wsRateLimitCloseSeconds: Int = 5
    /// Rows the feeder's storage buffer holds while PostgreSQL is slow or away; past it the
    /// oldest are dropped and counted (`PERSIST_BUFFER_ROWS`).
    public var persistBufferRows: Int = 1_000_000
    /// Seconds between the binned book snapshots stored for the heatmap; 0: none (`BOOK_SNAPSHOT_SECONDS`).
    public var bookSnapshotSeconds: Int = 10
    public var replayFile: String = "fixtures/binance/hftbacktest/spot_btcusdt_20240808.gz"
    public var replaySpeed: Double = 1
    public var heartbeatIntervalMs: Int = 1000
    public var ringMB: Int = 64
    public var shmName: String? = nil

    public static let maxWorkers = 16
    public static let maxSymbols = 64

    public init() {}

    public static var defaultWorkers: Int { max(1, min(maxWorkers, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))) }

    /// The shared-memory segment's name: `SHM_NAME`, or one per port.
    public var segmentName: String { shmName ?? "/tterminal-\(port)" }

    /// The abstract Unix socket the feeder answers workers' requests on (`LocalRequests`):
    /// collection control and symbols added at run time. One per segment.
    public var feederRequestsName: String { "tterminal.feeder" + segmentName }

    public var ringCapacity: Int { ringMB * 1024 * 1024 }

    /// The variables this configuration reads, with their defaults, in `env.example` order.
    public static let variables: [String] = [
        "PORT", "HOST", "WORKERS", "SYMBOLS", "DATABASE_URL", "REDIS_URL", "LOG_LEVEL", "LOG_FILE",
        "SHUTDOWN_TIMEOUT", "FEED_SOURCE", "REPLAY_FILE", "REPLAY_SPEED", "HEARTBEAT_INTERVAL_MS",
        "RING_MB", "SHM_NAME", "INTERVALS", "SPOT_WS_URLS", "FUTURES_WS_URLS", "SPOT_REST_URLS",
        "FUTURES_REST_URLS", "TLS_TRUST_FILE", "FEED_STALL_MS", "FEED_MAX_CONNECTION_AGE",
        "FEED_STREAMS_PER_CONNECTION", "FUTURES_ROUTED", "WS_MAX_CONNECTIONS", "MAX_CONNECTIONS_PER_ADDRESS",
        "WS_QUEUE_BYTES", "WS_ECHO_MAX_BYTES", "WS_SENDS_PER_TURN", "WS_COALESCE_US", "WS_COALESCE_MIN_CLIENTS", "ACCEPT_LEAD", "WS_SLOW_CLIENT", "WS_REPLAY_MAX", "CORS_ORIGINS", "RATE_LIMIT_RPS", "RATE_LIMIT_BURST",
        "WS_RATE_LIMIT_MPS", "WS_RATE_LIMIT_BURST", "WS_RATE_LIMIT_CLOSE_AFTER",
        "PERSIST_BUFFER_ROWS", "BOOK_SNAPSHOT_SECONDS",
    ]

    /// The variables the feeder never reads (workers and the supervisor do): a reload that
    /// changes only these leaves the feeder running. Every other one it reads, its logger included.
    public static let feederIgnores: Set<String> = [
        "WORKERS", "SHUTDOWN_TIMEOUT", "REDIS_URL", "WS_MAX_CONNECTIONS", "MAX_CONNECTIONS_PER_ADDRESS",
        "WS_QUEUE_BYTES", "WS_ECHO_MAX_BYTES", "WS_SENDS_PER_TURN", "WS_COALESCE_US", "WS_COALESCE_MIN_CLIENTS", "ACCEPT_LEAD", "WS_SLOW_CLIENT",
        "WS_REPLAY_MAX", "CORS_ORIGINS", "RATE_LIMIT_RPS", "RATE_LIMIT_BURST", "WS_RATE_LIMIT_MPS",
        "WS_RATE_LIMIT_BURST", "WS_RATE_LIMIT_CLOSE_AFTER",
    ]

    /// The variables workers never read (only the feeder does): going back from a
    /// configuration that differs from the running one only in these leaves the workers running.
    public static let workerIgnores: Set<String> = [
        "FEED_SOURCE", "REPLAY_FILE", "REPLAY_SPEED", "SPOT_WS_URLS", "FUTURES_WS_URLS", "SPOT_REST_URLS",
        "FUTURES_REST_URLS", "TLS_TRUST_FILE", "FEED_STALL_MS", "FEED_MAX_CONNECTION_AGE",
        "FEED_STREAMS_PER_CONNECTION", "FUTURES_ROUTED", "PERSIST_BUFFER_ROWS", "BOOK_SNAPSHOT_SECONDS",
    ]

    /// The feeder's variables that differ between `old` and this configuration, sorted: names
    /// only, since values such as `DATABASE_URL`'s password must not reach a log.
    public func feederChanges(from old: Config) -> [String] {
        changes(from: old, ignoring: Config.feederIgnores)
    }

    /// The workers' variables that differ between `old` and this configuration, sorted (names only).
    public func workerChanges(from old: Config) -> [String] {
        changes(from: old, ignoring: Config.workerIgnores)
    }

    private func changes(from old: Config, ignoring ignored: Set<String>) -> [String] {
        let (before, after) = (old.environment, environment)
        return Set(before.keys).union(after.keys).subtracting(ignored)
            .filter { before[$0] != after[$0] }.sorted()
    }
}
