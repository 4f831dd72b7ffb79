import Glibc
import Testing
@testable import Store

/// The storage schema on the real PostgreSQL of `make test` (plain PostgreSQL 15, no TimescaleDB).
@Suite("Storage schema on PostgreSQL", .serialized, .enabled(if: databaseURL != nil, "needs DATABASE_URL (make test starts PostgreSQL)"))
struct SchemaTests {
    /// A scratch schema per test, dropped by `done`, so tests never see each other's tables.
    struct Scratch {
        let db: PostgresConnection
        let schema: String
        let migrator: Migrator
        let all: [Migration]

        init(_ tag: String) throws {
            db = try PostgresConnection(url: databaseURL!)
            schema = "schema_test_\(getpid())_\(tag)"
            try db.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE; CREATE SCHEMA \(schema); SET search_path TO \(schema)")
            all = try Migration.load(directory: repositoryMigrations)
            migrator = try Migrator(connection: db, migrations: all)
        }

        func done() { _ = try? db.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE") }

        /// Every relation (table, index, sequence) and constraint in the schema, with its kind.
        func objects() throws -> Set<String> {
            let relations = try db.execute("""
                SELECT c.relkind::text || ':' || c.relname FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()
                """)
            let constraints = try db.execute("""
                SELECT 'constraint:' || conname FROM pg_constraint c
                JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = current_schema()
                """)
            return Set((relations + constraints).compactMap { $0[0] })
        }

        func count(_ table: String) throws -> Int {
            Int(try db.execute("SELECT count(*) FROM \(table)")[0][0] ?? "") ?? -1
        }
    }

    static let storageTables: Set<String> = ["symbols", "candles", "trades", "liquidations", "book_snapshots"]
    static let keys: Set<String> = ["candles_key", "trades_key", "liquidations_key", "book_snapshots_key"]

