/// The REST response cache in Redis (hiredis): interval-aware TTLs, dropped when a candle closes.
public enum Cache {}
