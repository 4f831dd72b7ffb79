-- Candles: every field of a Binance kline (REST array and the stream's `k` object), for spot and
-- USD-M futures. The key is the upsert target: a replayed candle is a no-op with DO NOTHING, and
-- the still-open candle is overwritten with DO UPDATE until it closes.
-- Prices and volumes are unconstrained NUMERIC: exact, and unlike the original's DECIMAL(20,8) no
-- overflow on low-priced coins whose daily base volume passes 10^12.
CREATE TABLE candles (
    symbol                 TEXT        NOT NULL,
    market                 TEXT        NOT NULL CHECK (market IN ('spot', 'futures')),
    interval               TEXT        NOT NULL,
    open_time              TIMESTAMPTZ NOT NULL,  -- kline[0], k.t
    open                   NUMERIC     NOT NULL,  -- kline[1], k.o
    high                   NUMERIC     NOT NULL,  -- kline[2], k.h
    low                    NUMERIC     NOT NULL,  -- kline[3], k.l
    close                  NUMERIC     NOT NULL,  -- kline[4], k.c
    volume                 NUMERIC     NOT NULL,  -- kline[5], k.v (base asset)
    close_time             TIMESTAMPTZ NOT NULL,  -- kline[6], k.T
    quote_asset_volume     NUMERIC     NOT NULL,  -- kline[7], k.q
    trade_count            BIGINT      NOT NULL,  -- kline[8], k.n
    taker_buy_base_volume  NUMERIC     NOT NULL,  -- kline[9], k.V
    taker_buy_quote_volume NUMERIC     NOT NULL,  -- kline[10], k.Q (kline[11] is "ignore")
    is_closed              BOOLEAN     NOT NULL DEFAULT true,  -- k.x; REST history is closed
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT candles_key PRIMARY KEY (symbol, market, interval, open_time)
);

-- TimescaleDB when the server has it (and preloads it, without which CREATE EXTENSION fails);
-- otherwise a BRIN index on time: candles arrive in time order, so block ranges stay tight.
-- PL/pgSQL parses both branches when the block is compiled, so plain PostgreSQL checks the
-- TimescaleDB statements' syntax too.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
       AND current_setting('shared_preload_libraries') LIKE '%timescaledb%' THEN
        CREATE EXTENSION IF NOT EXISTS timescaledb;
        PERFORM create_hypertable('candles', 'open_time',
                                  chunk_time_interval => INTERVAL '7 days', if_not_exists => true);
        ALTER TABLE candles SET (timescaledb.compress,
                                 timescaledb.compress_segmentby = 'symbol, market, "interval"',
                                 timescaledb.compress_orderby = 'open_time DESC');
        PERFORM add_compression_policy('candles', compress_after => INTERVAL '30 days', if_not_exists => true);
        PERFORM add_retention_policy('candles', drop_after => INTERVAL '5 years', if_not_exists => true);
    ELSE
        CREATE INDEX candles_open_time_brin ON candles USING brin (open_time);
    END IF;
END
$$;
