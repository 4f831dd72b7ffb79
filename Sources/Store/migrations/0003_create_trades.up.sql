-- Trades: spot `trade` events (trade_id is the trade id `t`) and USD-M futures `aggTrade` events
-- (trade_id is the aggregate id `a`; first_trade_id and last_trade_id are `f` and `l`). The key
-- makes a replayed or re-fetched trade a no-op with ON CONFLICT DO NOTHING.
CREATE TABLE trades (
    symbol          TEXT        NOT NULL,
    market          TEXT        NOT NULL CHECK (market IN ('spot', 'futures')),
    trade_id        BIGINT      NOT NULL,
    price           NUMERIC     NOT NULL,
    quantity        NUMERIC     NOT NULL,
    buyer_is_maker  BOOLEAN     NOT NULL,  -- `m`: true means the taker sold
    trade_time      TIMESTAMPTZ NOT NULL,  -- `T`
    first_trade_id  BIGINT,
    last_trade_id   BIGINT,
    CONSTRAINT trades_key PRIMARY KEY (symbol, market, trade_id)
);
-- Footprint and CVD read one symbol's trades over a time range.
CREATE INDEX trades_symbol_time_idx ON trades (symbol, market, trade_time);

-- A hypertable's unique keys must contain its time column, so under TimescaleDB the key gains
-- trade_time; a trade id always comes with the same time, so it stays as idempotent, and the
-- constraint keeps its name for ON CONFLICT ON CONSTRAINT trades_key.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
       AND current_setting('shared_preload_libraries') LIKE '%timescaledb%' THEN
        CREATE EXTENSION IF NOT EXISTS timescaledb;
        ALTER TABLE trades DROP CONSTRAINT trades_key,
            ADD CONSTRAINT trades_key PRIMARY KEY (symbol, market, trade_id, trade_time);
        PERFORM create_hypertable('trades', 'trade_time',
                                  chunk_time_interval => INTERVAL '1 day', if_not_exists => true);
        ALTER TABLE trades SET (timescaledb.compress,
                                timescaledb.compress_segmentby = 'symbol, market',
                                timescaledb.compress_orderby = 'trade_time DESC, trade_id DESC');
        PERFORM add_compression_policy('trades', compress_after => INTERVAL '2 days', if_not_exists => true);
        PERFORM add_retention_policy('trades', drop_after => INTERVAL '90 days', if_not_exists => true);
    ELSE
        CREATE INDEX trades_trade_time_brin ON trades USING brin (trade_time);
    END IF;
END
$$;
