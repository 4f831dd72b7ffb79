import Foundation
import Glibc
import Market
import Posix
import ShmRing
import Store
import Testing
@testable import Worker

/// The REST handlers over a real segment's state tables (no database, but for the liquidations past memory).
@Suite("REST routes over the state tables")
struct MarketRESTTests {
    static let minute: Int64 = 60_000
    /// 2024-01-01 00:00 UTC, a Monday.
    static let t0: Int64 = 1_704_067_200_000
    static let client = SubscriberID(slot: 3, generation: 1)

    final class Fixture {
        let tables: StateTables
        let rest: MarketREST
        let wake: Int32

        init(now: Int64 = MarketRESTTests.t0 + 3_600_000, databaseURL: String? = nil, extraSymbol: String? = nil) throws {
            let fd = try SharedMemory.anonymous(size: Layout.segmentSize(ringCapacity: 64 << 10, symbolCapacity: 4))
            defer { close(fd) }
            let segment = try Segment.format(fd: fd, ringCapacity: 64 << 10, symbolCapacity: 4)
            tables = StateTables(segment: segment)
            tables.registerSymbol(index: 0, name: "BTCUSDT")
            tables.registerSymbol(index: 1, name: "ETHUSDT")
            if let extraSymbol { tables.registerSymbol(index: 2, name: extraSymbol) }
            wake = try EventFD.make()
            let directory = StateTableDirectory(tables: tables, configured: ["BTCUSDT", "ETHUSDT"] + (extraSymbol.map { [$0] } ?? []))
            rest = MarketREST(tables: tables, directory: directory, served: [.m1, .m5, .h1, .d1],
                              queries: QueryThread(databaseURL: databaseURL, wakeFD: wake), nowMs: { now })
        }

        deinit { close(wake) }

        /// Minute candle `i` (from t0): open 100+i, high +2, low −1, close +1, volume i+1, taker buy half.
        func minute(_ i: Int64, symbol: Int = 0, market: MarketKind = .futures, closed: Bool = true) {
            let f = Fixed.scale
            let t0 = MarketRESTTests.t0, m = MarketRESTTests.minute
            let c = Candle(openTimeMs: t0 + i * m, closeTimeMs: t0 + (i + 1) * m - 1,
                           firstTradeId: 1_000 * (i + 1), lastTradeId: 1_000 * (i + 1) + i, open: (100 + i) * f,
                           high: (102 + i) * f, low: (99 + i) * f, close: (101 + i) * f, volume: (i + 1) * f,
                           quoteVolume: (i + 1) * 100 * f, tradeCount: i + 1, takerBuyBase: (i + 1) * f / 2,
                           takerBuyQuote: (i + 1) * 50 * f, closed: closed)
            tables.updateCandle(symbolIndex: symbol, market: market, interval: KlineInterval.m1.rawValue, candle: c)
        }

        func get(_ target: String) -> RESTResponse {
            let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
            let request = HTTPRequest(method: .get, path: parts[0], query: parts.count > 1 ? parts[1] : nil)
            guard case .response(let r) = rest.answer(request, subscriber: MarketRESTTests.client) else {
                Issue.record("\(target) was not answered at once")
                return .notFound
            }
            return r
        }

        func json(_ target: String) throws -> [String: Any] {
            let r = get(target)
            return try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
        }
    }

    @Test("candles: the newest `limit` from memory, oldest first, with real taker volumes and first/last")
    func candles() throws {
        let f = try Fixture()
        for i in 0..<10 { f.minute(Int64(i), closed: i < 9) }
        let body = try f.json("/api/v1/aggregation/candles/btcusdt/1m?limit=3")
        #expect(body["s"] as? String == "BTCUSDT" && body["i"] as? String == "1m" && body["n"] as? Int == 3)
        let d = try #require(body["d"] as? [[String: Double]])
        #expect(d.map { $0["t"]! } == [7, 8, 9].map { Double(Self.t0 + $0 * Self.minute) })
        #expect(d[2]["o"] == 109 && d[2]["h"] == 111 && d[2]["l"] == 108 && d[2]["c"] == 110)
        #expect(d[2]["v"] == 10 && d[2]["bv"] == 5 && d[2]["sv"] == 5)
        #expect(body["f"] as? Int64 == Self.t0 + 7 * Self.minute && body["l"] as? Int64 == Self.t0 + 9 * Self.minute)
        let r = f.get("/api/v1/aggregation/candles/BTCUSDT/1m?limit=3")
        #expect(r.headers.contains("X-Data-Count: 3\r\n") && r.headers.contains("X-Cache-Key: agg:candles:BTCUSDT:1m:3\r\n"))
    }

