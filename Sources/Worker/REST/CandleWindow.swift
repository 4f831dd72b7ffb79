import Analytics
import Cache
import Market
import Posix
import ShmRing
import Store

/// Candles of one series read on the query thread: the state tables' newest, PostgreSQL's
/// older ones before them, closed history cached in Redis (it never changes; the key names
/// where memory starts, so it moves on as candles close).
struct CandleWindow: Sendable {
    let tables: StateTables
    let index: Int
    let symbol: String
    let market: MarketKind
    let interval: KlineInterval

    var marketName: String { market == .futures ? "futures" : "spot" }

    /// The newest `count` candles, oldest first.
    func newest(_ count: Int, _ context: QueryContext) -> [Candle] {
        let memory = tables.candles(symbolIndex: index, market: market, interval: interval.rawValue, limit: count)
        guard memory.count < count, context.databaseURL != nil else { return memory }
        let older = history(before: memory.first?.openTimeMs, count: count - memory.count, context) ?? []
        return older.filter { $0.openTimeMs < (memory.first?.openTimeMs ?? .max) } + memory
    }

    /// The candles opening at or after `fromMs`, oldest first (at most `cap`).
    func since(_ fromMs: Int64, cap: Int, _ context: QueryContext) -> [Candle] {
        let memory = tables.candles(symbolIndex: index, market: market, interval: interval.rawValue, limit: cap)
            .filter { $0.openTimeMs >= fromMs }
        let memoryStart = memory.first?.openTimeMs ?? .max
        guard memoryStart > fromMs, context.databaseURL != nil, let length = interval.milliseconds else { return memory }
        let missing = Int(min(Int64(cap - memory.count), (min(memoryStart, fromMs + Int64(cap) * length) - fromMs) / length + 1))
        let older = history(before: memory.first?.openTimeMs, count: max(0, missing), context) ?? []
        return older.filter { $0.openTimeMs >= fromMs && $0.openTimeMs < memoryStart } + memory
    }

    /// Up to `count` stored candles before `beforeMs` (all newest when nil): Redis, then the database.
    func history(before beforeMs: Int64?, count: Int, _ context: QueryContext) -> [Candle]? {
        guard count > 0 else { return [] }
        let key = "hist:\(marketName):\(symbol):\(interval.name):\(beforeMs ?? 0):\(count)"
        if beforeMs != nil, let bytes = context.cache?.get(key), let cached = Self.decode(bytes) { return cached }
        let rows = context.withDatabase { db throws(PostgresError) in
            try CandleHistory.before(db, symbol: symbol, market: market, interval: interval, openTimeMs: beforeMs, limit: count)
        }
        if let rows, beforeMs != nil, rows.count == count, rows.allSatisfy(\.isClosed) {
            let ttl = CachePolicy.candlesTTLMillis(interval: interval.name, nowMs: Posix.Clock.realtimeMillis())
            context.cache?.put(key, Self.encode(rows), ttlMs: ttl)
        }
        return rows
    }

    /// Candles as their bytes (one build's layout; the cache's namespace names the version).
    static func encode(_ candles: [Candle]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 8 + candles.count * MemoryLayout<Candle>.stride)
        out.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt64(MemoryLayout<Candle>.stride), as: UInt64.self)
            candles.withUnsafeBytes { raw.baseAddress!.advanced(by: 8).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        return out
    }

    static func decode(_ bytes: [UInt8]) -> [Candle]? {
        let stride = MemoryLayout<Candle>.stride
        guard bytes.count >= 8, (bytes.count - 8) % stride == 0 else { return nil }
        return bytes.withUnsafeBytes { raw -> [Candle]? in
            guard raw.load(as: UInt64.self) == UInt64(stride) else { return nil }
            let n = (bytes.count - 8) / stride
            return (0..<n).map { raw.loadUnaligned(fromByteOffset: 8 + $0 * stride, as: Candle.self) }
        }
    }
}

extension Candle {
    /// The analytics' view of a candle.
    var sample: CandleSample {
        CandleSample(openTimeMs: openTimeMs, closeTimeMs: closeTimeMs, open: Fixed.double(open), high: Fixed.double(high),
                     low: Fixed.double(low), close: Fixed.double(close), volume: Fixed.double(volume),
                     takerBuyVolume: Fixed.double(takerBuyBase))
    }
}
