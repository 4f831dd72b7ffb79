/// The staging tables and the statements that move staged rows into the storage tables.
/// Times travel as Unix ms (BIGINT) and become `timestamptz` in the INSERT, exactly:
/// `'epoch' + ms × 1 ms` is integer arithmetic on microseconds, never a float.
extension CopyWriter {
    /// Session-private staging tables, emptied by every COMMIT (and by a ROLLBACK, which
    /// undoes the COPY). Made once per connection.
    static let createStaging = """
        CREATE TEMP TABLE IF NOT EXISTS tt_stage_candles (
            ord BIGINT NOT NULL, symbol TEXT NOT NULL, market TEXT NOT NULL, interval TEXT NOT NULL,
            open_time_ms BIGINT NOT NULL, open NUMERIC NOT NULL, high NUMERIC NOT NULL, low NUMERIC NOT NULL,
            close NUMERIC NOT NULL, volume NUMERIC NOT NULL, close_time_ms BIGINT NOT NULL,
            quote_asset_volume NUMERIC NOT NULL, trade_count BIGINT NOT NULL,
            taker_buy_base_volume NUMERIC NOT NULL, taker_buy_quote_volume NUMERIC NOT NULL,
            is_closed BOOLEAN NOT NULL
        ) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS tt_stage_trades (
            symbol TEXT NOT NULL, market TEXT NOT NULL, trade_id BIGINT NOT NULL, price NUMERIC NOT NULL,
            quantity NUMERIC NOT NULL, buyer_is_maker BOOLEAN NOT NULL, trade_time_ms BIGINT NOT NULL,
            first_trade_id BIGINT, last_trade_id BIGINT
        ) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS tt_stage_liquidations (
            symbol TEXT NOT NULL, side TEXT NOT NULL, order_type TEXT NOT NULL, time_in_force TEXT NOT NULL,
            original_quantity NUMERIC NOT NULL, price NUMERIC NOT NULL, average_price NUMERIC NOT NULL,
            status TEXT NOT NULL, last_filled_quantity NUMERIC NOT NULL,
            filled_accumulated_quantity NUMERIC NOT NULL, trade_time_ms BIGINT NOT NULL
        ) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS tt_stage_book_snapshots (
            symbol TEXT NOT NULL, market TEXT NOT NULL, snapshot_time_ms BIGINT NOT NULL, bin_size NUMERIC NOT NULL,
            last_update_id BIGINT, bid_prices NUMERIC[] NOT NULL, bid_quantities NUMERIC[] NOT NULL,
            ask_prices NUMERIC[] NOT NULL, ask_quantities NUMERIC[] NOT NULL
        ) ON COMMIT DELETE ROWS;
        """

    static func copy(_ table: StoreTable) -> String {
        "COPY tt_stage_\(table) FROM STDIN"
    }

    static func insert(_ table: StoreTable) -> String {
        switch table {
        case .candles: insertCandles
        case .trades: insertTrades
        case .liquidations: insertLiquidations
        case .bookSnapshots: insertBookSnapshots
        }
    }

    /// One row per key: a closed update beats an open one, then the latest staged wins (ON
    /// CONFLICT DO UPDATE may touch a row once per statement). An open candle overwrites an
    /// open one; a closed one overwrites anything that differs; an open one never
    /// overwrites a closed one (a late open update after the close).
    static let insertCandles = """
        INSERT INTO candles AS c (symbol, market, interval, open_time, open, high, low, close, volume, close_time,
            quote_asset_volume, trade_count, taker_buy_base_volume, taker_buy_quote_volume, is_closed, updated_at)
        SELECT DISTINCT ON (symbol, market, interval, open_time_ms)
            symbol, market, interval, TIMESTAMPTZ 'epoch' + open_time_ms * INTERVAL '1 millisecond',
            open, high, low, close, volume, TIMESTAMPTZ 'epoch' + close_time_ms * INTERVAL '1 millisecond',
            quote_asset_volume, trade_count, taker_buy_base_volume, taker_buy_quote_volume, is_closed, now()
        FROM tt_stage_candles
        ORDER BY symbol, market, interval, open_time_ms, is_closed DESC, ord DESC
        ON CONFLICT ON CONSTRAINT candles_key DO UPDATE SET
            open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
            volume = EXCLUDED.volume, close_time = EXCLUDED.close_time,
            quote_asset_volume = EXCLUDED.quote_asset_volume, trade_count = EXCLUDED.trade_count,
            taker_buy_base_volume = EXCLUDED.taker_buy_base_volume,
            taker_buy_quote_volume = EXCLUDED.taker_buy_quote_volume,
            is_closed = EXCLUDED.is_closed, updated_at = now()
        WHERE NOT c.is_closed
           OR (EXCLUDED.is_closed AND (c.open, c.high, c.low, c.close, c.volume, c.close_time, c.quote_asset_volume,
                                        c.trade_count, c.taker_buy_base_volume, c.taker_buy_quote_volume)
               IS DISTINCT FROM (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close, EXCLUDED.volume,
                                 EXCLUDED.close_time, EXCLUDED.quote_asset_volume, EXCLUDED.trade_count,
                                 EXCLUDED.taker_buy_base_volume, EXCLUDED.taker_buy_quote_volume))
        """

    static let insertTrades = """
        INSERT INTO trades (symbol, market, trade_id, price, quantity, buyer_is_maker, trade_time,
            first_trade_id, last_trade_id)
        SELECT symbol, market, trade_id, price, quantity, buyer_is_maker,
            TIMESTAMPTZ 'epoch' + trade_time_ms * INTERVAL '1 millisecond', first_trade_id, last_trade_id
        FROM tt_stage_trades
        ON CONFLICT ON CONSTRAINT trades_key DO NOTHING
        """

    static let insertLiquidations = """
        INSERT INTO liquidations (symbol, side, order_type, time_in_force, original_quantity, price, average_price,
            status, last_filled_quantity, filled_accumulated_quantity, trade_time)
        SELECT symbol, side, order_type, time_in_force, original_quantity, price, average_price, status,
            last_filled_quantity, filled_accumulated_quantity, TIMESTAMPTZ 'epoch' + trade_time_ms * INTERVAL '1 millisecond'
        FROM tt_stage_liquidations
        ON CONFLICT ON CONSTRAINT liquidations_key DO NOTHING
        """

    static let insertBookSnapshots = """
        INSERT INTO book_snapshots (symbol, market, snapshot_time, bin_size, last_update_id,
            bid_prices, bid_quantities, ask_prices, ask_quantities)
        SELECT symbol, market, TIMESTAMPTZ 'epoch' + snapshot_time_ms * INTERVAL '1 millisecond', bin_size,
            last_update_id, bid_prices, bid_quantities, ask_prices, ask_quantities
        FROM tt_stage_book_snapshots
        ON CONFLICT ON CONSTRAINT book_snapshots_key DO NOTHING
        """
}