    @Test("a rendered answer is reused until the candle ring changes")
    func rendering() throws {
        let f = try Fixture()
        for i in 0..<5 { f.minute(Int64(i), closed: i < 4) }
        let a = f.get("/api/v1/aggregation/candles/BTCUSDT/1m?limit=5")
        let b = f.get("/api/v1/aggregation/candles/BTCUSDT/1m?limit=5")
        #expect(a.etag != nil && a.etag == b.etag && a.body == b.body)
        f.minute(5, closed: false)
        let c = f.get("/api/v1/aggregation/candles/BTCUSDT/1m?limit=5")
        #expect(c.etag != a.etag && c.body != a.body)
    }

    @Test("an interval without a ring is built from a served one: 3m from 1m, sums and extremes, closed once complete")
    func builtIntervals() throws {
        let f = try Fixture()
        for i in 0..<8 { f.minute(Int64(i), closed: i < 7) }
        let body = try f.json("/api/v1/aggregation/candles/BTCUSDT/3m?limit=3")
        let d = try #require(body["d"] as? [[String: Double]])
        #expect(d.map { $0["t"]! } == [0, 3, 6].map { Double(Self.t0 + $0 * Self.minute) })
        // Candles 3, 4, 5: open 103, high max(105..107), low min(102..104), close 106, volume 4+5+6.
        #expect(d[1]["o"] == 103 && d[1]["h"] == 107 && d[1]["l"] == 102 && d[1]["c"] == 106 && d[1]["v"] == 15)
        #expect(d[2]["v"] == 15 && d[2]["c"] == 108, "the open candle: 6 and 7 so far")
        let source = try #require(CandleSource(.m3, served: [.m1, .m5, .h1, .d1]))
        #expect(source.base == .m1 && source.factor == 3)
        #expect(CandleSource(.w1, served: [.m1, .d1, .d3])?.base == .d1)
        #expect(CandleSource(.M1, served: [.m1, .d1]) == nil && CandleSource(.m1, served: [.m5]) == nil)
        #expect(KlineInterval.w1.openTime(containing: Self.t0 + 3 * 86_400_000 + 5) == Self.t0, "weeks open on Mondays")
        #expect(KlineInterval.h4.openTime(containing: Self.t0 + 5 * 3_600_000) == Self.t0 + 4 * 3_600_000)
    }

    @Test("a base candle with an open time near Int64's end (junk that reached the ring) is skipped, not a trap")
    func implausibleBaseCandle() throws {
        let source = try #require(CandleSource(.m15, served: [.m1, .m5]))
        func candle(_ open: Int64) -> Candle {
            Candle(openTimeMs: open, closeTimeMs: open + 299_999, firstTradeId: 1, lastTradeId: 2, open: 1, high: 1, low: 1,
                   close: 1, volume: 1, quoteVolume: 1, tradeCount: 2, takerBuyBase: 0, takerBuyQuote: 0, closed: true)
        }
        let built = source.aggregate([candle(Self.t0), candle(Self.t0 + 300_000), candle(9_223_372_036_854_575_807 - 300_000)])
        #expect(built.count == 1 && built[0].openTimeMs == Self.t0 && built[0].volume == 2)
    }

    @Test("refusals: unknown symbol 404, bad interval and limit (1…5000) 400 with the contract's codes; legacy limits fall back")
    func refusals() throws {
        let f = try Fixture()
        f.minute(0)
        let unknown = f.get("/api/v1/aggregation/candles/DOGEUSDT/1m")
        #expect(unknown.status == 404 && String(decoding: unknown.body, as: UTF8.self).contains("SYMBOL_NOT_FOUND"))
        for (target, code) in [("/api/v1/aggregation/candles/BTCUSDT/7m", "INVALID_INTERVAL"),
                               ("/api/v1/aggregation/candles/BTCUSDT/1M", "INVALID_INTERVAL"),
                               ("/api/v1/aggregation/candles/BTCUSDT/1m?limit=abc", "INVALID_LIMIT_FORMAT"),
                               ("/api/v1/aggregation/candles/BTCUSDT/1m?limit=0", "INVALID_LIMIT_RANGE"),
                               ("/api/v1/aggregation/candles/BTCUSDT/1m?limit=5001", "INVALID_LIMIT_RANGE"),
                               ("/api/v1/aggregation/candles/BTCUSDT/1m?market=options", "INVALID_MARKET")] {
            let r = f.get(target)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
            #expect(r.status == 400 && body["code"] as? String == code, "\(target)")
            #expect(body["error"] is String && body["message"] is String && body["details"] is [String: String])
        }
        #expect(try f.json("/api/v1/aggregation/candles/BTCUSDT/1m?limit=5000")["n"] as? Int == 1, "up to 5000: what is held")
        #expect(try f.json("/api/v1/candles/BTCUSDT?interval=1m&limit=abc")["n"] as? Int == 1)
        #expect(f.get("/api/v1/aggregation/nothing").status == 404)
    }