    @Test("migrations go up, down and up again, with the status right after each step")
    func upDownUp() throws {
        let s = try Scratch("updown")
        defer { s.done() }
        let versions = s.all.map(\.version)
        #expect(versions.starts(with: [1, 2, 3, 4, 5]))
        let empty = try s.objects()
        #expect(try s.migrator.applied().isEmpty)

        #expect(try s.migrator.up() == versions)
        #expect(try s.migrator.applied() == versions)
        let afterUp = try s.objects()
        for table in Self.storageTables { #expect(afterUp.contains("r:\(table)"), "table \(table)") }
        for key in Self.keys { #expect(afterUp.contains("i:\(key)") && afterUp.contains("constraint:\(key)"), "key \(key)") }
        for index in Schema.brinIndexes + ["trades_symbol_time_idx"] { #expect(afterUp.contains("i:\(index)"), "index \(index)") }

        #expect(try s.migrator.down(steps: versions.count) == versions.reversed())
        #expect(try s.migrator.applied().isEmpty)
        #expect(try s.objects() == empty, "nothing is left after down but schema_migrations")

        #expect(try s.migrator.up() == versions)
        #expect(try s.migrator.applied() == versions)
        #expect(try s.objects() == afterUp, "up again makes the same objects")
    }

    @Test("each down file removes exactly what its up file made")
    func downUndoesUp() throws {
        let s = try Scratch("stepwise")
        defer { s.done() }
        var snapshots = [try s.objects()]
        for m in s.all {
            #expect(try s.migrator.up(to: m.version) == [m.version])
            snapshots.append(try s.objects())
            #expect(snapshots[snapshots.count - 1].isStrictSuperset(of: snapshots[snapshots.count - 2]), "\(m.name) made something")
        }
        for m in s.all.reversed() {
            snapshots.removeLast()
            #expect(try s.migrator.down(steps: 1) == [m.version])
            #expect(try s.objects() == snapshots.last!, "down of \(m.name)")
        }
    }

    @Test("plain PostgreSQL gets a BRIN index on the time column of every time-series table")
    func brinIndexes() throws {
        let s = try Scratch("brin")
        defer { s.done() }
        try s.migrator.up()
        let rows = try s.db.execute("""
            SELECT tablename, indexname, indexdef FROM pg_indexes
            WHERE schemaname = current_schema() AND indexdef LIKE '%USING brin%' ORDER BY tablename
            """)
        #expect(Set(rows.compactMap { $0[1] }) == Set(Schema.brinIndexes))
        #expect(Set(rows.compactMap { $0[0] }) == Set(Schema.timeSeriesTables))
        let columns = ["candles": "open_time", "trades": "trade_time", "liquidations": "trade_time", "book_snapshots": "snapshot_time"]
        for row in rows {
            #expect(row[2]?.hasSuffix("USING brin (\(columns[row[0] ?? ""] ?? "?"))") == true, "\(row[2] ?? "")")
        }
    }

    @Test("replaying a candle is a no-op and an upsert overwrites the open candle")
    func candles() throws {
        let s = try Scratch("candles")
        defer { s.done() }
        try s.migrator.up()
        let open: [String?] = ["BTCUSDT", "futures", "1m", "2024-01-01 00:00:00+00", "42000.1", "42010", "41990", "42005.5",
                               "12.5", "2024-01-01 00:00:59.999+00", "525000.25", "321", "7.25", "304500.1", "false"]
        try s.db.execute(Schema.upsertCandle, open)
        let columns = "symbol, market, interval, open_time, open, high, low, close, volume, close_time, quote_asset_volume, trade_count, taker_buy_base_volume, taker_buy_quote_volume, is_closed"
        let replay = "INSERT INTO candles (\(columns)) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) ON CONFLICT DO NOTHING"
        try s.db.execute(replay, open)
        #expect(try s.count("candles") == 1)
        var spot = open; spot[1] = "spot"
        try s.db.execute(replay, spot)
        #expect(try s.count("candles") == 2, "spot and futures candles are kept apart")

        var closed = open; closed[7] = "42007"; closed[8] = "13"; closed[11] = "330"; closed[14] = "true"
        try s.db.execute(Schema.upsertCandle, closed)
        #expect(try s.count("candles") == 2)
        let row = try s.db.execute("SELECT close, volume, trade_count, is_closed FROM candles WHERE market = 'futures'")
        #expect(row == [["42007", "13", "330", "t"]])
        #expect(throws: PostgresError.self) { try s.db.execute(Schema.upsertCandle, ["X", "margin"] + open.dropFirst(2)) }
    }

    @Test("replaying a trade, a liquidation or a book snapshot is a no-op")
    func idempotentReplay() throws {
        let s = try Scratch("replay")
        defer { s.done() }
        try s.migrator.up()
        let trade: [String?] = ["BTCUSDT", "futures", "1001", "42000.5", "0.010", "true", "2024-01-01 00:00:01.5+00", "5001", "5003"]
        for _ in 0..<3 { try s.db.execute(Schema.insertTrade, trade) }
        #expect(try s.count("trades") == 1)
        var next = trade; next[2] = "1002"
        try s.db.execute(Schema.insertTrade, next)
        var spot = trade; spot[1] = "spot"; spot[7] = nil; spot[8] = nil
        try s.db.execute(Schema.insertTrade, spot)
        #expect(try s.count("trades") == 3, "another id, or the same id on the other market, is another trade")

        let liquidation: [String?] = ["BTCUSDT", "SELL", "LIMIT", "IOC", "0.014", "9910", "9910", "FILLED", "0.014", "0.014", "2024-01-01 00:00:02+00"]
        try s.db.execute(Schema.insertLiquidation, liquidation)
        try s.db.execute(Schema.insertLiquidation, liquidation)
        #expect(try s.count("liquidations") == 1)
        var other = liquidation; other[1] = "BUY"
        try s.db.execute(Schema.insertLiquidation, other)
        #expect(try s.count("liquidations") == 2)

        let book: [String?] = ["BTCUSDT", "futures", "2024-01-01 00:00:05+00", "10", "777", "{42000,41990}", "{1.5,2.25}", "{42010}", "{0.75}"]
        try s.db.execute(Schema.insertBookSnapshot, book)
        try s.db.execute(Schema.insertBookSnapshot, book)
        #expect(try s.count("book_snapshots") == 1)
        #expect(try s.db.execute("SELECT bid_quantities[2], cardinality(ask_prices) FROM book_snapshots") == [["2.25", "1"]])
        var uneven = book; uneven[2] = "2024-01-01 00:00:06+00"; uneven[6] = "{1.5}"
        #expect(throws: PostgresError.self, "bins without quantities are refused") { try s.db.execute(Schema.insertBookSnapshot, uneven) }
    }

    @Test("the TimescaleDB branch is parsed on plain PostgreSQL and names Timescale's policy functions")
    func timescaleBranch() throws {
        let s = try Scratch("timescale")
        defer { s.done() }
        // PL/pgSQL checks the syntax of statements in a branch that never runs, so the migrations
        // applying cleanly means their TimescaleDB branches are valid SQL.
        #expect(throws: PostgresError.self) {
            try s.db.execute("DO $$ BEGIN IF false THEN ALTER TABLE x SET (timescaledb.compress,, y = 'z'); END IF; END $$")
        }
        try s.db.execute("DO $$ BEGIN IF false THEN PERFORM create_hypertable('x', 'y', if_not_exists => true); END IF; END $$")
        for table in Schema.timeSeriesTables {
            guard let m = s.all.first(where: { $0.name == "create_\(table)" }) else { Issue.record("no migration for \(table)"); continue }
            for call in ["pg_available_extensions WHERE name = 'timescaledb'", "create_hypertable('\(table)'", "timescaledb.compress,",
                         "add_compression_policy('\(table)', compress_after =>", "add_retention_policy('\(table)', drop_after =>",
                         "USING brin"] {
                #expect(m.up.range(of: call) != nil, "\(m.name) has \(call)")
            }
        }
        try s.migrator.up()
        #expect(try s.db.execute("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'") == [["0"]])
    }
}
