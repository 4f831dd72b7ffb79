import Market
import ShmRing
import Supervisor

/// GET `/websocket/stats` (API.md §1.6): the original's shape with true figures. Clients and
/// subscriptions are summed over every running worker (`Layout.Clients`); the feed's state
/// comes from its connection lines, so `*_connected` goes false when a market's connections
/// drop and `status` says what the feed does; the counts are what the state tables hold.
extension MarketREST {
    /// The server → client data messages of the terminal protocol (API.md §2.3).
    static let dataTypes: [String] = ["price_update", "depth_update", "trade_update", "kline_update",
                                      "mark_price_update", "liquidation_update"]

    /// Where the WebSocket and the live-state reads are.
    static let endpoints: [(name: String, path: String)] = [
        ("websocket", "/api/v1/websocket/connect"), ("stats", "/api/v1/websocket/stats"),
        ("price", "/api/v1/websocket/price/{symbol}"), ("depth", "/api/v1/websocket/depth/{symbol}"),
        ("trades", "/api/v1/websocket/trades/{symbol}"), ("kline", "/api/v1/websocket/kline/{symbol}/{interval}"),
        ("volume", "/api/v1/websocket/volume/{symbol}"), ("markprice", "/api/v1/websocket/markprice/{symbol}"),
        ("liquidations", "/api/v1/websocket/liquidations/{symbol}"),
    ]

    /// The feed as the control block shows it: whether a feeder runs, and which markets have
    /// a live connection (a dead feeder's lines are not believed).
    struct FeedLiveness {
        var source: FeedSourceCode
        var running: Bool
        var state: FeedState
        var spot: Bool
        var futures: Bool

        init(_ control: ControlBlock) {
            source = FeedSourceCode(rawValue: control.word(Layout.Control.feedSourceKind).loadRelaxed()) ?? .replay
            running = control.feederRunning
            state = running ? control.feedState : .down
            let live = running ? FeedReport.connections(control).filter { $0.state == .live } : []
            spot = live.contains { $0.route == .spot }
            futures = live.contains { $0.route != .spot }
        }

        /// "active" while the feed is live; otherwise its state (connecting, stalled, down).
        var status: String { state == .live ? "active" : state.description }
    }

    /// What the state tables hold, counted over the served symbols.
    struct HeldCounts {
        var price = 0, depth = 0, kline = 0, futuresTicker = 0, markPrice = 0, fundingRate = 0
        var trades: [(String, Int)] = []
        var liquidations: [(String, Int)] = []
    }

    func heldCounts(_ names: [String]) -> HeldCounts {
        var held = HeldCounts()
        let markets = MarketKind.allCases
        for name in names {
            guard let i = directory.index(of: name).map(Int.init), i < tables.capacity else { continue }
            if markets.contains(where: { tables.latestTrade(symbolIndex: i, market: $0) != nil }) { held.price += 1 }
            if markets.contains(where: { tables.book(symbolIndex: i, market: $0, depth: 1)?.top.isSynced == true }) { held.depth += 1 }
            if markets.contains(where: { m in served.contains { tables.latestCandle(symbolIndex: i, market: m, interval: $0.rawValue) != nil } }) {
                held.kline += 1
            }
            if tables.ticker(symbolIndex: i, market: .futures) != nil { held.futuresTicker += 1 }
            if let mark = tables.markPrice(symbolIndex: i) {
                held.markPrice += 1
                if mark.nextFundingTimeMs > 0 { held.fundingRate += 1 }
            }
            held.trades.append((name, markets.reduce(0) { $0 + tables.recentTradesHeld(symbolIndex: i, market: $1) }))
            held.liquidations.append((name, markets.reduce(0) { $0 + tables.liquidationsHeld(symbolIndex: i, market: $1) }))
        }
        return held
    }

    /// The streams the live feed subscribes to per symbol (none when it replays a recording).
    func streamTypes(_ source: FeedSourceCode) -> [String] {
        guard source != .replay else { return [] }
        return ["spot_ticker", "futures_ticker", "depth@100ms", "bookTicker", "trade", "aggTrade"]
            + served.map { "kline_\($0.name)" } + ["markPrice", "liquidations"]
    }

    /// GET `/websocket/stats`.
    func websocketStats() -> RESTResponse {
        let control = tables.segment.control
        let names = directory.servedNames
        let clients = control.terminalClientsOfRunningWorkers()
        let feed = FeedLiveness(control)
        let held = heldCounts(names)
        var out = JSONBytes(capacity: 1024 + names.count * 64)
        out.raw("{")
        out.key("connected_clients", first: true)
        out.integer(Int64(clients.clients))
        out.key("subscriptions")
        Self.object(&out, clients.subscribers.enumerated().compactMap { i, n in
            n > 0 ? directory.name(of: UInt32(i)).map { ($0, n) } : nil
        })
        out.key("binance_stream")
        out.raw("{")
        out.key("connected_symbols", first: true)
        out.integer(Int64(names.count))
        out.key("symbols")
        Self.array(&out, names)
        for (key, n) in [("price_data_count", held.price), ("depth_data_count", held.depth), ("kline_data_count", held.kline),
                         ("futures_ticker_count", held.futuresTicker), ("mark_price_count", held.markPrice),
                         ("funding_rate_count", held.fundingRate)] {
            Self.member(&out, key)
            out.integer(Int64(n))
        }
        for (key, flag) in [("is_running", feed.running), ("spot_connected", feed.spot), ("futures_connected", feed.futures)] {
            Self.member(&out, key)
            out.bool(flag)
        }
        out.key("stream_types")
        Self.array(&out, streamTypes(feed.source))
        out.key("trade_counts")
        Self.object(&out, held.trades)
        out.key("liquidation_counts")
        Self.object(&out, held.liquidations)
        out.key("source")
        out.asciiString(feed.source.description)
        out.raw("}")
        out.key("service")
        out.raw("\"websocket\"")
        out.key("status")
        out.asciiString(feed.status)
        out.key("data_types")
        Self.array(&out, Self.dataTypes)
        out.key("endpoints")
        out.raw("{")
        for (i, e) in Self.endpoints.enumerated() {
            if i > 0 { out.raw(",") }
            out.string(e.name)
            out.raw(":")
            out.string(e.path)
        }
        out.raw("}")
        out.key("timestamp")
        out.integer(nowMs())
        out.raw("}")
        return RESTResponse(status: 200, body: out.bytes, headers: "Cache-Control: no-cache\r\n", taggable: false)
    }

    /// `,"key":` for a key not known at compile time.
    static func member(_ out: inout JSONBytes, _ key: String) {
        out.raw(",")
        out.asciiString(key)
        out.raw(":")
    }

    /// `["a","b"]`.
    static func array(_ out: inout JSONBytes, _ items: [String]) {
        out.raw("[")
        for (i, item) in items.enumerated() {
            if i > 0 { out.raw(",") }
            out.asciiString(item)
        }
        out.raw("]")
    }

    /// `{"NAME":n,…}`.
    static func object(_ out: inout JSONBytes, _ members: [(String, Int)]) {
        out.raw("{")
        for (i, (name, n)) in members.enumerated() {
            if i > 0 { out.raw(",") }
            out.asciiString(name)
            out.raw(":")
            out.integer(Int64(n))
        }
        out.raw("}")
    }
}