    @Test("latest: the newest candle (open or not), null when there is none; spot when futures has nothing")
    func latest() throws {
        let f = try Fixture()
        #expect(try f.json("/api/v1/candles/BTCUSDT/latest?interval=1m")["candle"] is NSNull)
        f.minute(0, market: .spot)
        f.minute(1, market: .spot, closed: false)
        let body = try f.json("/api/v1/candles/BTCUSDT/latest?interval=1m&_t=123")
        let candle = try #require(body["candle"] as? [String: Double])
        #expect(body["symbol"] as? String == "BTCUSDT" && candle["t"] == Double(Self.t0 + Self.minute) && candle["c"] == 102)
        #expect(try f.json("/api/v1/candles/BTCUSDT/latest?interval=1m&market=futures")["candle"] is NSNull)
    }

    @Test("liquidations: raw forceOrder objects oldest first; the aggregation honours hours up to a week")
    func liquidations() throws {
        let now = Self.t0 + 48 * 3_600_000
        let f = try Fixture(now: now)
        for (i, age) in [Int64(72), 30, 1].enumerated() {
            f.tables.appendLiquidation(LiquidationRecord(
                symbolIndex: 0, flags: RecordFlags.futures, side: UInt8(i % 2), status: OrderStatus.filled.rawValue,
                eventTimeMs: now - age * 3_600_000 + 5, tradeTimeMs: now - age * 3_600_000, receivedNs: 0,
                price: 60_000 * Fixed.scale, averagePrice: 60_010 * Fixed.scale, originalQuantity: Fixed.scale / 10,
                lastFilledQuantity: Fixed.scale / 10, filledQuantity: Fixed.scale / 10))
        }
        let raw = try f.json("/api/v1/websocket/liquidations/BTCUSDT?limit=2000")
        let list = try #require(raw["liquidations"] as? [[String: Any]])
        #expect(list.count == 3 && raw["count"] as? Int == 3 && raw["source"] as? String == "websocket_cache")
        let o = try #require(list.last?["o"] as? [String: Any])
        #expect(list.last?["e"] as? String == "forceOrder" && list.last?["E"] as? Int64 == now - 3_600_000 + 5)
        #expect(o["S"] as? String == "BUY" && o["ap"] as? String == "60010" && o["q"] as? String == "0.1" && o["T"] as? Int64 == now - 3_600_000)
        let agg = try f.json("/api/v1/aggregation/liquidations/BTCUSDT?hours=48")
        let events = try #require(agg["liquidations"] as? [[String: Any]])
        #expect(agg["timeRange"] as? Int == 48 && events.count == 2, "72 h ago is outside 48 h")
        #expect(events.first?["side"] as? String == "SELL" && events.first?["type"] as? String == "long")
        #expect(events.first?["p"] as? Double == 60_010 && events.first?["v"] as? Double == 0.1)
        #expect(try f.json("/api/v1/aggregation/liquidations/BTCUSDT?hours=abc")["timeRange"] as? Int == 1)
        #expect(try f.json("/api/v1/aggregation/liquidations/BTCUSDT?hours=9999")["timeRange"] as? Int == 168)
    }

    @Test("liquidations past what memory holds come from PostgreSQL, also while memory is not full (after a restart)",
          .enabled(if: ProcessInfo.processInfo.environment["DATABASE_URL"] != nil, "needs DATABASE_URL (make test starts PostgreSQL)"))
    func liquidationsFromDatabase() throws {
        let url = ProcessInfo.processInfo.environment["DATABASE_URL"]!
        let symbol = "LQ\(getpid())USDT"
        let now = Self.t0 + 48 * 3_600_000
        let f = try Fixture(now: now, databaseURL: url, extraSymbol: symbol)
        let db = try PostgresConnection(url: url)
        var path = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        path.removeLast(3)
        _ = try Migrator(connection: db, migrations: try Migration.load(directory: path.joined(separator: "/") + "/migrations")).up()
        defer { _ = try? db.execute("DELETE FROM liquidations WHERE symbol = $1", [symbol]) }
        for minutes in [50, 40, 30] {
            try db.execute("""
                INSERT INTO liquidations VALUES ($1, 'SELL', 'LIMIT', 'IOC', 0.1, 60000, 60010, 'FILLED', 0.1, 0.1,
                  to_timestamp($2::bigint / 1000.0))
                """, [symbol, "\(now - Int64(minutes) * 60_000)"])
        }
        for minutes in [10, 5] as [Int64] {
            f.tables.appendLiquidation(LiquidationRecord(
                symbolIndex: 2, flags: RecordFlags.futures, side: 0, status: OrderStatus.filled.rawValue,
                eventTimeMs: now - minutes * 60_000 + 5, tradeTimeMs: now - minutes * 60_000, receivedNs: 0,
                price: 60_000 * Fixed.scale, averagePrice: 60_010 * Fixed.scale, originalQuantity: Fixed.scale / 10,
                lastFilledQuantity: Fixed.scale / 10, filledQuantity: Fixed.scale / 10))
        }
        let request = HTTPRequest(method: .get, path: "/api/v1/websocket/liquidations/\(symbol)", query: "limit=2000")
        guard case .route(let route) = APIRoute.match(method: .get, path: request.path),
              case .background(let work) = try f.rest.handle(route, QueryParameters(request.query), request) else {
            Issue.record("memory alone answered with 2 of 2000 while PostgreSQL holds more")
            return
        }
        let body = work(QueryContext(databaseURL: url, cache: nil)).body
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let times = (json["liquidations"] as? [[String: Any]] ?? []).compactMap { ($0["o"] as? [String: Any])?["T"] as? Int64 }
        #expect(times == [50, 40, 30, 10, 5].map { now - Int64($0) * 60_000 }, "stored, then memory, oldest first")
    }

