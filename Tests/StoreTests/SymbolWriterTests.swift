import Glibc
import Testing
@testable import Store

private let e8: Int64 = 100_000_000

private func btc(status: String = "TRADING") -> SymbolRow {
    SymbolRow(symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT", status: status, pricePrecision: 2, quantityPrecision: 5,
              minPrice: e8 / 100, maxPrice: 1_000_000 * e8, minQty: 1_000, maxQty: 9_000 * e8, stepSize: 1_000, tickSize: e8 / 100)
}

/// Futures-shaped (stated precisions) with the largest values Binance lists and NULL filters.
private func shib(maxQty: Int64? = nil) -> SymbolRow {
    SymbolRow(symbol: "1000SHIBUSDT", baseAsset: "1000SHIB", quoteAsset: "USDT", status: "PENDING_TRADING",
              pricePrecision: 6, quantityPrecision: 0, minPrice: 1, maxPrice: 9_999_998_955 * e8, minQty: e8, maxQty: maxQty,
              stepSize: nil, tickSize: nil)
}

private let columns = """
    SELECT symbol, base_asset, quote_asset, status, is_active::text, price_precision::text, quantity_precision::text,
        min_price::text, max_price::text, min_qty::text, max_qty::text, step_size::text, tick_size::text
    FROM symbols ORDER BY symbol
    """

@Suite("symbols upsert on PostgreSQL", .serialized, .enabled(if: databaseURL != nil, "needs DATABASE_URL (make test starts PostgreSQL)"))
struct SymbolWriterTests {
    @Test("rows are inserted with exact decimals, NULL where a filter is missing, and active by default")
    func inserts() throws {
        let s = try SchemaTests.Scratch("symbols_insert")
        defer { s.done() }
        try s.migrator.up()
        #expect(try SymbolWriter.write([btc(), shib()], to: s.db) == ["BTCUSDT", "1000SHIBUSDT"])
        #expect(try s.db.execute(columns) == [
            ["1000SHIBUSDT", "1000SHIB", "USDT", "PENDING_TRADING", "true", "6", "0",
             "0.00000001", "9999998955.00000000", "1.00000000", nil, nil, nil],
            ["BTCUSDT", "BTC", "USDT", "TRADING", "true", "2", "5",
             "0.01000000", "1000000.00000000", "0.00001000", "9000.00000000", "0.00001000", "0.01000000"],
        ])
    }

    @Test("the same rows again change nothing, not even updated_at")
    func idempotent() throws {
        let s = try SchemaTests.Scratch("symbols_again")
        defer { s.done() }
        try s.migrator.up()
        try SymbolWriter.write([btc(), shib()], to: s.db)
        let before = try s.db.execute("SELECT symbol, id::text, created_at::text, updated_at::text FROM symbols ORDER BY symbol")
        usleep(20_000)
        #expect(try SymbolWriter.write([btc(), shib()], to: s.db) == [])
        #expect(try s.db.execute("SELECT symbol, id::text, created_at::text, updated_at::text FROM symbols ORDER BY symbol") == before)
        #expect(try s.count("symbols") == 2)
    }

    @Test("a changed status updates the row in place: id, created_at and the operator's is_active stay")
    func updates() throws {
        let s = try SchemaTests.Scratch("symbols_update")
        defer { s.done() }
        try s.migrator.up()
        try SymbolWriter.write([btc(), shib()], to: s.db)
        try s.db.execute("UPDATE symbols SET is_active = false, updated_at = now() - interval '1 hour' WHERE symbol = 'BTCUSDT'")
        let before = try s.db.execute("SELECT id::text, created_at::text, updated_at FROM symbols WHERE symbol = 'BTCUSDT'")[0]

        #expect(try SymbolWriter.write([btc(status: "BREAK"), shib(maxQty: 50_000_000 * e8)], to: s.db) == ["BTCUSDT", "1000SHIBUSDT"])
        let after = try s.db.execute("""
            SELECT id::text, created_at::text, status, is_active::text, updated_at > now() - interval '1 minute'
            FROM symbols WHERE symbol = 'BTCUSDT'
            """)[0]
        #expect(after == [before[0], before[1], "BREAK", "false", "t"])
        #expect(try s.db.execute("SELECT max_qty::text FROM symbols WHERE symbol = '1000SHIBUSDT'") == [["50000000.00000000"]])
        #expect(try s.count("symbols") == 2)
    }

    @Test("a row the table refuses fails the whole write: nothing is stored")
    func atomic() throws {
        let s = try SchemaTests.Scratch("symbols_atomic")
        defer { s.done() }
        try s.migrator.up()
        var odd = shib()
        odd.baseAsset = String(repeating: "X", count: 21)
        #expect(odd.problem == "base_asset must have 1–20 characters")
        #expect(throws: PostgresError.self) { try SymbolWriter.write([btc(), odd], to: s.db) }
        #expect(try s.count("symbols") == 0)
        #expect(try SymbolWriter.write([btc()], to: s.db) == ["BTCUSDT"], "the connection is usable afterwards")
    }
}

@Suite("symbols rows")
struct SymbolRowTests {
    @Test("parameters carry exact decimal text and NULLs")
    func parameters() {
        #expect(shib().parameters == ["1000SHIBUSDT", "1000SHIB", "USDT", "PENDING_TRADING", "6", "0",
                                      "0.00000001", "9999998955", "1", nil, nil, nil])
        #expect(btc().problem == nil)
        var long = btc()
        long.symbol = String(repeating: "A", count: 51)
        #expect(long.problem == "symbol must have 1–50 characters")
    }
}
