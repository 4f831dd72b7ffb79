-- Periodic order-book snapshots for the liquidity heatmap, binned by bin_size (a price step).
-- One row per snapshot with parallel arrays (bin price, summed quantity) rather than one row per
-- bin: the heatmap always reads whole snapshots over a time range, so a row per snapshot costs
-- one index entry instead of hundreds, keeps the key small, and the arrays are stored compressed
-- (TOAST) on plain PostgreSQL and compress well in a hypertable.
CREATE TABLE book_snapshots (
    symbol          TEXT        NOT NULL,
    market          TEXT        NOT NULL CHECK (market IN ('spot', 'futures')),
    snapshot_time   TIMESTAMPTZ NOT NULL,
    bin_size        NUMERIC     NOT NULL CHECK (bin_size > 0),
    last_update_id  BIGINT,                  -- the book's update id when it was sampled
    bid_prices      NUMERIC[]   NOT NULL,    -- lower edge of each bin, descending
    bid_quantities  NUMERIC[]   NOT NULL,
    ask_prices      NUMERIC[]   NOT NULL,    -- lower edge of each bin, ascending
    ask_quantities  NUMERIC[]   NOT NULL,
    CONSTRAINT book_snapshots_levels CHECK (cardinality(bid_prices) = cardinality(bid_quantities)
                                            AND cardinality(ask_prices) = cardinality(ask_quantities)),
    CONSTRAINT book_snapshots_key PRIMARY KEY (symbol, market, bin_size, snapshot_time)
);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
       AND current_setting('shared_preload_libraries') LIKE '%timescaledb%' THEN
        CREATE EXTENSION IF NOT EXISTS timescaledb;
        PERFORM create_hypertable('book_snapshots', 'snapshot_time',
                                  chunk_time_interval => INTERVAL '1 day', if_not_exists => true);
        ALTER TABLE book_snapshots SET (timescaledb.compress,
                                        timescaledb.compress_segmentby = 'symbol, market, bin_size',
                                        timescaledb.compress_orderby = 'snapshot_time DESC');
        PERFORM add_compression_policy('book_snapshots', compress_after => INTERVAL '2 days', if_not_exists => true);
        PERFORM add_retention_policy('book_snapshots', drop_after => INTERVAL '30 days', if_not_exists => true);
    ELSE
        CREATE INDEX book_snapshots_time_brin ON book_snapshots USING brin (snapshot_time);
    END IF;
END
$$;
