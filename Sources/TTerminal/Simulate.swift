import ArgumentParser
import Glibc
import Posix
import SimulatorServer

/// `tterminal simulate`: a Binance-compatible exchange on loopback for tests, demos and
/// benchmarks (DESIGN.md §7). Prints one JSON line with its URLs when ready; TERM/INT stop it.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a Binance-compatible exchange (spot + USD-M futures streams, REST, faults) on loopback.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Spot stream port (also REST and control); 0 picks one.") var port = 0
    @Option(name: .customLong("futures-port"), help: "USD-M futures stream port (also REST and control); 0 picks one.")
    var futuresPort = 0
    @Flag(help: "Serve wss/https with a self-signed certificate (SANs localhost, 127.0.0.1).") var tls = false
    @Option(name: .customLong("cert-dir"), help: "Where --tls writes cert.pem and key.pem.") var certDir: String?
    @Option(help: "Comma-separated symbols for the random walk.") var symbols = "BTCUSDT,ETHUSDT"
    @Option(help: "Events per second per symbol (random walk; spot and futures together).") var rate = 100.0
    @Option(parsing: .upToNextOption, help: "Recorded files to replay (hftbacktest, cryptofeed, JSON lines; gzip ok).")
    var replay: [String] = []
    @Option(name: .customLong("replay-speed"), help: "Replay speed factor.") var replaySpeed = 1.0
    @Option(help: "Seed of the random walk.") var seed: UInt64 = 1
    @Option(name: .customLong("ping-interval"), help: "Server ping interval on spot (e.g. 20s).") var pingInterval = "20s"
    @Option(name: .customLong("futures-ping-interval"), help: "Server ping interval on futures.")
    var futuresPingInterval = "3m"
    @Option(name: .customLong("pong-timeout"), help: "Disconnect spot clients that leave a ping unanswered this long.")
    var pongTimeout = "60s"
    @Option(name: .customLong("futures-pong-timeout"), help: "Pong timeout on futures.") var futuresPongTimeout = "10m"
    @Option(name: .customLong("max-connection-age"), help: "Close connections after this long (Binance: 24h).")
    var maxConnectionAge = "24h"
    @Option(help: "Trades and aggregate trades kept per venue and symbol for REST and /sim/trades.")
    var history = 1_000_000
    @Option(name: .customLong("history-minutes"),
            help: ArgumentHelp("Minutes of past 1m candles (longer intervals built from them) made at start for"
                               + " klines REST; 0: none, at most 43200. Candles only: trades/aggTrades REST start"
                               + " now (default 1500). Not with --replay."))
    var historyMinutes: Int?
    @Option(name: .customLong("ready-file"), help: "Also write the ready line to this file.") var readyFile: String?
    @Flag(help: "Log every connection.") var verbose = false

    func options() throws -> SimulatorOptions {
        var o = SimulatorOptions()
        o.host = host
        o.spotPort = port
        o.futuresPort = futuresPort
        o.tls = tls
        o.certDirectory = certDir
        o.symbols = symbols.split(separator: ",").map { $0.filter { $0 != " " }.uppercased() }.filter { !$0.isEmpty }
        guard !o.symbols.isEmpty, o.symbols.allSatisfy({ $0.utf8.count <= 16 }) else {
            throw ValidationError("--symbols needs 1 or more names of at most 16 characters")
        }
        guard rate > 0, rate.isFinite else { throw ValidationError("--rate must be positive") }
        o.rate = rate
        o.replayFiles = replay
        guard replaySpeed > 0, replaySpeed.isFinite else { throw ValidationError("--replay-speed must be positive") }
        o.replaySpeed = replaySpeed
        o.seed = seed
        o.spotPingIntervalMs = try duration(pingInterval, "--ping-interval")
        o.futuresPingIntervalMs = try duration(futuresPingInterval, "--futures-ping-interval")
        o.spotPongTimeoutMs = try duration(pongTimeout, "--pong-timeout")
        o.futuresPongTimeoutMs = try duration(futuresPongTimeout, "--futures-pong-timeout")
        o.maxConnectionAgeMs = try duration(maxConnectionAge, "--max-connection-age")
        guard history > 0 else { throw ValidationError("--history must be positive") }
        o.history = history
        if historyMinutes != nil && !replay.isEmpty {
            throw ValidationError("--history-minutes does not go with --replay: a replay's candles come from its recording")
        }
        guard (0...43_200).contains(historyMinutes ?? 1_500) else {
            throw ValidationError("--history-minutes must be 0…43200 (30 days)")
        }
        o.historyMinutes = historyMinutes ?? 1_500
        o.readyFile = readyFile
        o.verbose = verbose
        return o
    }

    func duration(_ text: String, _ flag: String) throws -> Int64 {
        guard let ms = SimulatorOptions.parseDuration(text), ms > 0 else {
            throw ValidationError("\(flag): '\(text)' is not a duration such as 500ms, 20s, 3m or 24h")
        }
        return ms
    }

    func run() throws {
        let opts = try options()
        Signals.block([.term, .int, .hup])
        Signals.ignorePipe()
        SimLog.setLevel(verbose ? .debug : .info)
        let exchange: SimulatedExchange
        let signalFD: Int32
        do {
            signalFD = try Signals.signalFD([.term, .int, .hup])
            exchange = try SimulatedExchange(options: opts)
            try exchange.start()
        } catch {
            FileHandleStderr.write("tterminal simulate: \(error)\n")
            Glibc.exit(2)
        }
        let line = exchange.readyLine + "\n"
        // The file first: a reader of standard output may then rely on it being there.
        if let path = opts.readyFile { writeReadyFile(path, line) }
        try? FD.writeAll(1, line)
        while true {
            _ = EventFD.wait(signalFD, timeoutMillis: -1)
            let signals = Signals.readPending(signalFD)
            if signals.contains(where: { $0 == .term || $0 == .int }) { break }
        }
        exchange.stop(timeoutMs: 5_000)
        Glibc.exit(0)
    }

    /// Written to a temporary name and renamed, so a watcher never reads half a line.
    func writeReadyFile(_ path: String, _ line: String) {
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return FileHandleStderr.write("tterminal simulate: cannot write \(path)\n") }
        try? FD.writeAll(fd, line)
        close(fd)
        rename(tmp, path)
    }
}
