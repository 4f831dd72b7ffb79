import ArgumentParser
import Loadtest
import Posix

/// `tterminal loadtest rest`: a fixed request rate over keep-alive connections, latency from
/// each request's due time (open loop, no coordinated omission).
struct LoadtestREST: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rest",
        abstract: "Send HTTP requests at a fixed rate and measure achieved rate, statuses, errors, latency and CPU.")

    @Option(help: "The server (loopback only); a path is ignored, see --route.") var url = "http://127.0.0.1:8080"
    @Option(help: "Requests per second offered, over all connections.") var rate = 1_000.0
    @Option(help: "Keep-alive connections.") var connections = 50
    @Option(help: "PATH[:WEIGHT], repeatable (default /api/v1/health).") var route: [String] = []
    @Option(name: .customLong("source-addresses"), help: "Source addresses bound round-robin, e.g. 127.0.0.1-127.0.0.4.")
    var sourceAddresses: String?
    @Option(help: "Seconds measured after the warm-up.") var duration = 10.0
    @Option(help: "Seconds of load before the window.") var warmup = 2.0
    @Option(help: "Seconds a request may take from its due time.") var timeout = 10.0
    @Option(help: "Also write the JSON report to this file.") var json: String?
    @Option(name: .customLong("server-pids"), help: "Comma-separated worker pids to measure.") var serverPids: String?
    @Option(name: .customLong("status-shm"), help: "Find the server's processes in this segment (SHM_NAME).") var statusShm: String?
    @Flag(help: "No progress lines.") var quiet = false

    func run() throws {
        var config: RESTLoadConfig
        do throws(LoadtestError) {
            let routes = try (route.isEmpty ? ["/api/v1/health"] : route).map { text throws(LoadtestError) in
                try RESTLoadConfig.Route(parsing: text)
            }
            config = try RESTLoadConfig(
                url: url, connections: connections, rate: rate, routes: routes,
                sources: try sourceAddresses.map { text throws(LoadtestError) in try SourceAddresses(parsing: text) },
                warmupSeconds: warmup, durationSeconds: duration)
            config.timeoutSeconds = timeout
            try config.validate()
            try LoadtestWS.checkWritable(json, "--json")
        } catch {
            throw ValidationError(error.description)
        }
        Signals.ignorePipe()
        let servers = try LoadtestWS.servers(pids: serverPids, statusShm: statusShm)
        let runner = try RESTRunner(config: config, servers: servers, progress: !quiet)
        runner.stopSignalFD = try LoadtestWS.stopSignals()
        let report = runner.run()
        print(report.table, terminator: "")
        print(report.json, terminator: "")
        if let json { try LoadtestWS.write(report.json, to: json) }
        for problem in report.problems { FileHandleStderr.write("loadtest: \(problem)\n") }
        if let signal = report.interruption { throw ExitCode(128 + signal.raw) }
        if !report.problems.isEmpty { throw ExitCode(1) }
    }
}
