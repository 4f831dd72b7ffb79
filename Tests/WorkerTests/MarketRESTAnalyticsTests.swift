import Foundation
import Market
import ShmRing
import Testing
@testable import Worker

/// Analytics routes and `/multi` over the state tables, their background work run on the test's
/// thread without a database.
@Suite("REST analytics and the multi-load over the state tables")
struct MarketRESTAnalyticsTests {
    typealias Fixture = MarketRESTTests.Fixture
    static let t0 = MarketRESTTests.t0
    static let minute = MarketRESTTests.minute

    /// Runs `target` through the route table and the handler, its background work included.
    static func run(_ f: Fixture, _ target: String, method: HTTPMethod = .get, body: String = "") throws -> RESTResponse {
        let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
        let request = HTTPRequest(method: method, path: parts[0], query: parts.count > 1 ? parts[1] : nil, body: Array(body.utf8))
        guard case .route(let route) = APIRoute.match(method: method, path: parts[0]) else {
            Issue.record("\(target) has no route")
            return .notFound
        }
        do {
            switch try f.rest.handle(route, QueryParameters(request.query), request) {
            case .now(let r): return r
            case .background(let work): return work(QueryContext(databaseURL: nil, cache: nil))
            case .feeder(let question): return question()
            }
        } catch {
            return error.response
        }
    }

    static func json(_ r: RESTResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
    }

    @Test("CVD: per candle delta = taker buy − taker sell, summed in time order")
    func cvd() throws {
        let f = try Fixture()
        for i in 0..<4 { f.minute(Int64(i)) }
        let body = try Self.json(try Self.run(f, "/api/v1/aggregation/cvd/BTCUSDT/1m?limit=3"))
        let d = try #require(body["d"] as? [[String: Double]])
        // Taker buy is half the volume in the fixture: every delta is 0 …
        #expect(d.count == 3 && d.allSatisfy { $0["delta"] == 0 && $0["cvd"] == 0 })
        // … until one candle is all buying.
        let c = Candle(openTimeMs: Self.t0 + 4 * Self.minute, closeTimeMs: Self.t0 + 5 * Self.minute - 1, firstTradeId: 7,
                       lastTradeId: 7, open: 100 * Fixed.scale,
                       high: 101 * Fixed.scale, low: 99 * Fixed.scale, close: 100 * Fixed.scale, volume: 3 * Fixed.scale,
                       quoteVolume: 0, tradeCount: 1, takerBuyBase: 3 * Fixed.scale, takerBuyQuote: 0, closed: false)
        f.tables.updateCandle(symbolIndex: 0, market: .futures, interval: KlineInterval.m1.rawValue, candle: c)
        let after = try #require(try Self.json(try Self.run(f, "/api/v1/aggregation/cvd/BTCUSDT/1m?limit=2"))["d"] as? [[String: Double]])
        #expect(after.last?["delta"] == 3 && after.last?["cvd"] == 3)
    }

    @Test("volume profile from memory: levels by volume, their percentages add up, POC inside the value area")
    func volumeProfile() throws {
        let f = try Fixture(now: Self.t0 + 30 * Self.minute)
        for i in 0..<20 { f.minute(Int64(i)) }
        let body = try Self.json(try Self.run(f, "/api/v1/aggregation/volume-profile/BTCUSDT?hours=1&tick=1"))
        let levels = try #require(body["l"] as? [[String: Double]])
        #expect(!levels.isEmpty && zip(levels, levels.dropFirst()).allSatisfy { $0["v"]! >= $1["v"]! })
        #expect(abs(levels.reduce(0) { $0 + $1["pct"]! } - 100) < 1e-6)
        let total = levels.reduce(0) { $0 + $1["v"]! }
        #expect(abs(total - (1...20).reduce(0.0) { $0 + Double($1) }) < 1e-6, "every candle's volume is spread, none lost")
        let poc = try #require(body["poc"] as? Double), val = try #require(body["val"] as? Double)
        let vah = try #require(body["vah"] as? Double)
        #expect(val <= poc && poc <= vah && body["vav"] as? Double == 70)
        let bad = try Self.run(f, "/api/v1/aggregation/volume-profile/BTCUSDT?hours=500")
        #expect(bad.status == 400 && String(decoding: bad.body, as: UTF8.self).contains("INVALID_HOURS_RANGE"))
    }

