/// One row of the `symbols` table (migration 0001) as exchangeInfo describes it. Filter
/// values are fixed-point with `StoreDecimal.decimals` decimals, nil for NULL. `is_active`
/// is not here: it is the operator's (`PUT /symbols/:symbol`), and a new row gets the
/// column's default (true).
public struct SymbolRow: Sendable, Equatable {
    public var symbol: String
    public var baseAsset: String
    public var quoteAsset: String
    public var status: String
    public var pricePrecision: Int
    public var quantityPrecision: Int
    public var minPrice: Int64?
    public var maxPrice: Int64?
    public var minQty: Int64?
    public var maxQty: Int64?
    public var stepSize: Int64?
    public var tickSize: Int64?

    public init(symbol: String, baseAsset: String, quoteAsset: String, status: String, pricePrecision: Int,
                quantityPrecision: Int, minPrice: Int64?, maxPrice: Int64?, minQty: Int64?, maxQty: Int64?,
                stepSize: Int64?, tickSize: Int64?) {
        self.symbol = symbol
        self.baseAsset = baseAsset
        self.quoteAsset = quoteAsset
        self.status = status
        self.pricePrecision = pricePrecision
        self.quantityPrecision = quantityPrecision
        self.minPrice = minPrice
        self.maxPrice = maxPrice
        self.minQty = minQty
        self.maxQty = maxQty
        self.stepSize = stepSize
        self.tickSize = tickSize
    }

    /// Why the table would refuse the row (a text longer than its column), or nil. Checked
    /// before writing, so one odd entry cannot fail the others' transaction.
    public var problem: String? {
        if symbol.isEmpty || symbol.utf8.count > 50 { return "symbol must have 1–50 characters" }
        for (name, value) in [("base_asset", baseAsset), ("quote_asset", quoteAsset), ("status", status)]
        where value.isEmpty || value.count > 20 {
            return "\(name) must have 1–20 characters"
        }
        if !(0...1000).contains(pricePrecision) || !(0...1000).contains(quantityPrecision) { return "precision out of range" }
        return nil
    }

    /// The statement's parameters, in `SymbolWriter.upsert`'s order.
    var parameters: [String?] {
        [symbol, baseAsset, quoteAsset, status, String(pricePrecision), String(quantityPrecision),
         minPrice.map(Self.decimal), maxPrice.map(Self.decimal), minQty.map(Self.decimal), maxQty.map(Self.decimal),
         stepSize.map(Self.decimal), tickSize.map(Self.decimal)]
    }

    /// `0.01` for 1_000_000: the exact decimal text of a fixed-point value.
    static func decimal(_ v: Int64) -> String {
        var out = CopyText()
        out.appendDecimal(v)
        return String(decoding: out.bytes, as: UTF8.self)
    }
}

/// Writes `symbols` rows: an upsert on the symbol, in one transaction per call. A row whose
/// values all equal the stored ones is left alone (its `updated_at` too), so a daily sync
/// that finds nothing new changes nothing; `id`, `created_at` and `is_active` are never
/// overwritten.
public enum SymbolWriter {
    /// 12 parameters, in `SymbolRow.parameters` order; returns the symbols inserted or changed.
    public static let upsert = """
        INSERT INTO symbols AS s (symbol, base_asset, quote_asset, status, price_precision, quantity_precision,
            min_price, max_price, min_qty, max_qty, step_size, tick_size)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        ON CONFLICT (symbol) DO UPDATE SET
            base_asset = EXCLUDED.base_asset, quote_asset = EXCLUDED.quote_asset, status = EXCLUDED.status,
            price_precision = EXCLUDED.price_precision, quantity_precision = EXCLUDED.quantity_precision,
            min_price = EXCLUDED.min_price, max_price = EXCLUDED.max_price, min_qty = EXCLUDED.min_qty,
            max_qty = EXCLUDED.max_qty, step_size = EXCLUDED.step_size, tick_size = EXCLUDED.tick_size,
            updated_at = now()
        WHERE (s.base_asset, s.quote_asset, s.status, s.price_precision, s.quantity_precision, s.min_price,
               s.max_price, s.min_qty, s.max_qty, s.step_size, s.tick_size)
            IS DISTINCT FROM (EXCLUDED.base_asset, EXCLUDED.quote_asset, EXCLUDED.status, EXCLUDED.price_precision,
               EXCLUDED.quantity_precision, EXCLUDED.min_price, EXCLUDED.max_price, EXCLUDED.min_qty,
               EXCLUDED.max_qty, EXCLUDED.step_size, EXCLUDED.tick_size)
        RETURNING symbol
        """

    /// Upserts `rows` (all or none); returns the symbols that were inserted or changed.
    @discardableResult
    public static func write(_ rows: [SymbolRow], to db: PostgresConnection) throws(PostgresError) -> [String] {
        guard !rows.isEmpty else { return [] }
        try db.execute("BEGIN")
        var changed: [String] = []
        do {
            for row in rows {
                changed += try db.execute(upsert, row.parameters).compactMap { $0.first ?? nil }
            }
            try db.execute("COMMIT")
        } catch {
            if db.isConnected { _ = try? db.execute("ROLLBACK") }
            throw error
        }
        return changed
    }
}
