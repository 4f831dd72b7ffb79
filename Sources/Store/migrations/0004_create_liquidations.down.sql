DROP INDEX IF EXISTS liquidations_trade_time_brin;
DROP TABLE IF EXISTS liquidations;
