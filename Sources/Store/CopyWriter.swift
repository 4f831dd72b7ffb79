/// Writes a `RowBatch` in one transaction: per table, COPY into a session-private staging
/// table, then `INSERT … SELECT … ON CONFLICT` into the storage table, so a replayed or
/// re-fetched row never makes a duplicate. Blocking: the persister's thread calls it.
public final class CopyWriter {
    public let db: PostgresConnection
    private var out = CopyText()
    private var staged = false

    /// What one `write` did, per table: rows sent, and rows the INSERT inserted or updated
    /// (a replay changes nothing).
    public struct Outcome: Sendable, Equatable {
        public var sent = TableCounts()
        public var changed = TableCounts()
    }

    public init(connection: PostgresConnection) {
        db = connection
    }

    /// Writes every row of `batch`, all tables in one transaction: all of it or none.
    @discardableResult
    public func write(_ batch: RowBatch) throws(PostgresError) -> Outcome {
        var outcome = Outcome()
        guard !batch.isEmpty else { return outcome }
        if !staged {
            try db.execute(Self.createStaging)
            staged = true
        }
        try db.execute("BEGIN")
        do {
            for table in StoreTable.allCases where batch.count(table) > 0 {
                encode(table, of: batch)
                try db.copyIn(Self.copy(table), out.bytes)
                outcome.changed[table] = UInt64(try db.executeCount(Self.insert(table)))
                outcome.sent[table] = UInt64(batch.count(table))
            }
            try db.execute("COMMIT")
        } catch {
            // The server rolls a failed transaction back on its own when the connection is gone.
            if db.isConnected { _ = try? db.execute("ROLLBACK") }
            throw error
        }
        return outcome
    }

    /// `table`'s rows of `batch` as COPY text, in the staging table's column order.
    func encode(_ table: StoreTable, of batch: RowBatch) {
        out.removeAll()
        switch table {
        case .candles:
            for (i, c) in batch.candles.enumerated() { encode(c, ord: i) }
        case .trades:
            for t in batch.trades {
                out.text(t.symbol); out.text(t.market.name); out.integer(t.tradeId)
                out.decimal(t.price); out.decimal(t.quantity); out.boolean(t.buyerIsMaker)
                out.integer(t.tradeTimeMs); out.integer(t.firstTradeId); out.integer(t.lastTradeId)
                out.endRow()
            }
        case .liquidations:
            for l in batch.liquidations {
                out.text(l.symbol); out.text(l.side); out.text(l.orderType); out.text(l.timeInForce)
                out.decimal(l.originalQuantity); out.decimal(l.price); out.decimal(l.averagePrice)
                out.text(l.status); out.decimal(l.lastFilledQuantity); out.decimal(l.filledAccumulatedQuantity)
                out.integer(l.tradeTimeMs)
                out.endRow()
            }
        case .bookSnapshots:
            for s in batch.bookSnapshots {
                out.text(s.symbol); out.text(s.market.name); out.integer(s.snapshotTimeMs)
                out.decimal(s.binSize); out.integer(s.lastUpdateId)
                out.decimalArray(s.bids.lazy.map(\.price)); out.decimalArray(s.bids.lazy.map(\.quantity))
                out.decimalArray(s.asks.lazy.map(\.price)); out.decimalArray(s.asks.lazy.map(\.quantity))
                out.endRow()
            }
        }
    }

    private func encode(_ c: CandleRow, ord: Int) {
        out.integer(Int64(ord)); out.text(c.symbol); out.text(c.market.name); out.text(c.interval)
        out.integer(c.openTimeMs); out.decimal(c.open); out.decimal(c.high); out.decimal(c.low)
        out.decimal(c.close); out.decimal(c.volume); out.integer(c.closeTimeMs); out.decimal(c.quoteVolume)
        out.integer(c.tradeCount); out.decimal(c.takerBuyBase); out.decimal(c.takerBuyQuote)
        out.boolean(c.closed)
        out.endRow()
    }

    /// The COPY text of `table`'s rows (for tests).
    func copyText(_ table: StoreTable, of batch: RowBatch) -> [UInt8] {
        encode(table, of: batch)
        return out.bytes
    }
}
