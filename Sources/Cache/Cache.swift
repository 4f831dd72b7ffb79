/// The REST response cache in Redis (hiredis): interval-aware TTLs, dropped when a candle closes.
///
/// - `RedisClient`: one blocking hiredis connection, for a background thread.
/// - `ResponseCache`: what the REST layer calls; it never fails a request and costs nothing
///   per request while Redis is down.
/// - `CachePolicy`: candle keys and TTLs, pure.
public enum Cache {}
