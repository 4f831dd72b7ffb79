import Foundation
import Glibc
import Market
import ShmRing
import Store
import Testing
@testable import Worker

/// `/websocket/trades` and `/websocket/liquidations`: asking for more never returns less, and
/// what memory does not keep comes from PostgreSQL.
@Suite("Live REST limits: clamped, echoed, and past memory")
struct MarketRESTLimitTests {
    typealias Fixture = MarketRESTTests.Fixture
    static let t0 = MarketRESTTests.t0
    static let databaseURL = ProcessInfo.processInfo.environment["DATABASE_URL"]
    /// Nothing listens on port 1: the database is away.
    static let awayURL = "postgres://postgres@127.0.0.1:1/none?sslmode=disable"

    /// Futures aggTrade `id`: price 100+id, quantity 1, buyer maker on even ids, traded at t0+id, sent 5 ms later.
    static func aggTrade(_ id: Int64, symbol: UInt32) -> AggTradeRecord {
        AggTradeRecord(symbolIndex: symbol, flags: RecordFlags.futures | (id % 2 == 0 ? TradeRecord.buyerIsMaker : 0),
                       price: (100 + id) * Fixed.scale, quantity: Fixed.scale, aggregateId: id, firstTradeId: id * 10,
                       lastTradeId: id * 10 + 2, tradeTimeMs: t0 + id, eventTimeMs: t0 + id + 5, receivedNs: 0)
    }

    static func liquidation(_ i: Int64, symbol: UInt32) -> LiquidationRecord {
        LiquidationRecord(symbolIndex: symbol, flags: RecordFlags.futures, side: 0, status: OrderStatus.filled.rawValue,
                          eventTimeMs: t0 + i * 1_000 + 5, tradeTimeMs: t0 + i * 1_000, receivedNs: 0,
                          price: 60_000 * Fixed.scale, averagePrice: 60_010 * Fixed.scale, originalQuantity: Fixed.scale / 10,
                          lastFilledQuantity: Fixed.scale / 10, filledQuantity: Fixed.scale / 10)
    }

    /// The work a route handed to the query thread, run on a context for `url`; nil (recorded)
    /// when the route answered from memory at once.
    static func background(_ f: Fixture, _ target: String, url: String) throws -> RESTResponse? {
        let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
        let request = HTTPRequest(method: .get, path: parts[0], query: parts.count > 1 ? parts[1] : nil)
        guard case .route(let route) = APIRoute.match(method: .get, path: request.path),
              case .background(let work) = try f.rest.handle(route, QueryParameters(request.query), request) else {
            Issue.record("\(target): answered from memory alone, which holds fewer than asked")
            return nil
        }
        return work(QueryContext(databaseURL: url, cache: nil))
    }

    static func json(_ r: RESTResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
    }

    @Test("a limit above 10000 is clamped to it and echoed; 0, negatives and non-integers are the default 100, as in the original")
    func clampedAndRefused() throws {
        let f = try Fixture()
        for id in Int64(1_000)..<1_300 { f.tables.updateTrade(Self.aggTrade(id, symbol: 0)) }
        for i in Int64(0)..<3 { f.tables.appendLiquidation(Self.liquidation(i, symbol: 0)) }
        for (route, key, held) in [("trades", "trades", 256), ("liquidations", "liquidations", 3)] {
            let target = "/api/v1/websocket/\(route)/BTCUSDT"
            for (asked, used) in [("10000", 10_000), ("10001", 10_000), ("50000", 10_000), ("99999999999999999999999", 10_000)] {
                let body = try f.json("\(target)?limit=\(asked)")
                #expect(body["limit"] as? Int == used, "\(route) limit=\(asked)")
                #expect((body[key] as? [Any])?.count == held && body["count"] as? Int == held, "\(route) limit=\(asked): all memory holds")
            }
            #expect(try f.json(target)["limit"] as? Int == 100, "\(route): default 100")
            for asked in ["0", "-1", "abc", "1.5"] {
                #expect(try f.json("\(target)?limit=\(asked)")["limit"] as? Int == 100, "\(route) limit=\(asked)")
            }
        }
        let trades = try #require(try f.json("/api/v1/websocket/trades/BTCUSDT?limit=2")["trades"] as? [[String: Any]])
        #expect(trades.map { $0["a"] as? Int64 } == [1_298, 1_299], "the newest, oldest first")
    }

