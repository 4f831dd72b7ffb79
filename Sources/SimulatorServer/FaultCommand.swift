import Simulator

/// The faults `POST /sim/fault` injects (DESIGN.md §7).
public enum FaultKind: String, Sendable, CaseIterable {
    /// Reset the venue's connections (TCP RST, no close frame).
    case drop
    /// Send no data and no pings for `durationMs`, keeping the socket open.
    case stall
    /// Send `count` junk frames: bad JSON, truncated JSON, a binary frame, invalid numbers.
    case malformed
    /// Send Binance's `serverShutdown` event, close `durationMs` later.
    case serverShutdown
    /// The next `count` REST requests get 429 with Retry-After (`durationMs`); requests during
    /// that ban after the 429s get 418.
    case http429
    /// The next depth diff skips `count` update ids.
    case skipDepth
    /// The next `count` trades (and their aggregate trades) are not streamed, but exist in REST
    /// `trades`/`aggTrades`, as when a frame is lost on the way.
    case skipTrade
    /// The next `count` WebSocket upgrades get 429 with Retry-After (`durationMs`); upgrades
    /// during that ban after the 429s get 418 (Binance bans an address that keeps connecting).
    case ws429
    /// For `durationMs` the connections get none of what they subscribed to, but every 100 ms a
    /// well-formed frame of a stream they did not subscribe to (pings go on).
    case unsubscribedStream

    /// Whether the fault applies to one symbol's data rather than to connections or REST.
    public var needsSymbol: Bool { self == .skipDepth || self == .skipTrade }
}

/// A parsed fault request.
public struct FaultCommand: Sendable, Equatable {
    public var kind: FaultKind
    public var venue: Venue
    /// Upper case; for connection faults, nil means every connection of the venue.
    public var symbol: String?
    public var durationMs: Int64
    public var count: Int

    public init(kind: FaultKind, venue: Venue, symbol: String? = nil, durationMs: Int64? = nil, count: Int? = nil) {
        self.kind = kind
        self.venue = venue
        self.symbol = symbol
        self.durationMs = durationMs ?? Self.defaultDuration(kind)
        self.count = count ?? Self.defaultCount(kind)
    }

    static func defaultDuration(_ k: FaultKind) -> Int64 {
        switch k {
        case .stall: 5_000
        case .serverShutdown: 3_000
        case .http429, .ws429: 1_000
        case .unsubscribedStream: 5_000
        default: 0
        }
    }

    static func defaultCount(_ k: FaultKind) -> Int {
        switch k {
        case .malformed: 4
        case .skipDepth: 10
        default: 1
        }
    }

    /// From the query of `POST /sim/fault?kind=…&venue=…&symbol=…&durationMs=…&count=…`.
    public static func parse(_ query: [(String, String)]) -> Result<FaultCommand, FaultCommandError> {
        func value(_ k: String) -> String? { query.first { $0.0 == k }?.1 }
        guard let kindText = value("kind") else { return .failure(.init("missing kind")) }
        guard let kind = FaultKind(rawValue: kindText) else {
            let known = FaultKind.allCases.map(\.rawValue).joined(separator: ", ")
            return .failure(.init("unknown kind '\(kindText)'; expected one of \(known)"))
        }
        let venueText = value("venue") ?? "spot"
        guard let venue: Venue = venueText == "spot" ? .spot : venueText == "futures" ? .futures : nil else {
            return .failure(.init("venue must be spot or futures"))
        }
        let symbol = value("symbol").flatMap { $0.isEmpty ? nil : $0.uppercased() }
        if kind.needsSymbol && symbol == nil { return .failure(.init("\(kind.rawValue) needs symbol")) }
        var duration: Int64?
        if let d = value("durationMs") {
            guard let v = Int64(d), (0...86_400_000).contains(v) else {
                return .failure(.init("durationMs must be an integer in 0…86400000"))
            }
            duration = v
        }
        var count: Int?
        if let c = value("count") {
            guard let v = Int(c), (1...1_000_000).contains(v) else {
                return .failure(.init("count must be an integer in 1…1000000"))
            }
            count = v
        }
        return .success(FaultCommand(kind: kind, venue: venue, symbol: symbol, durationMs: duration, count: count))
    }
}

public struct FaultCommandError: Error, Sendable, Equatable {
    public var message: String
    init(_ m: String) { message = m }
}
