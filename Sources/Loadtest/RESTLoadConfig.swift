/// One REST load run (`tterminal loadtest rest`): where, over how many keep-alive
/// connections, at what fixed request rate, which routes in what proportion, how long.
public struct RESTLoadConfig: Sendable, Equatable {
    /// A request path and its share of the requests.
    public struct Route: Sendable, Equatable {
        public var path: String
        public var weight: Int

        /// `PATH[:WEIGHT]`: `/api/v1/health`, `/api/v1/klines?symbol=BTCUSDT:3`. The weight is
        /// the text after the last colon when it is all digits.
        public init(parsing text: String) throws(LoadtestError) {
            var path = Substring(text)
            var weight = 1
            // `PATH:WEIGHT`. A colon in a path without a query and past its last `/` can only be
            // a weight, so one that is not a number is a mistake (`/x:abc`); a query may hold
            // colons of its own (times).
            if let colon = text.lastIndex(of: ":") {
                if let value = Int(text[text.index(after: colon)...]) {
                    path = text[..<colon]
                    weight = value
                } else if !text.contains("?") && !text[colon...].contains("/") {
                    throw LoadtestError("--route weight must be a whole number after the last ':': \(text)")
                }
            }
            guard path.hasPrefix("/"), !path.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) else {
                throw LoadtestError("--route must be a path starting with / and without spaces: \(text)")
            }
            guard weight > 0, weight <= 1_000 else { throw LoadtestError("--route weight must be 1…1000: \(text)") }
            self.path = String(path)
            self.weight = weight
        }
    }

    /// `http://127.0.0.1:8080`; only loopback addresses. A path in it is ignored (routes say).
    public private(set) var url: String
    public private(set) var host: UInt32 = 0
    public private(set) var port: UInt16 = 0
    public var connections: Int
    /// Requests per second offered, over all connections.
    public var rate: Double
    public var routes: [Route]
    public var sources: SourceAddresses
    public var warmupSeconds: Double
    public var durationSeconds: Double
    /// A request unanswered this long after its due time fails as a timeout.
    public var timeoutSeconds = 10.0

    public init(url: String, connections: Int, rate: Double, routes: [Route], sources: SourceAddresses? = nil,
                warmupSeconds: Double, durationSeconds: Double) throws(LoadtestError) {
        self.url = url
        self.connections = connections
        self.rate = rate
        self.routes = routes
        self.sources = sources ?? SourceAddresses.automatic(connections: connections)
        self.warmupSeconds = warmupSeconds
        self.durationSeconds = durationSeconds
        try setURL(url)
        try validate()
    }

    mutating func setURL(_ text: String) throws(LoadtestError) {
        guard text.hasPrefix("http://") else { throw LoadtestError("--url must start with http:// (no TLS here): \(text)") }
        let authority = text.dropFirst(7).prefix { $0 != "/" }
        let parts = authority.split(separator: ":", maxSplits: 1)
        let hostText = parts.first ?? ""
        guard let address = SourceAddresses.parse(hostText == "localhost" ? "127.0.0.1" : hostText),
              SourceAddresses.isLoopback(address) else {
            throw LoadtestError("--url host must be an address in 127.0.0.0/8: \(text)")
        }
        guard let port = parts.count == 2 ? UInt16(parts[1]) : 80, port > 0 else { throw LoadtestError("bad port in --url \(text)") }
        url = text
        host = address
        self.port = port
    }

    public func validate() throws(LoadtestError) {
        guard connections > 0, connections <= Loadtest.socketsPerProcess else {
            throw LoadtestError("--connections must be 1…\(Loadtest.socketsPerProcess)")
        }
        guard rate > 0, rate <= 5_000_000, rate.isFinite else { throw LoadtestError("--rate must be positive (at most 5,000,000)") }
        guard !routes.isEmpty else { throw LoadtestError("at least one --route") }
        guard warmupSeconds >= 0, durationSeconds > 0, durationSeconds <= 3600, timeoutSeconds > 0 else {
            throw LoadtestError("--duration must be positive (at most 3600 s), --warmup not negative, --timeout positive")
        }
    }

    /// The route of every request in order: a cycle of `sum(weights)` slots in which each
    /// route takes its weight, interleaved (smooth weighted round-robin, as nginx's upstreams).
    public var routeCycle: [Int] {
        let total = routes.reduce(0) { $0 + $1.weight }
        var current = [Int](repeating: 0, count: routes.count)
        var cycle: [Int] = []
        cycle.reserveCapacity(total)
        for _ in 0..<total {
            var best = 0
            for index in routes.indices {
                current[index] += routes[index].weight
                if current[index] > current[best] { best = index }
            }
            current[best] -= total
            cycle.append(best)
        }
        return cycle
    }

    /// The request bytes for route `index`: a keep-alive GET.
    public func request(route index: Int) -> [UInt8] {
        Array("GET \(routes[index].path) HTTP/1.1\r\nHost: \(SourceAddresses.format(host)):\(port)\r\nUser-Agent: tterminal-loadtest\r\n\r\n".utf8)
    }
}
