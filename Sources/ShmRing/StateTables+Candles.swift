/// What `updateCandle` did.
public enum CandleUpdate: Equatable, Sendable {
    /// The newest candle (same open time) was updated in place: the open candle moved, or closed.
    case updatedLatest
    /// A newer candle was appended (the oldest dropped once the ring is full).
    case appended
    /// An older candle already in the ring was updated in place.
    case updatedEarlier
    /// An older candle missing from the ring (a back-fill) was inserted in time order.
    case inserted
    /// Older than everything a full ring holds: not kept.
    case tooOld
    /// The segment was formatted without this interval.
    case intervalNotServed
}

/// A candle ring per served interval, symbol and market: `seqlock | total | candles`,
/// oldest to newest in open-time order, the newest (possibly open) at `(total − 1) % capacity`.
extension StateTables {
    /// The candle ring section of `interval` (a `Market.KlineInterval.rawValue` code), or nil.
    @inline(__always)
    func candleSection(_ symbol: Int, _ market: MarketKind, _ interval: UInt8) -> UnsafeMutableRawPointer? {
        guard let slot = geometry.slot(ofInterval: interval) else { return nil }
        return section(symbol, market, layout.candleRing(slot))
    }

    /// Keeps a kline update in its candle ring.
    @discardableResult
    public func updateCandle(_ kline: KlineRecord) -> CandleUpdate {
        updateCandle(symbolIndex: Int(kline.symbolIndex), market: kline.market,
                     interval: UInt8(truncatingIfNeeded: kline.interval), candle: kline.candle)
    }

    /// Keeps `candle`: the same open time as the newest updates it in place (the open
    /// candle, or its close); a later one appends; an earlier one updates or is inserted in
    /// time order (back-fill).
    @discardableResult
    public func updateCandle(symbolIndex: Int, market: MarketKind, interval: UInt8, candle: Candle) -> CandleUpdate {
        guard let s = candleSection(symbolIndex, market, interval) else { return .intervalNotServed }
        let ring = CandleRing(section: s, capacity: geometry.candlesPerInterval)
        // Only this process writes, so it may look at the ring without the seqlock.
        let n = ring.stored
        if n == 0 || candle.openTimeMs > ring[n - 1].openTimeMs {
            write(s) { ring.insert(candle, at: n) }
            return .appended
        }
        let p = ring.firstIndex(openTimeAtLeast: candle.openTimeMs)
        if ring[p].openTimeMs == candle.openTimeMs {
            write(s) { ring[p] = candle }
            return p == n - 1 ? .updatedLatest : .updatedEarlier
        }
        if p == 0 && n == ring.capacity { return .tooOld }
        write(s) { ring.insert(candle, at: p) }
        return .inserted
    }

    /// Copies the newest `min(out.count, stored)` candles into `out`, oldest first, as one
    /// consistent view; returns how many, or nil if the interval is not served (or the ring
    /// stayed torn).
    public func candles(symbolIndex: Int, market: MarketKind, interval: UInt8,
                        into out: UnsafeMutableBufferPointer<Candle>) -> Int? {
        guard let s = candleSection(symbolIndex, market, interval) else { return nil }
        let ring = CandleRing(section: s, capacity: geometry.candlesPerInterval)
        return read(s) { () -> Int in
            let n = ring.stored
            let k = min(n, out.count)
            for i in 0..<k { out[i] = ring[n - k + i] }
            return k
        }
    }

    /// Up to `limit` newest candles, oldest first (allocates: for REST and snapshots).
    public func candles(symbolIndex: Int, market: MarketKind, interval: UInt8, limit: Int) -> [Candle] {
        var out = [Candle](repeating: .zero, count: max(0, min(limit, geometry.candlesPerInterval)))
        let n = out.withUnsafeMutableBufferPointer {
            candles(symbolIndex: symbolIndex, market: market, interval: interval, into: $0)
        } ?? 0
        out.removeLast(out.count - n)
        return out
    }

    /// The newest candle (the open one while it is open), or nil.
    public func latestCandle(symbolIndex: Int, market: MarketKind, interval: UInt8) -> Candle? {
        var candle = Candle.zero
        let n = withUnsafeMutablePointer(to: &candle) {
            candles(symbolIndex: symbolIndex, market: market, interval: interval,
                    into: UnsafeMutableBufferPointer(start: $0, count: 1))
        }
        return n == 1 ? candle : nil
    }
}

extension Candle {
    /// The filler of buffers candles are copied into.
    static let zero = Candle(openTimeMs: 0, closeTimeMs: 0, firstTradeId: noTrade, lastTradeId: noTrade, open: 0, high: 0,
                             low: 0, close: 0, volume: 0, quoteVolume: 0, tradeCount: 0, takerBuyBase: 0,
                             takerBuyQuote: 0, closed: false)
}

/// A candle ring section seen by logical index: 0 is the oldest stored, `stored − 1` the newest.
struct CandleRing {
    let section: UnsafeMutableRawPointer
    let capacity: Int

    var total: UInt64 { StateTables.count(section) }
    var stored: Int { Int(min(total, UInt64(capacity))) }

    @inline(__always)
    func physical(_ i: Int) -> Int {
        // One load of the count, wrapping arithmetic: under a racing writer a reader may see a
        // torn state, which the seqlock then discards; it must never trap on it.
        let t = total
        let kept = min(t, UInt64(capacity))
        return Int((t &- kept &+ UInt64(truncatingIfNeeded: i)) % UInt64(capacity))
    }

    @inline(__always)
    func offset(_ physical: Int) -> Int { Layout.Section.items + physical * MemoryLayout<Candle>.stride }

    subscript(i: Int) -> Candle {
        get { section.load(fromByteOffset: offset(physical(i)), as: Candle.self) }
        nonmutating set { section.storeBytes(of: newValue, toByteOffset: offset(physical(i)), as: Candle.self) }
    }

    /// The first logical index whose open time is ≥ `time` (`stored` if none).
    func firstIndex(openTimeAtLeast time: Int64) -> Int {
        var low = 0
        var high = stored
        while low < high {
            let mid = (low + high) / 2
            if self[mid].openTimeMs < time { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Inserts at logical index `p` (≤ stored): the newer candles move up one slot; a full
    /// ring drops its oldest (so `p` must then be ≥ 1).
    func insert(_ candle: Candle, at p: Int) {
        let n = stored
        let start = physical(0)
        var i = n - 1
        while i >= p {
            let from = (start + i) % capacity
            let to = (start + i + 1) % capacity
            section.storeBytes(of: section.load(fromByteOffset: offset(from), as: Candle.self),
                               toByteOffset: offset(to), as: Candle.self)
            i -= 1
        }
        section.storeBytes(of: candle, toByteOffset: offset((start + p) % capacity), as: Candle.self)
        StateTables.setCount(section, total &+ 1)
    }
}

extension StateTables {
    /// A number that moves whenever the candle ring of `interval` changes (its seqlock word;
    /// odd while the feeder writes): a rendering made after reading an even value stays valid
    /// while the value stays the same. Nil if the interval is not served.
    public func candleVersion(symbolIndex: Int, market: MarketKind, interval: UInt8) -> UInt64? {
        guard let s = candleSection(symbolIndex, market, interval) else { return nil }
        return Seqlock(at: s + Layout.Section.seqlock).word.loadAcquiring()
    }
}
