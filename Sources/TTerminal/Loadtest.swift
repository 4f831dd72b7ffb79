import ArgumentParser
import Glibc
import Loadtest
import Market
import Posix
import ShmRing
import Supervisor

/// `tterminal loadtest`: the load-test harness (DESIGN.md §7). Argument parsing only; the
/// harness is the `Loadtest` module.
struct LoadtestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest", abstract: "Load a running server and measure it.", subcommands: [LoadtestWS.self, LoadtestREST.self])
}

/// `tterminal loadtest ws`: many WebSocket clients, latency from the feeder's receive time.
struct LoadtestWS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ws",
        abstract: "Open WebSocket connections, subscribe, and measure connects, deliveries, latency, gaps and CPU.")

    @Option(help: "The WebSocket URL (loopback only).") var url = "ws://127.0.0.1:8080/api/v1/websocket/connect"
    @Option(help: "Connections to open.") var connections = 1_000
    @Option(name: .customLong("arrival-rate"), help: "New connections per second (all processes together).")
    var arrivalRate = 2_000.0
    @Option(help: "Client processes (default: enough for at most 15,000 sockets each).") var processes: Int?
    @Option(name: .customLong("source-addresses"),
            help: "Source addresses bound round-robin, e.g. 127.0.0.1-127.0.0.40 (default: one per 4,000 connections from 127.0.0.1).")
    var sourceAddresses: String?
    @Option(name: .customLong("subscribe"), parsing: .singleValue,
            help: "Text frame every client sends after `connected` (once; a channel mix goes in its channels; default: futures BTCUSDT trades).")
    var subscriptions: [String] = []
    static let defaultSubscription = #"{"type":"subscribe","symbol":"BTCUSDT","market":"futures"}"#
    @Flag(help: "Connect and subscribe to nothing (memory per idle connection).") var idle = false
    @Option(help: "Seconds measured after the ramp and the warm-up.") var duration = 10.0
    @Option(help: "Seconds between the end of the ramp and the window.") var warmup = 2.0
    @Option(name: .customLong("connect-timeout"), help: "Seconds a connection may take to upgrade.") var connectTimeout = 10.0
    @Option(help: "Also write the JSON report to this file.") var json: String?
    @Option(help: "Also write an HTML report (latency distribution, deliveries over time) to this file.") var html: String?
    @Option(name: .customLong("server-pids"), help: "Comma-separated worker pids to measure.") var serverPids: String?
    @Option(name: .customLong("status-shm"), help: "Find the server's processes in this segment (SHM_NAME).") var statusShm: String?
    @Option(name: .customLong("expect-rate"), help: "Trades per second offered to each client.") var expectRate: Double?
    @Flag(name: .customLong("require-all-delivered"), help: "Fail on any missing or duplicated trade id.")
    var requireAllDelivered = false
    @Option(name: .customLong("allowed-failures"), help: "Connections that may fail without failing the run.")
    var allowedFailures = 0
    @Option(name: .customLong("read-interval-ms"),
            help: "Least time between two rounds of reads in a client process, 0…100 (coalesces reads; adds up to this much latency).")
    var readIntervalMs = 0.0
    @Option(name: .customLong("receive-time"),
            help: "When a message counts as received: arrival (the kernel's stamp when its bytes reached the socket) or read (when the client read them).")
    var receiveTime = "arrival"
    @Flag(name: .customLong("busy-poll"),
          help: "Client processes poll without sleeping (each keeps a core busy): the server's sends then pay no wake-ups of the harness.")
    var busyPoll = false
    @Flag(help: "No progress lines.") var quiet = false
    @Option(name: .customLong("fault"), parsing: .singleValue,
            help: "A fault at a time into the window (repeatable): kill-worker[:SLOT]@10s, kill-feeder@20s, hup@30s, sim-drop[:VENUE[:SYMBOL]]@40s (any simulator fault kind).")
    var faults: [String] = []
    @Flag(help: "Clients reconnect after a lost connection and resume their subscription (on with --fault).")
    var reconnect = false
    @Option(name: .customLong("sim-control"), help: "The simulator's control URL for sim-* faults (http://127.0.0.1:PORT/sim).")
    var simControl: String?
    @Option(name: .customLong("supervisor-pid"), help: "The supervisor to send hup faults to (default: from --status-shm).")
    var supervisorPid: Int32?

    func run() throws {
        var config: WSLoadConfig
        do throws(LoadtestError) {
            try checkOptions()
            let subscribe = subscriptions.first ?? Self.defaultSubscription
            if !idle, case .failure(let error) = JSONReader.parse(Array(subscribe.utf8)) {
                throw LoadtestError("--subscribe is not JSON: \(error.message)")
            }
            config = try WSLoadConfig(
                url: url, connections: connections, arrivalRate: arrivalRate, processes: processes,
                sources: try sourceAddresses.map { text throws(LoadtestError) in try SourceAddresses(parsing: text) },
                subscribe: idle ? nil : subscribe, warmupSeconds: warmup, durationSeconds: duration)
            config.connectTimeoutSeconds = connectTimeout
            config.expectRate = expectRate
            config.requireAllDelivered = requireAllDelivered
            config.allowedFailures = allowedFailures
            config.readIntervalSeconds = readIntervalMs / 1000
            guard let time = ReceiveTime(rawValue: receiveTime) else {
                throw LoadtestError("--receive-time must be one of \(ReceiveTime.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            config.receiveTime = time
            config.busyPoll = busyPoll
            config.faults = try faults.map { text throws(LoadtestError) in try FaultSpec(parsing: text) }
            config.reconnect = reconnect || !faults.isEmpty
            config.simulatorControl = simControl
            try config.validate()
            try checkFaultTargets(config.faults)
        } catch {
            throw ValidationError(error.description)
        }
        Signals.ignorePipe()
        let stop = try Self.stopSignals()
        let coordinator = WSCoordinator(config: config, servers: try servers(), progress: !quiet, faultServers: faultServers())
        coordinator.stopSignalFD = stop
        let report = try coordinator.run()
        print(report.table, terminator: "")
        print(report.json, terminator: "")
        if let json { try Self.write(report.json, to: json) }
        if let html { try Self.write(report.html, to: html) }
        for problem in report.problems { FileHandleStderr.write("loadtest: \(problem)\n") }
        if let signal = report.interruption { throw ExitCode(128 + signal.raw) }
        if !report.problems.isEmpty { throw ExitCode(1) }
    }

    /// INT and TERM blocked and read from a signalfd, so that Ctrl-C or `timeout` ends a run
    /// with a report of what it measured (exit 128 + the signal) instead of killing it.
    static func stopSignals() throws -> Int32 {
        Signals.block([.int, .term])
        return try Signals.signalFD([.int, .term])
    }

    static func write(_ text: String, to path: String) throws {
        let fd = try sys("open(\(path))") { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        defer { FD.close(fd) }
        try FD.writeAll(fd, text)
    }

    func servers() throws -> [ServerProcess] { try Self.servers(pids: serverPids, statusShm: statusShm) }

    /// Options that contradict each other or are out of range, refused before anything starts.
    func checkOptions() throws(LoadtestError) {
        if subscriptions.count > 1 {
            throw LoadtestError("--subscribe given \(subscriptions.count) times: every client sends the one subscription"
                + " (put a channel mix in its \"channels\")")
        }
        if idle && !subscriptions.isEmpty { throw LoadtestError("--idle subscribes to nothing: drop --subscribe or --idle") }
        guard allowedFailures >= 0 else { throw LoadtestError("--allowed-failures must not be negative") }
        if let expectRate { guard expectRate >= 0, expectRate.isFinite else { throw LoadtestError("--expect-rate must not be negative") } }
        try Self.checkWritable(json, "--json")
        try Self.checkWritable(html, "--html")
    }

    /// A report file must be writable before the run, not found unwritable after it.
    static func checkWritable(_ path: String?, _ option: String) throws(LoadtestError) {
        guard let path else { return }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        if access(path, F_OK) == 0 {
            guard access(path, W_OK) == 0 else { throw LoadtestError("\(option) \(path): not writable") }
        } else {
            guard access(directory, W_OK | X_OK) == 0 else {
                throw LoadtestError("\(option) \(path): cannot create it (\(String(cString: strerror(errno))) for \(directory))")
            }
        }
    }

    /// Faults on the server's processes need a way to find them when they strike.
    func checkFaultTargets(_ specs: [FaultSpec]) throws(LoadtestError) {
        for spec in specs where spec.needsServerProcesses && statusShm == nil {
            if case .hup = spec.kind, supervisorPid != nil { continue }
            throw LoadtestError("--fault \(spec) needs --status-shm (the server's SHM_NAME)\(spec.kind == .hup ? " or --supervisor-pid" : "")")
        }
    }

    /// The server's processes at the moment a fault strikes (restarts change pids): read again
    /// from the segment each time; `--supervisor-pid` names the supervisor.
    func faultServers() -> () -> [ServerProcess] {
        let shm = statusShm
        let supervisor = supervisorPid
        return {
            var list = (try? Self.servers(pids: nil, statusShm: shm)) ?? []
            if let supervisor {
                list.removeAll { $0.role == .supervisor }
                list.append(ServerProcess(pid: supervisor, role: .supervisor))
            }
            return list
        }
    }

    /// The processes to measure: `--server-pids` (workers), or every child of the segment
    /// `--status-shm` names plus its supervisor (shared with `loadtest rest`).
    static func servers(pids serverPids: String?, statusShm: String?) throws -> [ServerProcess] {
        if let serverPids {
            return try serverPids.split(separator: ",").map { text in
                guard let pid = Int32(text), pid > 0 else { throw ValidationError("--server-pids: bad pid '\(text)'") }
                // A pid that names no process would read as 0 s of server CPU.
                guard kill(pid, 0) == 0 || errno == EPERM else { throw ValidationError("--server-pids: no process \(pid)") }
                return ServerProcess(pid: pid, role: .worker)
            }
        }
        guard let statusShm else { return [] }
        let segment: Segment
        do {
            segment = try Segment.open(name: statusShm)
        } catch {
            throw ValidationError("--status-shm: no running server on segment \(statusShm): \(error)")
        }
        let status = StatusReport(segment: segment)
        var list = [ServerProcess(pid: status.supervisorPid, role: .supervisor)]
        for child in status.children where child.state == .running && child.pid > 0 {
            list.append(ServerProcess(pid: child.pid, role: child.kind == .worker ? .worker : .feeder, slot: child.slot))
        }
        return list
    }
}

/// A client process of `loadtest ws`, started by the parent with its pipes at fixed numbers.
struct LoadtestClientRole: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: Loadtest.childRole, abstract: "(internal) A load-test client process.", shouldDisplay: false)

    @Option var index: Int
    @Option var parent: Int32
    @Argument var settings: [String] = []

    func run() throws {
        Signals.ignorePipe()
        // Never outlive the parent: its TERM ends this process, and the kernel closes the sockets.
        guard Signals.followParent(parent, with: .term) else { Glibc.exit(1) }
        let client: WSClientProcess
        do {
            client = try WSClientProcess(config: try WSLoadConfig(arguments: settings), processIndex: index)
        } catch {
            FileHandleStderr.write("loadtest client \(index): \(error)\n")
            Glibc.exit(2)
        }
        Glibc.exit(client.run())
    }
}
