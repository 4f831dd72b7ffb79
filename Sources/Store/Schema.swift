/// The storage tables made by `migrations/0002`–`0005`, and the idempotent writes against their
/// keys. Parameters are text (libpq's text format): times as `timestamptz` literals, numbers as
/// Binance sends them (decimal strings).
public enum Schema {
    /// Tables that grow with time: hypertables under TimescaleDB, BRIN-indexed tables otherwise.
    public static let timeSeriesTables = ["candles", "trades", "liquidations", "book_snapshots"]

    /// The plain-PostgreSQL BRIN index of each time-series table.
    public static let brinIndexes = [
        "candles_open_time_brin", "trades_trade_time_brin", "liquidations_trade_time_brin", "book_snapshots_time_brin",
    ]

    /// Inserts a candle or overwrites the one with the same key (the open candle until it
    /// closes; a corrected candle from REST). 15 parameters, in column order.
    public static let upsertCandle = """
        INSERT INTO candles (symbol, market, interval, open_time, open, high, low, close, volume,
            close_time, quote_asset_volume, trade_count, taker_buy_base_volume, taker_buy_quote_volume, is_closed)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
        ON CONFLICT ON CONSTRAINT candles_key DO UPDATE SET
            open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
            volume = EXCLUDED.volume, close_time = EXCLUDED.close_time,
            quote_asset_volume = EXCLUDED.quote_asset_volume, trade_count = EXCLUDED.trade_count,
            taker_buy_base_volume = EXCLUDED.taker_buy_base_volume,
            taker_buy_quote_volume = EXCLUDED.taker_buy_quote_volume,
            is_closed = EXCLUDED.is_closed, updated_at = now()
        """

    /// Inserts a trade once; a replay of the same (symbol, market, id) is a no-op. 9 parameters.
    public static let insertTrade = """
        INSERT INTO trades (symbol, market, trade_id, price, quantity, buyer_is_maker, trade_time,
            first_trade_id, last_trade_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT ON CONSTRAINT trades_key DO NOTHING
        """

    /// Inserts a liquidation once; a replayed forceOrder event is a no-op. 11 parameters.
    public static let insertLiquidation = """
        INSERT INTO liquidations (symbol, side, order_type, time_in_force, original_quantity, price,
            average_price, status, last_filled_quantity, filled_accumulated_quantity, trade_time)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT ON CONSTRAINT liquidations_key DO NOTHING
        """

    /// Inserts a binned book snapshot once. 9 parameters; the arrays as literals (`{1,2}`).
    public static let insertBookSnapshot = """
        INSERT INTO book_snapshots (symbol, market, snapshot_time, bin_size, last_update_id,
            bid_prices, bid_quantities, ask_prices, ask_quantities)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT ON CONSTRAINT book_snapshots_key DO NOTHING
        """
}