    @Test("footprint from the trades in memory: taker buys and sells per row, delta and POC per candle")
    func footprint() throws {
        let now = Self.t0 + 90_000
        let f = try Fixture(now: now)
        // Minute 1 (t0+60s…): buys at 100 (2 + 1), a sell at 101 (4).
        for (i, (price, qty, makerBuys)) in [(100, 2, false), (100, 1, false), (101, 4, true)].enumerated() {
            f.tables.updateTrade(TradeRecord(symbolIndex: 0, flags: RecordFlags.futures | (makerBuys ? TradeRecord.buyerIsMaker : 0),
                                             price: Int64(price) * Fixed.scale, quantity: Int64(qty) * Fixed.scale,
                                             tradeId: Int64(i + 1), tradeTimeMs: Self.t0 + 61_000 + Int64(i), receivedNs: 0))
        }
        let body = try Self.json(try Self.run(f, "/api/v1/aggregation/footprint/BTCUSDT/1m?limit=2&tick=1"))
        let data = try #require(body["data"] as? [[String: Any]])
        let candle = try #require(data.first)
        #expect(data.count == 1 && candle["t"] as? Int64 == Self.t0 + Self.minute)
        #expect(candle["tbv"] as? Double == 3 && candle["tsv"] as? Double == 4 && candle["td"] as? Double == -1)
        #expect(candle["poc"] as? Double == 101)
        let rows = try #require(candle["l"] as? [[String: Double]])
        #expect(rows.map { $0["p"]! } == [101, 100] && rows[1]["bv"] == 3 && rows[0]["sv"] == 4 && rows[0]["d"] == -4)
    }

    @Test("heatmap: the current book binned into rows, intensities in 0…1 with one at 1")
    func heatmap() throws {
        let f = try Fixture()
        let bids = [BookLevel(price: 100 * Fixed.scale, quantity: 5 * Fixed.scale), BookLevel(price: 99 * Fixed.scale, quantity: Fixed.scale)]
        let asks = [BookLevel(price: 101 * Fixed.scale, quantity: 2 * Fixed.scale)]
        bids.withUnsafeBufferPointer { b in
            asks.withUnsafeBufferPointer { a in
                f.tables.updateBook(symbolIndex: 0, market: .futures,
                                    top: BookTop(lastUpdateId: 7, eventTimeMs: 1, transactionTimeMs: 1, receivedNs: 1, synced: true),
                                    bids: b, asks: a)
            }
        }
        let body = try Self.json(try Self.run(f, "/api/v1/aggregation/heatmap/BTCUSDT?hours=1&resolution=10"))
        let cells = try #require(body["l"] as? [[String: Double]])
        #expect(cells.count == 3 && body["max"] as? Double == 5)
        #expect(cells.allSatisfy { (0...1).contains($0["i"]!) } && cells.contains { $0["i"] == 1 && $0["v"] == 5 })
    }

