/// Everything `tterminal simulate` can be told (see `Simulate.swift` for the flags).
public struct SimulatorOptions: Sendable {
    public var host = "127.0.0.1"
    /// 0: an ephemeral port.
    public var spotPort = 0
    public var futuresPort = 0
    /// Serve wss/https with a self-signed certificate written into `certDirectory`.
    public var tls = false
    public var certDirectory: String?
    public var symbols = ["BTCUSDT", "ETHUSDT"]
    /// Events per second per symbol (spot and futures together) in random-walk mode.
    public var rate = 100.0
    public var replayFiles: [String] = []
    public var replaySpeed = 1.0
    public var seed: UInt64 = 1
    public var spotPingIntervalMs: Int64 = 20_000
    public var futuresPingIntervalMs: Int64 = 180_000
    public var spotPongTimeoutMs: Int64 = 60_000
    public var futuresPongTimeoutMs: Int64 = 600_000
    public var maxConnectionAgeMs: Int64 = 86_400_000
    public var spotMessageLimit = 5
    public var futuresMessageLimit = 10
    /// Trades and aggregate trades kept per venue and symbol for REST and `/sim/trades`.
    public var history = 1_000_000
    /// Minutes of past 1m candles (and every longer interval built from them) the random walk
    /// starts with, ending at the start minute; 0 for none. Not in replay mode.
    public var historyMinutes = 1_500
    /// A connection whose queued frames exceed this is closed as too slow.
    public var outboxBytes = 64 << 20
    public var readyFile: String?
    public var verbose = false

    public init() {}

    public func pingIntervalMs(_ route: StreamRoute) -> Int64 {
        route == .spot ? spotPingIntervalMs : futuresPingIntervalMs
    }

    public func pongTimeoutMs(_ route: StreamRoute) -> Int64 {
        route == .spot ? spotPongTimeoutMs : futuresPongTimeoutMs
    }

    public func messageLimit(_ route: StreamRoute) -> Int {
        route == .spot ? spotMessageLimit : futuresMessageLimit
    }

    /// `20s`, `500ms`, `3m`, `24h`, `1.5s`, or a plain number of seconds, as milliseconds.
    public static func parseDuration(_ text: String) -> Int64? {
        let units: [(String, Double)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            if suffix == "s", number.hasSuffix("m") { continue }  // "ms" was tried first
            guard let v = Double(number), v >= 0, v.isFinite else { return nil }
            return Int64(v * scale)
        }
        guard let v = Double(text), v >= 0, v.isFinite else { return nil }
        return Int64(v * 1_000)
    }
}
