/// Ring sections: recent trades and recent liquidations of each symbol and market, each
/// `seqlock | total | items`, the newest item at `(total − 1) % capacity`.
extension StateTables {
    /// Appends `item` to the ring section at `offset`.
    @inline(__always)
    func appendRecent<T: BitwiseCopyable>(_ item: T, symbol: Int, market: MarketKind, at offset: Int, capacity: Int) {
        let s = section(symbol, market, offset)
        let total = Self.count(s)
        let slot = Int(total % UInt64(capacity))
        write(s) {
            s.storeBytes(of: item, toByteOffset: Layout.Section.items + slot * MemoryLayout<T>.stride, as: T.self)
            Self.setCount(s, total &+ 1)
        }
    }

    /// Copies the newest `min(out.count, stored)` items of the ring section at `offset`
    /// into `out`, oldest first; returns how many (nil if the section stayed torn).
    @inline(__always)
    func copyRecent<T: BitwiseCopyable>(symbol: Int, market: MarketKind, at offset: Int, capacity: Int,
                                        into out: UnsafeMutableBufferPointer<T>) -> Int? {
        let s = section(symbol, market, offset)
        return read(s) { () -> Int in
            let total = Self.count(s)
            let n = Int(min(total, UInt64(min(capacity, out.count))))
            let items = UnsafeRawPointer(s + Layout.Section.items)
            for i in 0..<n {
                let slot = Int((total - UInt64(n) + UInt64(i)) % UInt64(capacity))
                out[i] = items.load(fromByteOffset: slot * MemoryLayout<T>.stride, as: T.self)
            }
            return n
        }
    }

    /// How many items the ring section at `offset` holds now (at most `capacity`).
    @inline(__always)
    func held(symbol: Int, market: MarketKind, at offset: Int, capacity: Int) -> Int {
        let s = section(symbol, market, offset)
        return Int(min(read(s) { Self.count(s) } ?? 0, UInt64(capacity)))
    }

    /// The same as an array of up to `limit` items (allocates: for REST and snapshots).
    func recent<T: BitwiseCopyable>(symbol: Int, market: MarketKind, at offset: Int, capacity: Int,
                                    limit: Int, zero: T) -> [T] {
        var out = [T](repeating: zero, count: max(0, min(limit, capacity)))
        let n = out.withUnsafeMutableBufferPointer {
            copyRecent(symbol: symbol, market: market, at: offset, capacity: capacity, into: $0)
        } ?? 0
        out.removeLast(out.count - n)
        return out
    }

    // MARK: Liquidations

    /// Appends a liquidation to its symbol and market's recent liquidations.
    public func appendLiquidation(_ liquidation: LiquidationRecord) {
        appendRecent(liquidation, symbol: Int(liquidation.symbolIndex), market: liquidation.market,
                     at: layout.liquidationsOffset, capacity: geometry.liquidations)
    }

    /// The newest liquidations (up to `out.count`), oldest first, copied into `out`; returns
    /// how many, or nil if the section stayed torn.
    public func recentLiquidations(symbolIndex: Int, market: MarketKind = .futures,
                                   into out: UnsafeMutableBufferPointer<LiquidationRecord>) -> Int? {
        copyRecent(symbol: symbolIndex, market: market, at: layout.liquidationsOffset,
                   capacity: geometry.liquidations, into: out)
    }

    /// Up to `limit` newest liquidations, oldest first.
    public func recentLiquidations(symbolIndex: Int, market: MarketKind = .futures, limit: Int) -> [LiquidationRecord] {
        recent(symbol: symbolIndex, market: market, at: layout.liquidationsOffset, capacity: geometry.liquidations,
               limit: limit, zero: LiquidationRecord.zero)
    }

    /// How many liquidations the symbol's market holds (the newest, up to the capacity).
    public func liquidationsHeld(symbolIndex: Int, market: MarketKind = .futures) -> Int {
        held(symbol: symbolIndex, market: market, at: layout.liquidationsOffset, capacity: geometry.liquidations)
    }

    // MARK: Trades

    /// How many recent trades the symbol's market holds (the newest, up to the capacity).
    public func recentTradesHeld(symbolIndex: Int, market: MarketKind) -> Int {
        held(symbol: symbolIndex, market: market, at: layout.recentTradesOffset, capacity: geometry.recentTrades)
    }

    /// The newest trades (up to `out.count`), oldest first, copied into `out`; returns how
    /// many, or nil if the section stayed torn.
    public func recentTrades(symbolIndex: Int, market: MarketKind,
                             into out: UnsafeMutableBufferPointer<RecentTrade>) -> Int? {
        copyRecent(symbol: symbolIndex, market: market, at: layout.recentTradesOffset,
                   capacity: geometry.recentTrades, into: out)
    }

    /// Up to `limit` newest trades, oldest first.
    public func recentTrades(symbolIndex: Int, market: MarketKind, limit: Int) -> [RecentTrade] {
        recent(symbol: symbolIndex, market: market, at: layout.recentTradesOffset, capacity: geometry.recentTrades,
               limit: limit, zero: RecentTrade(TradeRecord(symbolIndex: 0, flags: 0, price: 0, quantity: 0, tradeId: 0,
                                                           tradeTimeMs: 0, receivedNs: 0)))
    }
}

extension LiquidationRecord {
    static let zero = LiquidationRecord(symbolIndex: 0, flags: 0, side: 0, status: 0, eventTimeMs: 0, tradeTimeMs: 0,
                                        receivedNs: 0, price: 0, averagePrice: 0, originalQuantity: 0,
                                        lastFilledQuantity: 0, filledQuantity: 0)
}
