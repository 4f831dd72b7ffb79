import Posix

/// The moment a client counts a message as received.
public enum ReceiveTime: String, Sendable, CaseIterable {
    /// When its bytes reached the client's socket: the kernel's stamp (`SO_TIMESTAMPNS`) of the
    /// newest segment a read took, so never earlier than the message's own arrival. The
    /// harness's own delay in reading is left out (and reported apart as the read delay).
    case arrival
    /// When the client process read it (`recv` returned): includes the harness's scheduling.
    case read
}

/// One WebSocket load run: where, how many, how fast, what each client sends, how long to
/// measure. The parent hands it to each child as `key=value` arguments.
public struct WSLoadConfig: Sendable, Equatable {
    /// `ws://127.0.0.1:8080/api/v1/websocket/connect`; only loopback addresses.
    public private(set) var url: String
    /// The server's address (host byte order), port and request path, from `url`.
    public private(set) var host: UInt32 = 0
    public private(set) var port: UInt16 = 0
    public private(set) var path: String = "/"
    public var connections: Int
    /// New connections per second, over all processes.
    public var arrivalRate: Double
    public var processes: Int
    public var sources: SourceAddresses
    /// Sent as a text frame once the server said `connected`; nil: the client stays idle.
    public var subscribe: String?
    public var warmupSeconds: Double
    public var durationSeconds: Double
    /// A connection not upgraded this long after its connect started has timed out.
    public var connectTimeoutSeconds: Double = 10
    /// Trades per second each subscribed client is offered, for "delivered / offered".
    public var expectRate: Double?
    /// Any missing or duplicated trade id fails the run.
    public var requireAllDelivered = false
    /// Connections allowed to fail (or be dropped) before the run counts as failed.
    public var allowedFailures = 0
    /// Each client process waits at least this long between two rounds of reads, so a busy
    /// connection is read less often in bigger pieces (0: read as soon as data arrives).
    public var readIntervalSeconds = 0.0
    /// Which moment a message counts as received at (the end of its latency).
    public var receiveTime = ReceiveTime.arrival
    /// Client processes poll epoll without sleeping: a reader that never sleeps costs the
    /// server's sends no wake-ups (on loopback the sender pays the reader's wake-up), the way a
    /// client on another host would not; each process then keeps a core busy.
    public var busyPoll = false
    /// A client whose connection closes or fails connects again after a backoff and resumes
    /// its subscription (on with any fault).
    public var reconnect = false
    /// Faults the parent applies during the window, in time order.
    public var faults: [FaultSpec] = [] {
        didSet { faults.sort { $0.atSeconds < $1.atSeconds } }
    }
    /// The simulator's control URL (`http://127.0.0.1:PORT/sim`), for `sim-*` faults.
    public var simulatorControl: String?