    @Test("multi: candles per interval (limit honoured past 500), volume profile, liquidations; refusals as the contract has them")
    func multi() throws {
        let f = try Fixture(now: Self.t0 + 700 * Self.minute)
        for i in 0..<600 { f.minute(Int64(i)) }
        let r = try Self.run(f, "/api/v1/aggregation/multi", method: .post, body: """
            {"symbol":"btcusdt","intervals":["1m","3m","7m"],"limit":1500,"include_volume_profile":true,
             "include_liquidations":true,"vp_hours":24,"liq_hours":1}
            """)
        let body = try Self.json(r)
        #expect(r.status == 200 && r.headers.contains("X-Multi-Response: true") && body["symbol"] as? String == "BTCUSDT")
        let candles = try #require(body["candles"] as? [String: [String: Any]])
        #expect(candles["1m"]?["n"] as? Int == 500, "all that memory holds (its ring keeps 500), not the original's cut")
        // 3m from the 500 1m candles memory keeps (100…599): a partial 99–101 candle, then 166 whole ones.
        #expect(candles["3m"]?["n"] as? Int == 167 && candles["7m"] == nil)
        #expect((body["errors"] as? [String: String])?["7m"] != nil)
        #expect(body["volume_profile"] is [String: Any] && body["liquidations"] is [Any])
        let defaults = try Self.json(try Self.run(f, "/api/v1/aggregation/multi", method: .post, body: #"{"symbol":"BTCUSDT"}"#))
        #expect(Set((defaults["candles"] as? [String: Any])?.keys ?? [:].keys) == ["1m", "5m", "15m", "1h"])
        #expect(defaults["volume_profile"] == nil && defaults["liquidations"] == nil)
        let badMarket = try Self.run(f, "/api/v1/aggregation/multi?market=zz", method: .post, body: #"{"symbol":"BTCUSDT","intervals":["1m"]}"#)
        #expect(badMarket.status == 400 && String(decoding: badMarket.body, as: UTF8.self).contains("INVALID_MARKET"))
        let missing = try Self.run(f, "/api/v1/aggregation/multi", method: .post, body: #"{"intervals":["1m"]}"#)
        #expect(missing.status == 400 && String(decoding: missing.body, as: UTF8.self) == #"{"error":"symbol is required"}"#)
        let junk = try Self.run(f, "/api/v1/aggregation/multi", method: .post, body: "{nope")
        #expect(junk.status == 400 && String(decoding: junk.body, as: UTF8.self) == #"{"error":"invalid request format"}"#)
        let parsed = MarketREST.MultiRequest.parse(Array(#"{"symbol":"x","limit":-3,"vp_hours":999,"liq_hours":48}"#.utf8))
        guard case .success(let m) = parsed else { Issue.record("not parsed"); return }
        #expect(m.limit == 500 && m.vpHours == 24 && m.liqHours == 48)
    }

    @Test("without a database: symbols and ranges say so with 503, and RFC 3339 is checked first")
    func withoutDatabase() throws {
        let f = try Fixture()
        #expect(try Self.run(f, "/api/v1/symbols").status == 503)
        #expect(try Self.run(f, "/api/v1/candles/BTCUSDT/range?start_time=2024-13").status == 400)
        #expect(RFC3339.isValid("2024-01-01T00:00:00Z") && RFC3339.isValid("2024-01-01T00:00:00.123456+05:30"))
        #expect(!RFC3339.isValid("2024-01-01") && !RFC3339.isValid("2024-01-01T00:00:00") && !RFC3339.isValid("1704067200000"))
        #expect(RFC3339.format(ms: Self.t0 + 3_723_045) == "2024-01-01T01:02:03.045Z" && RFC3339.isValid(RFC3339.format(ms: 0)))
        // Fields out of their range are refused here, not by PostgreSQL.
        for good in ["2024-02-29T23:59:60Z", "2023-12-31T23:59:59-15:59", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
                     "2026-11-28T00:00:00+14:00"] {
            #expect(RFC3339.isValid(good), "\(good)")
        }
        for bad in ["2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-11-31T00:00:00Z", "2023-02-29T00:00:00Z",
                    "2026-01-45T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T99:99:99Z", "2026-01-01T00:60:00Z",
                    "2026-01-01T00:00:61Z", "0000-01-01T00:00:00Z", "2026-11-28T00:00:00+99:99", "2026-11-28T00:00:00+05:60",
                    "2026-11-28T00:00:00+16:00", "2026-11-28T00:00:00-23:59", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"] {
            #expect(!RFC3339.isValid(bad), "\(bad)")
        }
    }
}
