/// The storage tables a batch writes, in the order a flush writes them.
public enum StoreTable: Int, Sendable, CaseIterable, CustomStringConvertible {
    case candles = 0, trades, liquidations, bookSnapshots

    /// The SQL table's name.
    public var description: String {
        switch self {
        case .candles: "candles"
        case .trades: "trades"
        case .liquidations: "liquidations"
        case .bookSnapshots: "book_snapshots"
        }
    }
}

/// A number per storage table (rows written, dropped, rejected…).
public struct TableCounts: Sendable, Equatable {
    public var candles: UInt64 = 0
    public var trades: UInt64 = 0
    public var liquidations: UInt64 = 0
    public var bookSnapshots: UInt64 = 0

    public init() {}

    public subscript(table: StoreTable) -> UInt64 {
        get {
            switch table {
            case .candles: candles
            case .trades: trades
            case .liquidations: liquidations
            case .bookSnapshots: bookSnapshots
            }
        }
        set {
            switch table {
            case .candles: candles = newValue
            case .trades: trades = newValue
            case .liquidations: liquidations = newValue
            case .bookSnapshots: bookSnapshots = newValue
            }
        }
    }

    public var total: UInt64 { candles &+ trades &+ liquidations &+ bookSnapshots }

    public static func += (a: inout TableCounts, b: TableCounts) {
        for t in StoreTable.allCases { a[t] &+= b[t] }
    }
}

/// Rows for every storage table, in arrival order per table: what one flush writes in one
/// transaction, and what the producer fills between flushes.
public struct RowBatch: Sendable, Equatable {
    public var candles: [CandleRow] = []
    public var trades: [TradeRow] = []
    public var liquidations: [LiquidationRow] = []
    public var bookSnapshots: [BookSnapshotRow] = []

    public init() {}

    /// Rows in all tables.
    public var count: Int { candles.count + trades.count + liquidations.count + bookSnapshots.count }
    public var isEmpty: Bool { count == 0 }

    /// Rows per table.
    public var counts: TableCounts {
        var c = TableCounts()
        c.candles = UInt64(candles.count)
        c.trades = UInt64(trades.count)
        c.liquidations = UInt64(liquidations.count)
        c.bookSnapshots = UInt64(bookSnapshots.count)
        return c
    }

    public func count(_ table: StoreTable) -> Int {
        switch table {
        case .candles: candles.count
        case .trades: trades.count
        case .liquidations: liquidations.count
        case .bookSnapshots: bookSnapshots.count
        }
    }

    /// Empties the batch, keeping its arrays' storage for the next fill.
    public mutating func removeAll() {
        candles.removeAll(keepingCapacity: true)
        trades.removeAll(keepingCapacity: true)
        liquidations.removeAll(keepingCapacity: true)
        bookSnapshots.removeAll(keepingCapacity: true)
    }

    /// Empties one table's rows.
    public mutating func removeAll(_ table: StoreTable) {
        switch table {
        case .candles: candles.removeAll()
        case .trades: trades.removeAll()
        case .liquidations: liquidations.removeAll()
        case .bookSnapshots: bookSnapshots.removeAll()
        }
    }

    /// Removes the rows whose symbol `drop` names; returns how many it removed.
    @discardableResult
    public mutating func removeRows(where drop: (String) -> Bool) -> Int {
        let before = count
        candles.removeAll { drop($0.symbol) }
        trades.removeAll { drop($0.symbol) }
        liquidations.removeAll { drop($0.symbol) }
        bookSnapshots.removeAll { drop($0.symbol) }
        return before - count
    }

    /// Appends every row of `other`.
    public mutating func append(contentsOf other: RowBatch) {
        candles.append(contentsOf: other.candles)
        trades.append(contentsOf: other.trades)
        liquidations.append(contentsOf: other.liquidations)
        bookSnapshots.append(contentsOf: other.bookSnapshots)
    }

    /// Keeps the first `n` rows (candles first, then trades, liquidations, snapshots) and
    /// returns the counts of the rows it removed.
    @discardableResult
    public mutating func truncate(keeping n: Int) -> TableCounts {
        var left = max(0, n)
        var removed = TableCounts()
        func cut<T>(_ rows: inout [T], _ table: StoreTable) {
            let keep = min(left, rows.count)
            removed[table] = UInt64(rows.count - keep)
            rows.removeLast(rows.count - keep)
            left -= keep
        }
        cut(&candles, .candles)
        cut(&trades, .trades)
        cut(&liquidations, .liquidations)
        cut(&bookSnapshots, .bookSnapshots)
        return removed
    }

    /// The batch with only `table`'s rows, all of them or those at `rows`.
    public func only(_ table: StoreTable, rows: Range<Int>? = nil) -> RowBatch {
        var b = RowBatch()
        switch table {
        case .candles: b.candles = Array(candles[rows ?? candles.indices])
        case .trades: b.trades = Array(trades[rows ?? trades.indices])
        case .liquidations: b.liquidations = Array(liquidations[rows ?? liquidations.indices])
        case .bookSnapshots: b.bookSnapshots = Array(bookSnapshots[rows ?? bookSnapshots.indices])
        }
        return b
    }

    /// Removes the first `n` of `table`'s rows.
    public mutating func removeFirst(_ n: Int, of table: StoreTable) {
        switch table {
        case .candles: candles.removeFirst(min(n, candles.count))
        case .trades: trades.removeFirst(min(n, trades.count))
        case .liquidations: liquidations.removeFirst(min(n, liquidations.count))
        case .bookSnapshots: bookSnapshots.removeFirst(min(n, bookSnapshots.count))
        }
    }
}
