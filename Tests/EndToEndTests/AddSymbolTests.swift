import Foundation
import Glibc
import Posix
import Supervisor
import TestServices
import Testing

/// POST `/websocket/symbols/:symbol` against the simulator: a symbol the server was not
/// started with is streamed without a restart, and a restarted feeder keeps it.
@Suite("Symbols added at run time, end to end", .serialized)
struct AddSymbolTests {
    static func post(_ server: ServerUnderTest, _ symbol: String) throws -> (status: Int, body: [String: Any]) {
        let r = try HTTP.exchange(port: server.port, raw: "POST /api/v1/websocket/symbols/\(symbol) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                    + "Content-Length: 0\r\nConnection: close\r\n\r\n", timeoutMillis: 15_000)
        return (r.status, (try? r.json()) ?? [:])
    }

    /// Subscribes `symbol` and reads until `trades` trades, one with an id past `after`, and a
    /// depth snapshot came (20 s at most).
    static func stream(_ server: ServerUnderTest, _ symbol: String, trades: Int, after: Int64 = -1) throws -> ClientStream {
        let (ws, reply) = try TerminalStreamTests.subscribe(server, #"{"type":"subscribe","symbol":"\#(symbol)"}"#)
        #expect(reply["type"] as? String == "subscribed", "\(reply)")
        var stream = ClientStream()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && !(stream.trades.count >= trades && (stream.trades.last ?? -1) > after && stream.snapshots >= 1) {
            let m = try ws.nextJSON()
            if let s = m["symbol"] as? String, s != symbol { throw TestFailure("a \(s) message on a \(symbol) subscription: \(m)") }
            try stream.take(m)
        }
        #expect(stream.problems.isEmpty, "\(stream.problems.prefix(5))")
        return stream
    }

    @Test("a symbol added at run time streams trades and its book at once, answers REST, shows in status and metrics, and outlives a killed feeder",
          arguments: [1024, 5])
    func addAndKeep(streamsPerConnection: Int) throws {
        let sim = try SimulatorUnderTest(symbols: "BTCUSDT,ETHUSDT")
        // 5 streams a connection: the new symbol's need connections of their own (spot and
        // futures/market are full).
        let server = try sim.serve(workers: 2, ["SYMBOLS": "BTCUSDT", "INTERVALS": "1m,5m", "RING_MB": "16",
                                                "FEED_STREAMS_PER_CONNECTION": "\(streamsPerConnection)"])
        try server.eventually(15, "the feed to go live") { try server.status().feedState == .live }
        let before = try HTTP.get(port: server.port, path: "/api/v1/websocket/price/ETHUSDT")
        #expect(before.status == 404)

        let added = try Self.post(server, "ethusdt")
        #expect(added.status == 200, "\(added.body)")
        #expect(added.body["message"] as? String == "Symbol added to stream" && added.body["symbol"] as? String == "ETHUSDT")
        #expect(added.body["added"] as? Bool == true && added.body["symbols"] as? [String] == ["BTCUSDT", "ETHUSDT"])

        let stream = try Self.stream(server, "ETHUSDT", trades: 20)
        #expect(stream.trades.count >= 20 && stream.snapshots >= 1)
        try TerminalStreamTests().expectTradesMatch(stream.trades, truth: try sim.truth(venue: "futures", symbol: "ETHUSDT"))
        try server.eventually(5, "REST price of ETHUSDT") {
            try HTTP.get(port: server.port, path: "/api/v1/websocket/price/ETHUSDT").status == 200
        }
        let feed = try server.status().feed
        #expect(feed.connections.count == (streamsPerConnection == 5 ? 7 : 3), "\(feed.connections)")
        #expect(feed.symbols.contains { $0.symbol == "ETHUSDT" && $0.market == .futures && $0.published > 0 })
        let metrics = try HTTP.get(port: server.port, path: "/metrics").text
        #expect(metrics.contains("symbol=\"ETHUSDT\""))

        let again = try Self.post(server, "ETHUSDT")
        #expect(again.status == 200 && again.body["added"] as? Bool == false && again.body["symbols"] as? [String] == ["BTCUSDT", "ETHUSDT"])
        #expect(try Self.post(server, "ETH-USDT").status == 400)
        #expect(try Self.post(server, "X").status == 400)
        func rest() throws -> [String: UInt64] {
            Dictionary(uniqueKeysWithValues: try server.status().feed.counters.map { ($0.name, $0.value) })
        }
        let rest0 = try rest()
        let unknown = try Self.post(server, "NOPEUSDT")
        #expect(unknown.status == 404 && unknown.body["error"] as? String == "unknown_symbol", "\(unknown.body)")
        // Asked once: the name is remembered, and the exchange's "no such symbol" is no failure.
        // Two lookups (spot refuses the name, futures does not list it); the REST thread counts
        // the second after handing its answer over, so it may land after the 404.
        try server.eventually(3, "the feeder's figures") { try rest()["rest_requests"]! >= rest0["rest_requests"]! + 2 }
        let rest1 = try rest()
        for _ in 0..<5 { #expect(try Self.post(server, "nopeusdt").status == 404) }
        usleep(300_000)
        let rest2 = try rest()
        #expect(rest2["rest_requests"] == rest1["rest_requests"] && rest2["rest_failures"] == rest0["rest_failures"], "\(rest0) \(rest1) \(rest2)")
        // New made-up names: ten lookups a minute at most (ETHUSDT and NOPEUSDT were two).
        var refusals: [String] = []
        for i in 0..<10 {
            let r = try Self.post(server, "NOPE\(i)USDT")
            if r.status == 503 { refusals.append(r.body["error"] as? String ?? "") } else { #expect(r.status == 404) }
        }
        #expect(refusals == ["lookup_limit", "lookup_limit"], "\(refusals)")

        let feeder = try #require(try server.feeder())
        let epoch = try server.status().epoch
        _ = Signal.kill.send(to: feeder.pid)
        try server.eventually(10, "a new feeder with a new epoch") { try server.status().epoch > epoch }
        // Trades made after the new feeder started can only have come through it.
        let made = try #require(try sim.truth(venue: "futures", symbol: "ETHUSDT").last)
        let resumed = try Self.stream(server, "ETHUSDT", trades: 10, after: made)
        #expect(resumed.snapshots >= 1)
        #expect((resumed.trades.last ?? 0) > made, "no ETHUSDT trade after \(made) from the restarted feeder")
        let kept = try Self.post(server, "ETHUSDT")
        #expect(kept.status == 200 && kept.body["added"] as? Bool == false && kept.body["symbols"] as? [String] == ["BTCUSDT", "ETHUSDT"])
        _ = server.stop()
    }

    @Test("with a database, an added symbol's candle history, trades and exchangeInfo row are stored")
    func stored() throws {
        let cluster = try PrivateCluster()  // make test installs PostgreSQL: no cluster is a failure
        defer { cluster.destroy() }
        let sim = try SimulatorUnderTest(symbols: "BTCUSDT,ETHUSDT")
        let server = try sim.serve(["DATABASE_URL": cluster.url, "SYMBOLS": "BTCUSDT", "INTERVALS": "1m"])
        defer { _ = server.stop() }
        try server.eventually(15, "the feed to go live") { try server.status().feedState == .live }
        #expect(try Self.post(server, "ETHUSDT").status == 200)
        func count(_ sql: String) throws -> Int { Int(try StorageTests.query(cluster, sql).first ?? "") ?? 0 }
        try server.eventually(20, "ETHUSDT's candle history, trades and symbols row in PostgreSQL") {
            try count("SELECT count(*) FROM candles WHERE symbol = 'ETHUSDT' AND market = 'futures'") >= 1000
                && count("SELECT count(*) FROM trades WHERE symbol = 'ETHUSDT'") > 0
                && count("SELECT count(*) FROM symbols WHERE symbol = 'ETHUSDT'") == 1
        }
    }

    @Test("a replaying feeder refuses to add symbols with 409")
    func replayRefuses() throws {
        let server = ServerUnderTest(workers: 1, extra: ["SYMBOLS": "BTCUSDT"])
        try server.start()
        try server.waitHealthy()
        var answer = (status: 0, body: [String: Any]())
        try server.eventually(10, "the feeder to answer") {
            answer = try Self.post(server, "ETHUSDT")
            return answer.status != 503
        }
        #expect(answer.status == 409 && answer.body["error"] as? String == "replay_source", "\(answer.body)")
        _ = server.stop()
    }
}
