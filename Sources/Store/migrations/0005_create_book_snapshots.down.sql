DROP INDEX IF EXISTS book_snapshots_time_brin;
DROP TABLE IF EXISTS book_snapshots;