    @Test("an empty symbol or interval segment on an aggregation route is 400 MISSING_SYMBOL / MISSING_INTERVAL (API.md §1.4)")
    func missingPathParameters() throws {
        let f = try Fixture()
        f.minute(0)
        let interval = #"{"error":"Missing required parameter","message":"Interval parameter is required","code":"MISSING_INTERVAL","details":{"parameter":"interval"}}"#
        let symbol = #"{"error":"Missing required parameter","message":"Symbol parameter is required","code":"MISSING_SYMBOL","details":{"parameter":"symbol"}}"#
        for (target, body) in [("/api/v1/aggregation/candles/BTCUSDT/", interval), ("/api/v1/aggregation/candles//1m", symbol),
                               ("/api/v1/aggregation/candles//", symbol), ("/api/v1/aggregation/candles//1m?limit=abc", symbol),
                               ("/api/v1/aggregation/footprint/BTCUSDT/", interval), ("/api/v1/aggregation/footprint//1m", symbol),
                               ("/api/v1/aggregation/cvd/BTCUSDT/", interval), ("/api/v1/aggregation/cvd//5m", symbol),
                               ("/api/v1/aggregation/volume-profile/", symbol), ("/api/v1/aggregation/heatmap/", symbol),
                               ("/api/v1/aggregation/liquidations/", symbol)] {
            let r = f.get(target)
            #expect(r.status == 400 && String(decoding: r.body, as: UTF8.self) == body, "\(target): \(r.status)")
        }
        // Other groups keep the generic 404 for an empty segment, as do extra segments.
        for target in ["/api/v1/websocket/price/", "/api/v1/candles//latest", "/api/v1/aggregation/candles/BTCUSDT/1m/",
                       "/api/v1/aggregation/multi/"] {
            #expect(f.get(target) == .notFound, "\(target)")
        }
    }

    @Test("the route table: paths, upper-cased symbols, 405 with the methods a path takes")
    func routes() {
        #expect(APIRoute.match(method: .get, path: "/api/v1/aggregation/candles/btcusdt/1m")
            == .route(.aggregationCandles(symbol: "BTCUSDT", interval: "1m")))
        #expect(APIRoute.match(method: .head, path: "/api/v1/candles/eth/latest") == .route(.candlesLatest(symbol: "ETH")))
        #expect(APIRoute.match(method: .post, path: "/api/v1/aggregation/multi") == .route(.aggregationMulti))
        #expect(APIRoute.match(method: .get, path: "/api/v1/aggregation/multi") == .methodNotAllowed([.post]))
        #expect(APIRoute.match(method: .put, path: "/api/v1/symbols/x") == .route(.symbol("X")))
        #expect(APIRoute.match(method: .get, path: "/api/v1/aggregation/candles//1m")
            == .route(.aggregationCandles(symbol: "", interval: "1m")), "an empty parameter reaches the handler (MISSING_SYMBOL)")
        #expect(APIRoute.match(method: .get, path: "/api/v1/aggregation/candles/BTCUSDT/1m/") == .notFound)
        #expect(APIRoute.match(method: .get, path: "/api/v1/aggregation/stats/") == .notFound)
        #expect(APIRoute.match(method: .get, path: "/api/v1/websocket/liquidations/btcusdt/") == .notFound)
        #expect(APIRoute.match(method: .get, path: "/api/v1/websocket/price/") == .notFound)
        #expect(APIRoute.match(method: .get, path: "/api/v1/candles//latest") == .notFound)
        #expect(APIRoute.match(method: .delete, path: "/api/v1/data-collection/symbols/btc") == .route(.dataCollectionSymbol("BTC")))
        let q = QueryParameters("a=1&b=x%2By+z&a=2&flag&bad=%G1")
        #expect(q["a"] == "1" && q["b"] == "x+y z" && q["flag"] == "" && q["bad"] == "%G1" && q["none"] == nil)
    }
}
