import Glibc
import Testing
@testable import Feeder
@testable import Market
import Posix
import Runtime
import ShmRing
import Store

let feederDatabaseURL: String? = getenv("DATABASE_URL").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }

let migrationsFolder: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/") + "/migrations"
}()

/// The feeder's persistence end to end: records written to a real ring, read by the
/// pipeline's own reader, stored in a scratch schema of the `make test` PostgreSQL.
@Suite("Persistence pipeline on PostgreSQL", .serialized,
       .enabled(if: feederDatabaseURL != nil, "needs DATABASE_URL (make test starts PostgreSQL)"))
struct PersistPipelineTests {
    @Test("what the ring carries and what REST brings reach the tables, and status says so")
    func endToEnd() throws {
        let schema = "persist_pipeline_\(getpid())"
        let admin = try PostgresConnection(url: feederDatabaseURL!)
        try admin.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE; CREATE SCHEMA \(schema); SET search_path TO \(schema)")
        defer { _ = try? admin.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        try Migrator(connection: admin, migrations: Migration.load(directory: migrationsFolder)).up()

        let fd = try SharedMemory.anonymous(size: Layout.segmentSize(ringCapacity: 1 << 20, symbolCapacity: 4))
        defer { close(fd) }
        let segment = try Segment.format(fd: fd, ringCapacity: 1 << 20, symbolCapacity: 4)
        let writer = RingWriter(segment: segment)
        var config = Config()
        config.symbols = ["BTCUSDT", "ETHUSDT"]
        config.databaseURL = Postgres.url(feederDatabaseURL!, adding: [("options", "-csearch_path%3D\(schema)")])
        config.bookSnapshotSeconds = 0
        let log = Logger(role: "test", level: .critical, path: nil)
        let pipeline = try #require(PersistPipeline.start(config: config, symbols: FeedSymbols(config.symbols), segment: segment, log: log))

        for id in Int64(1)...500 {
            writer.publish(AggTradeRecord(symbolIndex: 0, flags: RecordFlags.futures, price: 4_200_000_000_000 + id, quantity: 1,
                                          aggregateId: id, firstTradeId: id, lastTradeId: id, tradeTimeMs: t0 + id,
                                          eventTimeMs: t0 + id, receivedNs: 0))
        }
        writer.publish(kline(close: 1, closed: false))
        writer.publish(kline(close: 2, closed: true))
        writer.publish(kline(close: 3, closed: false))
        writer.publish(LiquidationRecord(symbolIndex: 0, flags: RecordFlags.futures, side: 0, status: 2, eventTimeMs: t0,
                                         tradeTimeMs: t0, receivedNs: 0, price: 1, averagePrice: 1, originalQuantity: 1,
                                         lastFilledQuantity: 1, filledQuantity: 1))
        let levels = [BookLevel(price: 4_200_000_000_000, quantity: 100_000_000)]
        levels.withUnsafeBufferPointer { b in
            _ = writer.publish(BookSnapshotHeader(symbolIndex: 1, flags: 0, lastUpdateId: 9, eventTimeMs: t0, transactionTimeMs: 0,
                                                  receivedNs: 0), bids: b, asks: UnsafeBufferPointer(start: nil, count: 0))
        }
        let bars = (0..<3).map { i in
            KlineBar(openTime: t0 + Int64(i) * 3_600_000, closeTime: t0 + Int64(i) * 3_600_000 + 3_599_999, open: 1, high: 2, low: 1,
                     close: 2, volume: 5, quoteVolume: 10, tradeCount: 4, takerBuyBase: 1, takerBuyQuote: 2)
        }
        pipeline.restCandles(bars, symbol: 1, market: .spot, interval: .h1)

        let c = segment.control
        let arrived = eventuallyTrue(20) {
            c.storageCounter(.tradesWritten).loadRelaxed() == 500 && c.storageCounter(.candlesWritten).loadRelaxed() >= 4
                && c.storageCounter(.liquidationsWritten).loadRelaxed() == 1 && c.storageCounter(.bookSnapshotsWritten).loadRelaxed() == 1
        }
        #expect(arrived)
        #expect(c.storageCounter(.state).loadRelaxed() == StorageStateCode.up.rawValue)
        pipeline.stop()
        #expect(c.storageCounter(.state).loadRelaxed() == StorageStateCode.stopped.rawValue)
        #expect(c.storageCounter(.dropped).loadRelaxed() == 0 && c.storageCounter(.pending).loadRelaxed() == 0)

        #expect(try admin.execute("SELECT count(*), min(trade_id), max(trade_id), max(price) FROM trades WHERE market = 'futures'")
            == [["500", "1", "500", "42000.000005"]])
        #expect(try admin.execute("SELECT symbol, market, interval, close, is_closed FROM candles ORDER BY symbol, open_time") == [
            ["BTCUSDT", "futures", "1m", "0.00000002", "t"],
            ["ETHUSDT", "spot", "1h", "0.00000002", "t"], ["ETHUSDT", "spot", "1h", "0.00000002", "t"],
            ["ETHUSDT", "spot", "1h", "0.00000002", "t"],
        ], "the closed candle stands; the late open update did not overwrite it")
        #expect(try admin.execute("SELECT side, status FROM liquidations") == [["BUY", "FILLED"]])
        #expect(try admin.execute("SELECT symbol, market, bid_prices::text, bid_quantities::text, cardinality(ask_prices) FROM book_snapshots")
            == [["ETHUSDT", "spot", "{42000}", "{1}", "0"]])
    }
}

func eventuallyTrue(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Clock.monotonicNanos() + Int64(seconds * 1e9)
    while Clock.monotonicNanos() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}
