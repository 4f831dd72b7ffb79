-- Drops the table with its key, BRIN index, or hypertable chunks and policies. The TimescaleDB
-- extension stays: it is database-wide and may predate this migration.
DROP INDEX IF EXISTS candles_open_time_brin;
DROP TABLE IF EXISTS candles;