    /// Whether a reconnect can resume: the subscription names channels (README "Channels
    /// with recovery"); a plain subscribe is only sent again.
    public var resumable: Bool { subscribe?.contains(#""channels""#) ?? false }

    public init(url: String, connections: Int, arrivalRate: Double, processes: Int? = nil, sources: SourceAddresses? = nil,
                subscribe: String?, warmupSeconds: Double, durationSeconds: Double) throws(LoadtestError) {
        self.url = url
        self.connections = connections
        self.arrivalRate = arrivalRate
        self.processes = processes ?? Self.defaultProcesses(connections: connections)
        self.sources = sources ?? SourceAddresses.automatic(connections: connections)
        self.subscribe = subscribe
        self.warmupSeconds = warmupSeconds
        self.durationSeconds = durationSeconds
        try setURL(url)
        try validate()
    }

    /// Enough processes that none holds more than `Loadtest.socketsPerProcess` sockets.
    public static func defaultProcesses(connections: Int) -> Int {
        max(1, (connections + Loadtest.socketsPerProcess - 1) / Loadtest.socketsPerProcess)
    }

    mutating func setURL(_ text: String) throws(LoadtestError) {
        guard text.hasPrefix("ws://") else { throw LoadtestError("--url must start with ws:// (no TLS here): \(text)") }
        let rest = text.dropFirst(5)
        let authority = rest.prefix { $0 != "/" }
        let hostText = authority.split(separator: ":", maxSplits: 1).first ?? ""
        let portText = authority.split(separator: ":", maxSplits: 1).dropFirst().first
        guard let address = SourceAddresses.parse(hostText == "localhost" ? "127.0.0.1" : hostText),
              SourceAddresses.isLoopback(address) else {
            throw LoadtestError("--url host must be an address in 127.0.0.0/8: \(text)")
        }
        guard let port = portText.map({ UInt16($0) }) ?? 80, port > 0 else { throw LoadtestError("bad port in --url \(text)") }
        url = text
        host = address
        self.port = port
        let pathPart = rest.dropFirst(authority.count)
        path = pathPart.isEmpty ? "/" : String(pathPart)
    }

    public func validate() throws(LoadtestError) {
        guard connections > 0 else { throw LoadtestError("--connections must be positive") }
        guard arrivalRate > 0, arrivalRate.isFinite else { throw LoadtestError("--arrival-rate must be positive") }
        guard processes >= 1, processes <= 64, processes <= connections else {
            throw LoadtestError("--processes must be 1…64 and at most --connections")
        }
        guard (connections + processes - 1) / processes <= Loadtest.socketsPerProcess else {
            throw LoadtestError("\(connections) connections over \(processes) processes is more than \(Loadtest.socketsPerProcess) sockets each: use --processes \(Self.defaultProcesses(connections: connections))")
        }
        // One source address reaches the server through at most the local port range's ports.
        let ports = Self.localPorts()
        let perAddress = (connections + sources.addresses.count - 1) / sources.addresses.count
        guard perAddress <= ports else {
            throw LoadtestError("\(connections) connections from \(sources.addresses.count) source addresses is \(perAddress) each, more than the \(ports) local ports an address has (net.ipv4.ip_local_port_range): give at least \((connections + ports - 1) / ports) addresses, e.g. --source-addresses 127.0.0.1-127.0.0.\(min(254, (connections + ports - 1) / ports))")
        }
        guard warmupSeconds >= 0, durationSeconds > 0, durationSeconds <= 3600, connectTimeoutSeconds > 0 else {
            throw LoadtestError("--duration must be positive (at most 3600 s), --warmup and --connect-timeout not negative")
        }
        guard readIntervalSeconds >= 0, readIntervalSeconds <= 0.1 else {
            // Longer pauses let the sockets back up: the run then measures the harness.
            throw LoadtestError("--read-interval-ms must be 0…100")
        }
        for fault in faults where fault.atSeconds >= durationSeconds {
            throw LoadtestError("--fault \(fault) is at or after the end of the \(durationSeconds) s window (times count from its start)")
        }
        if faults.contains(where: { !$0.needsServerProcesses }) {
            guard let control = simulatorControl else { throw LoadtestError("sim-* faults need --sim-control http://127.0.0.1:PORT/sim") }
            _ = try HTTPTarget(url: control)
        }
    }

    /// The size of the kernel's local port range (28,232 when it cannot be read).
    static func localPorts() -> Int {
        guard let text = readTextFile("/proc/sys/net/ipv4/ip_local_port_range") else { return 28_232 }
        let bounds = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
        return bounds.count == 2 && bounds[1] >= bounds[0] ? bounds[1] - bounds[0] + 1 : 28_232
    }

    /// How many connections process `index` opens, and at what rate.
    public func share(ofProcess index: Int) -> (connections: Int, arrivalRate: Double) {
        let count = connections / processes + (index < connections % processes ? 1 : 0)
        return (count, arrivalRate / Double(processes))
    }

    /// The whole run's index of connection `local` of process `index` (interleaved, so every
    /// process spreads over every source address).
    @inline(__always)
    public func globalIndex(process index: Int, local: Int) -> Int { index + local * processes }

    /// The ramp, if every connection starts on time.
    public var rampSeconds: Double { Double(connections) / arrivalRate }
}

extension WSLoadConfig {
    /// The configuration as `key=value` arguments for a child process.
    public var arguments: [String] {
        var list = ["url=\(url)", "connections=\(connections)", "rate=\(arrivalRate)", "processes=\(processes)",
                    "sources=\(sources)", "warmup=\(warmupSeconds)", "duration=\(durationSeconds)",
                    "connect-timeout=\(connectTimeoutSeconds)", "read-interval=\(readIntervalSeconds)",
                    "receive-time=\(receiveTime.rawValue)"]
        if let subscribe { list.append("subscribe=\(subscribe)") }
        if let expectRate { list.append("expect-rate=\(expectRate)") }
        if reconnect { list.append("reconnect=1") }
        if busyPoll { list.append("busy-poll=1") }
        return list
    }

    /// Reads what `arguments` wrote.
    public init(arguments: [String]) throws(LoadtestError) {
        var values: [String: String] = [:]
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "=") else { throw LoadtestError("bad child argument '\(argument)'") }
            values[String(argument[..<equals])] = String(argument[argument.index(after: equals)...])
        }
        func number(_ key: String) throws(LoadtestError) -> Double {
            guard let text = values[key], let value = Double(text) else { throw LoadtestError("child argument \(key) missing") }
            return value
        }
        guard let url = values["url"], let sourceText = values["sources"] else { throw LoadtestError("child arguments incomplete") }
        try self.init(url: url, connections: Int(try number("connections")), arrivalRate: try number("rate"),
                      processes: Int(try number("processes")), sources: try SourceAddresses(parsing: sourceText),
                      subscribe: values["subscribe"], warmupSeconds: try number("warmup"), durationSeconds: try number("duration"))
        connectTimeoutSeconds = try number("connect-timeout")
        readIntervalSeconds = try number("read-interval")
        receiveTime = values["receive-time"].flatMap(ReceiveTime.init(rawValue:)) ?? .arrival
        expectRate = values["expect-rate"].flatMap { Double($0) }
        reconnect = values["reconnect"] == "1"
        busyPoll = values["busy-poll"] == "1"
    }
}
