import Glibc

/// A configuration value that could not be accepted: names the variable and what it takes.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let variable: String
    public let value: String
    public let accepts: String

    public var description: String { "\(variable)=\(value.isEmpty ? "(empty)" : value): expected \(accepts)" }
}

/// Where the feeder's data comes from.
public enum FeedSource: String, Sendable, Equatable {
    case replay
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
    public var feedSource: FeedSource = .replay
    public var replayFile: String = "fixtures/binance/hftbacktest/spot_btcusdt_20240808.gz"
    public var replaySpeed: Double = 1
    public var heartbeatIntervalMs: Int = 250
    public var ringMB: Int = 64
    public var shmName: String? = nil

    public static let maxWorkers = 16
    public static let maxSymbols = 64

    public init() {}

    public static var defaultWorkers: Int { max(1, min(maxWorkers, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))) }

    /// The shared-memory segment's name: `SHM_NAME`, or one per port.
    public var segmentName: String { shmName ?? "/tterminal-\(port)" }

    public var ringCapacity: Int { ringMB * 1024 * 1024 }

    /// The variables this configuration reads, with their defaults, in `env.example` order.
    public static let variables: [String] = [
        "PORT", "HOST", "WORKERS", "SYMBOLS", "DATABASE_URL", "REDIS_URL", "LOG_LEVEL", "LOG_FILE",
        "SHUTDOWN_TIMEOUT", "FEED_SOURCE", "REPLAY_FILE", "REPLAY_SPEED", "HEARTBEAT_INTERVAL_MS",
        "RING_MB", "SHM_NAME",
    ]
}
