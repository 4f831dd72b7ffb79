/// One fault of a WebSocket run (`--fault KIND[:ARG…]@TIME`), applied by the parent at TIME
/// into the measurement window:
///
/// | spec | what the parent does |
/// |---|---|
/// | `kill-worker@10s`, `kill-worker:2@10s` | KILL one running worker (the lowest slot, or slot 2) |
/// | `kill-feeder@20s` | KILL the feeder |
/// | `hup@30s` | HUP to the supervisor (workers are rolled) |
/// | `sim-drop@40s`, `sim-stall:spot@40s`, `sim-skipTrade:futures:BTCUSDT@40s` | `POST <sim-control>/fault?kind=…&venue=…[&symbol=…]` (venue default futures) |
///
/// TIME is seconds (`10`, `10s`, `2.5s`) or milliseconds (`1500ms`).
public struct FaultSpec: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case killWorker(slot: Int?)
        case killFeeder
        case hup
        /// A simulator fault: its `kind`, `venue` and optional `symbol`.
        case simulator(kind: String, venue: String, symbol: String?)
    }

    public var kind: Kind
    /// Seconds into the measurement window.
    public var atSeconds: Double
    /// The text it was parsed from.
    public var text: String

    /// The simulator's fault kinds (`POST /sim/fault?kind=`).
    /// Every kind `SimulatorServer.FaultKind` has (a test keeps the two equal).
    public static let simulatorKinds = ["drop", "stall", "malformed", "serverShutdown", "http429", "skipDepth", "skipTrade",
                                        "ws429", "unsubscribedStream"]

    public var description: String { text }

    /// Whether the fault hits the feed (every open client is affected and nobody need be
    /// disconnected) rather than the connections (only clients that lose theirs are affected).
    public var hitsFeed: Bool {
        switch kind {
        case .killWorker, .hup: false
        case .killFeeder, .simulator: true
        }
    }

    /// Whether a feed fault can reach clients subscribed with `subscription`: not when it names a
    /// venue or symbol the subscription's `market` / `symbol` is not (unknown fields: it can).
    public func reaches(subscription: String?) -> Bool {
        guard hitsFeed else { return false }
        guard case .simulator(_, let venue, let symbol) = kind, let subscription else { return true }
        if let market = Self.field("market", in: subscription), market != venue { return false }
        if let symbol, let subscribed = Self.field("symbol", in: subscription), subscribed.uppercased() != symbol { return false }
        return true
    }

    /// The string value of `"name":"value"` in a JSON object's text, nil when absent.
    static func field(_ name: String, in json: String) -> String? {
        guard let key = json.firstRange(of: "\"\(name)\"") else { return nil }
        let rest = json[key.upperBound...].drop { $0 == " " || $0 == ":" }
        guard rest.first == "\"" else { return nil }
        return String(rest.dropFirst().prefix { $0 != "\"" })
    }

    /// Whether applying it needs the server's processes (pids), or the simulator's control URL.
    public var needsServerProcesses: Bool {
        if case .simulator = kind { return false }
        return true
    }

    public init(kind: Kind, atSeconds: Double, text: String) {
        self.kind = kind
        self.atSeconds = atSeconds
        self.text = text
    }

    public init(parsing text: String) throws(LoadtestError) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else {
            throw LoadtestError("--fault '\(text)': expected KIND@TIME, e.g. kill-worker@10s, kill-feeder@20s, hup@30s, sim-drop@40s")
        }
        guard let seconds = Self.seconds(parts[1]) else {
            throw LoadtestError("--fault '\(text)': bad time '\(parts[1])' (seconds: 10, 10s, 2.5s; or 1500ms)")
        }
        self.init(kind: try Self.kind(parts[0], in: text), atSeconds: seconds, text: text)
    }

    static func kind(_ word: Substring, in text: String) throws(LoadtestError) -> Kind {
        let args = word.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch args[0] {
        case "kill-worker":
            guard args.count <= 2 else { throw LoadtestError("--fault '\(text)': kill-worker takes at most a slot") }
            guard args.count == 1 else {
                guard let slot = Int(args[1]), slot >= 0 else { throw LoadtestError("--fault '\(text)': bad worker slot '\(args[1])'") }
                return .killWorker(slot: slot)
            }
            return .killWorker(slot: nil)
        case "kill-feeder", "hup":
            guard args.count == 1 else { throw LoadtestError("--fault '\(text)': \(args[0]) takes no argument") }
            return args[0] == "hup" ? .hup : .killFeeder
        case let name where name.hasPrefix("sim-"):
            let simKind = String(name.dropFirst(4))
            guard Self.simulatorKinds.contains(simKind) else {
                throw LoadtestError("--fault '\(text)': unknown simulator fault '\(simKind)'; one of \(Self.simulatorKinds.joined(separator: ", "))")
            }
            guard args.count <= 3 else { throw LoadtestError("--fault '\(text)': sim faults take at most VENUE:SYMBOL") }
            let venue = args.count > 1 ? args[1] : "futures"
            guard venue == "spot" || venue == "futures" else { throw LoadtestError("--fault '\(text)': venue must be spot or futures") }
            let symbol = args.count > 2 ? args[2].uppercased() : nil
            guard symbol.map({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }) ?? true else {
                throw LoadtestError("--fault '\(text)': bad symbol")
            }
            if (simKind == "skipDepth" || simKind == "skipTrade") && symbol == nil {
                throw LoadtestError("--fault '\(text)': sim-\(simKind) needs a symbol (sim-\(simKind):futures:BTCUSDT@…)")
            }
            return .simulator(kind: simKind, venue: venue, symbol: symbol)
        default:
            throw LoadtestError("--fault '\(text)': unknown fault '\(args[0])'; one of kill-worker, kill-feeder, hup, sim-<kind>")
        }
    }

    /// `10`, `10s`, `2.5s` → seconds; `1500ms` → 1.5. Nil when negative or not a number.
    static func seconds(_ text: Substring) -> Double? {
        let value: Double?
        if text.hasSuffix("ms") {
            value = Double(text.dropLast(2)).map { $0 / 1000 }
        } else if text.hasSuffix("s") {
            value = Double(text.dropLast())
        } else {
            value = Double(text)
        }
        guard let value, value.isFinite, value >= 0 else { return nil }
        return value
    }

    /// The `sim/fault` query for a simulator fault, nil for the others.
    public var simulatorQuery: String? {
        guard case .simulator(let kind, let venue, let symbol) = kind else { return nil }
        return "kind=\(kind)&venue=\(venue)" + (symbol.map { "&symbol=\($0)" } ?? "")
    }
}
