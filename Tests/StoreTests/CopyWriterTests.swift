import Glibc
import Testing
@testable import Store

/// The COPY writer on the real PostgreSQL of `make test`, each test in a scratch schema.
@Suite("COPY writer on PostgreSQL", .serialized, .enabled(if: databaseURL != nil, "needs DATABASE_URL (make test starts PostgreSQL)"))
struct CopyWriterTests {
    func scratch(_ tag: String) throws -> SchemaTests.Scratch {
        let s = try SchemaTests.Scratch(tag)
        try s.migrator.up()
        return s
    }

    static func ms(_ column: String) -> String { "(extract(epoch from \(column)) * 1000)::bigint" }

    @Test("every table round-trips exactly: the smallest step, big prices, times to the ms, NULLs and arrays")
    func roundTrip() throws {
        let s = try scratch("copy_round")
        defer { s.done() }
        var b = RowBatch()
        var big = Rows.candle(minute: 7)
        big.high = Int64.max
        big.low = 1
        b.candles = [big]
        b.trades = [Rows.trade(5), Rows.trade(6, market: .spot)]
        b.liquidations = [Rows.liquidation(3)]
        b.bookSnapshots = [Rows.snapshot(), Rows.snapshot(second: 6, binSize: 1)]
        let outcome = try CopyWriter(connection: s.db).write(b)
        #expect(outcome.sent == b.counts && outcome.changed == b.counts)

        let candle = try s.db.execute("""
            SELECT symbol, market, interval, \(Self.ms("open_time")), open, high, low, close, volume, \(Self.ms("close_time")),
                   quote_asset_volume, trade_count, taker_buy_base_volume, taker_buy_quote_volume, is_closed FROM candles
            """)
        let t7 = String(Rows.t0 + 7 * 60_000)
        #expect(candle == [["BTCUSDT", "futures", "1m", t7, "42000.1", "92233720368.54775807", "0.00000001", "42005.5", "12.5",
                            String(Rows.t0 + 7 * 60_000 + 59_999), "525000.25", "321", "7.25", "304500.1", "t"]])
        let trades = try s.db.execute("""
            SELECT symbol, market, trade_id, price, quantity, buyer_is_maker, \(Self.ms("trade_time")), first_trade_id, last_trade_id
            FROM trades ORDER BY trade_id
            """)
        #expect(trades == [["BTCUSDT", "futures", "5", "42000.50000005", "0.01", "f", String(Rows.t0 + 5), "50", "52"],
                           ["BTCUSDT", "spot", "6", "42000.50000006", "0.01", "t", String(Rows.t0 + 6), nil, nil]])
        let liquidation = try s.db.execute("""
            SELECT symbol, side, order_type, time_in_force, original_quantity, price, average_price, status,
                   last_filled_quantity, filled_accumulated_quantity, \(Self.ms("trade_time")) FROM liquidations
            """)
        #expect(liquidation == [["BTCUSDT", "BUY", "LIMIT", "IOC", "0.01400003", "9910", "9910.12345678", "FILLED",
                                 "0.014", "0.01400003", String(Rows.t0 + 2_003)]])
        let books = try s.db.execute("""
            SELECT \(Self.ms("snapshot_time")), bin_size, last_update_id, bid_prices::text, bid_quantities::text,
                   ask_prices::text, ask_quantities::text FROM book_snapshots ORDER BY snapshot_time
            """)
        #expect(books == [[String(Rows.t0 + 5_000), "10", "777", "{42000,41990}", "{1.5,0.00000001}", "{42010}", "{0.75}"],
                          [String(Rows.t0 + 6_000), "0.00000001", "777", "{42000,41990}", "{1.5,0.00000001}", "{42010}", "{0.75}"]])
    }

    @Test("writing the same batch twice leaves the same rows, and the replay changes nothing")
    func idempotentReplay() throws {
        let s = try scratch("copy_replay")
        defer { s.done() }
        var b = Rows.batch()
        b.candles = [Rows.candle(), Rows.candle(minute: 1)]
        let writer = CopyWriter(connection: s.db)
        let first = try writer.write(b)
        let snapshot = try s.db.execute("""
            SELECT (SELECT count(*) FROM candles), (SELECT count(*) FROM trades), (SELECT count(*) FROM liquidations),
                   (SELECT count(*) FROM book_snapshots), (SELECT string_agg(close::text, ',' ORDER BY open_time) FROM candles)
            """)
        #expect(snapshot == [["2", "4", "2", "1", "42005.5,42005.5"]])
        let second = try writer.write(b)
        #expect(first.changed == b.counts)
        #expect(second.sent == b.counts && second.changed == TableCounts(), "a replay inserts and updates nothing")
        #expect(try s.db.execute("""
            SELECT (SELECT count(*) FROM candles), (SELECT count(*) FROM trades), (SELECT count(*) FROM liquidations),
                   (SELECT count(*) FROM book_snapshots), (SELECT string_agg(close::text, ',' ORDER BY open_time) FROM candles)
            """) == snapshot)
        #expect(try CopyWriter(connection: s.db).write(b).changed == TableCounts(), "a new writer on the same connection too")
    }

    @Test("an open candle is overwritten until it closes; a late open update never overwrites the closed candle")
    func openAndClosedCandles() throws {
        let s = try scratch("copy_candles")
        defer { s.done() }
        let writer = CopyWriter(connection: s.db)
        func write(_ candles: [CandleRow]) throws -> UInt64 {
            var b = RowBatch()
            b.candles = candles
            return try writer.write(b).changed.candles
        }
        func row(_ minute: Int64) throws -> [String?] {
            try s.db.execute("SELECT close, is_closed FROM candles WHERE open_time = to_timestamp(\((Rows.t0 + minute * 60_000) / 1000))")
                .first ?? []
        }
        #expect(try write([Rows.candle(close: 100_000_000, closed: false)]) == 1)
        #expect(try row(0) == ["1", "f"])
        #expect(try write([Rows.candle(close: 200_000_000, closed: false)]) == 1)
        #expect(try row(0) == ["2", "f"], "the open candle moves")
        #expect(try write([Rows.candle(close: 300_000_000, closed: true)]) == 1)
        #expect(try row(0) == ["3", "t"], "then closes")
        #expect(try write([Rows.candle(close: 400_000_000, closed: false)]) == 0)
        #expect(try row(0) == ["3", "t"], "a late open update is ignored")
        #expect(try write([Rows.candle(close: 500_000_000, closed: true)]) == 1)
        #expect(try row(0) == ["5", "t"], "a closed correction (REST) replaces a closed candle")

        // Several updates of one candle in one batch: a closed one wins, else the latest.
        #expect(try write([Rows.candle(minute: 1, close: 600_000_000, closed: false), Rows.candle(minute: 1, close: 700_000_000, closed: true),
                           Rows.candle(minute: 1, close: 800_000_000, closed: false)]) == 1)
        #expect(try row(1) == ["7", "t"])
        #expect(try write([Rows.candle(minute: 2, close: 900_000_000, closed: false), Rows.candle(minute: 2, close: 1_000_000_000, closed: false)]) == 1)
        #expect(try row(2) == ["10", "f"])
        #expect(try s.count("candles") == 3)
    }

    @Test("rows the server refuses fail the whole transaction with their SQLSTATE, and the connection stays usable")
    func refusedRows() throws {
        let s = try scratch("copy_refused")
        defer { s.done() }
        var b = Rows.batch()
        b.bookSnapshots = [Rows.snapshot(binSize: 0)]
        let writer = CopyWriter(connection: s.db)
        do {
            try writer.write(b)
            Issue.record("a zero bin size passed the CHECK")
        } catch {
            #expect(error.sqlState == "23514", "check_violation: \(error)")
        }
        #expect(s.db.isConnected)
        #expect(try s.count("trades") == 0 && s.count("candles") == 0, "nothing of the batch is kept")
        b.bookSnapshots = [Rows.snapshot()]
        #expect(try writer.write(b).changed == b.counts, "the next batch goes through")
    }

    @Test("ten thousand trades go through one COPY")
    func bulk() throws {
        let s = try scratch("copy_bulk")
        defer { s.done() }
        var b = RowBatch()
        b.trades = (1...10_000).map { Rows.trade($0) }
        #expect(try CopyWriter(connection: s.db).write(b).changed.trades == 10_000)
        #expect(try s.db.execute("SELECT count(*), sum(trade_id), max(price) FROM trades") == [["10000", "50005000", "42000.5001"]])
    }
}