    @Test("trades past the 256 memory keeps come from PostgreSQL's trades, by id, with no gap or repeat",
          .enabled(if: databaseURL != nil, "needs DATABASE_URL (make test starts PostgreSQL)"))
    func tradesFromDatabase() throws {
        let url = try #require(Self.databaseURL)
        let symbol = "TR\(getpid())USDT"
        let f = try Fixture(databaseURL: url, extraSymbol: symbol)
        let db = try PostgresConnection(url: url)
        var path = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        path.removeLast(3)
        _ = try Migrator(connection: db, migrations: try Migration.load(directory: path.joined(separator: "/") + "/migrations")).up()
        defer { _ = try? db.execute("DELETE FROM trades WHERE symbol = $1", [symbol]) }
        // The persister stores every trade, those memory still holds too: ids 0…1299.
        try db.execute("""
            INSERT INTO trades (symbol, market, trade_id, price, quantity, buyer_is_maker, trade_time, first_trade_id, last_trade_id)
            SELECT $1, 'futures', g, 100 + g, 1, g % 2 = 0, 'epoch'::timestamptz + ($2::bigint + g) * interval '1 millisecond',
                   g * 10, g * 10 + 2
            FROM generate_series(0, 1299) g
            """, [symbol, String(Self.t0)])
        for id in Int64(1_000)..<1_300 { f.tables.updateTrade(Self.aggTrade(id, symbol: 2)) }
        #expect(f.tables.recentTradesHeld(symbolIndex: 2, market: .futures) == 256)

        let r = try #require(try Self.background(f, "/api/v1/websocket/trades/\(symbol)?limit=1000", url: url))
        let body = try Self.json(r)
        let trades = try #require(body["trades"] as? [[String: Any]])
        #expect(body["count"] as? Int == 1_000 && body["limit"] as? Int == 1_000)
        #expect(trades.map { $0["a"] as? Int64 ?? -1 } == Array(300..<1_300), "the newest 1000, oldest first")
        #expect(!r.headers.contains("X-Data-Source"))
        let stored = trades[0], kept = trades[999]
        #expect(stored["e"] as? String == "aggTrade" && stored["p"] as? String == "400" && stored["q"] as? String == "1")
        #expect(stored["f"] as? Int64 == 3_000 && stored["l"] as? Int64 == 3_002 && stored["m"] as? Bool == true)
        #expect(stored["T"] as? Int64 == Self.t0 + 300 && stored["E"] as? Int64 == Self.t0 + 300, "the table keeps no event time")
        #expect(kept["E"] as? Int64 == Self.t0 + 1_304 && kept["m"] as? Bool == false && kept["p"] as? String == "1399")

        let all = try Self.json(try #require(try Self.background(f, "/api/v1/websocket/trades/\(symbol)?limit=20000", url: url)))
        #expect(all["limit"] as? Int == 10_000 && all["count"] as? Int == 1_300)
    }

    @Test("with PostgreSQL away, trades and liquidations answer what memory holds and say so in X-Data-Source")
    func databaseAway() throws {
        let f = try Fixture(databaseURL: Self.awayURL)
        for id in Int64(1_000)..<1_010 { f.tables.updateTrade(Self.aggTrade(id, symbol: 0)) }
        for i in Int64(0)..<4 { f.tables.appendLiquidation(Self.liquidation(i, symbol: 0)) }
        for (route, key, held) in [("trades", "trades", 10), ("liquidations", "liquidations", 4)] {
            let r = try #require(try Self.background(f, "/api/v1/websocket/\(route)/BTCUSDT?limit=500", url: Self.awayURL))
            let body = try Self.json(r)
            #expect(r.status == 200 && (body[key] as? [Any])?.count == held && body["limit"] as? Int == 500, "\(route)")
            #expect(r.headers.contains("X-Data-Source: memory (database unavailable)\r\n"), "\(route): \(r.headers)")
        }
    }
}
