-- Liquidations from the USD-M futures `forceOrder` stream (the `o` object; Binance sends at most
-- one per symbol per second, so this is a sample). The event has no id: the key is what tells
-- two liquidations apart, so a replayed event is a no-op with ON CONFLICT DO NOTHING.
CREATE TABLE liquidations (
    symbol                      TEXT        NOT NULL,  -- s
    side                        TEXT        NOT NULL CHECK (side IN ('BUY', 'SELL')),  -- S
    order_type                  TEXT        NOT NULL,  -- o
    time_in_force               TEXT        NOT NULL,  -- f
    original_quantity           NUMERIC     NOT NULL,  -- q
    price                       NUMERIC     NOT NULL,  -- p
    average_price               NUMERIC     NOT NULL,  -- ap
    status                      TEXT        NOT NULL,  -- X
    last_filled_quantity        NUMERIC     NOT NULL,  -- l
    filled_accumulated_quantity NUMERIC     NOT NULL,  -- z
    trade_time                  TIMESTAMPTZ NOT NULL,  -- T
    CONSTRAINT liquidations_key PRIMARY KEY (symbol, trade_time, side, price, original_quantity)
);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
       AND current_setting('shared_preload_libraries') LIKE '%timescaledb%' THEN
        CREATE EXTENSION IF NOT EXISTS timescaledb;
        PERFORM create_hypertable('liquidations', 'trade_time',
                                  chunk_time_interval => INTERVAL '30 days', if_not_exists => true);
        ALTER TABLE liquidations SET (timescaledb.compress,
                                      timescaledb.compress_segmentby = 'symbol',
                                      timescaledb.compress_orderby = 'trade_time DESC');
        PERFORM add_compression_policy('liquidations', compress_after => INTERVAL '60 days', if_not_exists => true);
        PERFORM add_retention_policy('liquidations', drop_after => INTERVAL '2 years', if_not_exists => true);
    ELSE
        CREATE INDEX liquidations_trade_time_brin ON liquidations USING brin (trade_time);
    END IF;
END
$$;
