DROP INDEX IF EXISTS trades_trade_time_brin;
DROP INDEX IF EXISTS trades_symbol_time_idx;
DROP TABLE IF EXISTS trades;
