import Posix
import Runtime
import ShmRing

/// The live feed's figures from the control block: its source, counters, connections, and
/// gaps per symbol and market (found, filled, lost), for `status` and the health document.
public struct FeedReport: Sendable {
    public struct Connection: Sendable {
        public var id: UInt64
        public var route: FeedRouteCode
        public var part: Int
        public var state: FeedConnectionState
        public var endpointIndex: UInt64
        public var ageSeconds: Double
    }

    public struct SymbolLine: Sendable {
        public var symbol: String
        public var market: MarketKind
        public var published: UInt64
        public var gapsFound: UInt64
        public var gapsFilled: UInt64
        public var gapsLost: UInt64
        public var idsRecovered: UInt64
        public var idsMissing: UInt64
        public var bookResyncs: UInt64
        public var duplicatesDropped: UInt64
    }

    public var source: FeedSourceCode
    public var counters: [(name: String, value: UInt64)]
    public var connections: [Connection]
    public var symbols: [SymbolLine]

    public var gapsFound: UInt64 { symbols.reduce(0) { $0 + $1.gapsFound } }
    public var gapsFilled: UInt64 { symbols.reduce(0) { $0 + $1.gapsFilled } }
    public var gapsLost: UInt64 { symbols.reduce(0) { $0 + $1.gapsLost } }

    public init(segment: Segment) {
        let c = segment.control
        source = FeedSourceCode(rawValue: c.word(Layout.Control.feedSourceKind).loadRelaxed()) ?? .replay
        counters = FeedCounter.allCases.map { ($0.name, c.feedCounter($0).loadRelaxed()) }
        connections = Self.connections(c)
        let tables = StateTables(segment: segment)
        var lines: [SymbolLine] = []
        for index in 0..<min(64, segment.symbolCapacity) {
            guard let name = tables.symbolName(index: index) else { continue }
            for market in MarketKind.allCases {
                func word(_ offset: Int) -> UInt64 { c.feedSymbolWord(symbol: index, market: market, offset).loadRelaxed() }
                lines.append(SymbolLine(symbol: name, market: market, published: word(Layout.Feed.Symbol.published),
                                        gapsFound: word(Layout.Feed.Symbol.gapsFound), gapsFilled: word(Layout.Feed.Symbol.gapsFilled),
                                        gapsLost: word(Layout.Feed.Symbol.gapsLost), idsRecovered: word(Layout.Feed.Symbol.idsRecovered),
                                        idsMissing: word(Layout.Feed.Symbol.idsMissing), bookResyncs: word(Layout.Feed.Symbol.bookResyncs),
                                        duplicatesDropped: word(Layout.Feed.Symbol.duplicatesDropped)))
            }
        }
        symbols = lines
    }

    /// After the feeder died: its connection lines are freed and the feed is down (the next
    /// feeder writes them anew).
    public static func markFeederGone(_ c: ControlBlock) {
        for line in 0..<Layout.Feed.connectionCount {
            c.feedConnectionWord(line, Layout.Feed.Connection.state).storeReleasing(FeedConnectionState.free.rawValue)
        }
        c.feedCounter(.liveConnections).storeRelaxed(0)
        c.word(Layout.Control.feedState).storeRelaxed(FeedState.down.rawValue)
    }

    /// The feed's connection lines in use (one per Binance WebSocket connection).
    public static func connections(_ c: ControlBlock) -> [Connection] {
        let now = Clock.realtimeNanos()
        return (0..<Layout.Feed.connectionCount).compactMap { line in
            let state = FeedConnectionState(rawValue: c.feedConnectionWord(line, Layout.Feed.Connection.state).loadAcquiring()) ?? .free
            guard state != .free else { return nil }
            let route = c.feedConnectionWord(line, Layout.Feed.Connection.route).loadRelaxed()
            let since = Int64(bitPattern: c.feedConnectionWord(line, Layout.Feed.Connection.sinceRealtimeNs).loadRelaxed())
            return Connection(id: c.feedConnectionWord(line, Layout.Feed.Connection.id).loadRelaxed(),
                              route: FeedRouteCode(rawValue: route & 0xFF) ?? .spot, part: Int(route >> 8), state: state,
                              endpointIndex: c.feedConnectionWord(line, Layout.Feed.Connection.endpointIndex).loadRelaxed(),
                              ageSeconds: since > 0 ? Double(now - since) / 1e9 : 0)
        }
    }

    /// The human section of `tterminal status`.
    public func table() -> String {
        guard source != .replay else { return "" }
        var out = "feed source \(source)  " + counters.filter { $0.value > 0 }.map { "\($0.name) \($0.value)" }.joined(separator: "  ") + "\n"
        for c in connections.sorted(by: { $0.id < $1.id }) {
            out += "  connection \(c.id)  \(c.route)#\(c.part)  \(c.state)  endpoint \(c.endpointIndex)  up \(StatusReport.duration(c.ageSeconds))\n"
        }
        let header = ["SYMBOL", "MARKET", "TRADES", "GAPS", "FILLED", "LOST", "IDS RECOVERED", "IDS MISSING", "BOOK RESYNCS", "DUPLICATES"]
        var rows = [header]
        for s in symbols {
            rows.append([s.symbol, "\(s.market)", "\(s.published)", "\(s.gapsFound)", "\(s.gapsFilled)", "\(s.gapsLost)",
                         "\(s.idsRecovered)", "\(s.idsMissing)", "\(s.bookResyncs)", "\(s.duplicatesDropped)"])
        }
        return out + StatusReport.columns(rows)
    }

    /// The feed's fields inside the `feed` object of the status JSON.
    public func write(into w: inout JSONWriter) {
        w.field("source", source.description)
        w.beginObject("counters")
        for (name, value) in counters { w.field(name, value) }
        w.endObject()
        w.beginObject("gaps")
        w.field("found", gapsFound); w.field("filled", gapsFilled); w.field("lost", gapsLost)
        w.endObject()
        w.beginArray("connections")
        for c in connections {
            w.beginObject()
            w.field("id", c.id); w.field("route", c.route.description); w.field("part", c.part)
            w.field("state", c.state.description); w.field("endpoint_index", c.endpointIndex); w.field("age_s", c.ageSeconds)
            w.endObject()
        }
        w.endArray()
        w.beginArray("symbols")
        for s in symbols {
            w.beginObject()
            w.field("symbol", s.symbol); w.field("market", s.market == .spot ? "spot" : "futures")
            w.field("trades", s.published); w.field("gaps_found", s.gapsFound); w.field("gaps_filled", s.gapsFilled)
            w.field("gaps_lost", s.gapsLost); w.field("ids_recovered", s.idsRecovered); w.field("ids_missing", s.idsMissing)
            w.field("book_resyncs", s.bookResyncs); w.field("duplicates_dropped", s.duplicatesDropped)
            w.endObject()
        }
        w.endArray()
    }
}
