/// The order book's state as the state tables keep it beside its top levels. 48 bytes.
public struct BookTop: Equatable, Sendable, BitwiseCopyable {
    /// The book's update id (the last applied diff's `u`, or the snapshot's `lastUpdateId`).
    public var lastUpdateId: Int64
    public var eventTimeMs: Int64
    public var transactionTimeMs: Int64
    public var receivedNs: Int64
    /// Bit 0: synced (the book follows Binance's update-id chain; else it waits for a resync).
    var flags: UInt32
    /// Levels a side (as stored, or as copied by a reader).
    public var bidCount: UInt32
    public var askCount: UInt32
    var reserved: UInt32 = 0

    public init(lastUpdateId: Int64, eventTimeMs: Int64, transactionTimeMs: Int64, receivedNs: Int64, synced: Bool) {
        self.lastUpdateId = lastUpdateId
        self.eventTimeMs = eventTimeMs
        self.transactionTimeMs = transactionTimeMs
        self.receivedNs = receivedNs
        flags = synced ? 1 : 0
        bidCount = 0
        askCount = 0
    }

    public var isSynced: Bool {
        get { flags & 1 != 0 }
        set { flags = newValue ? flags | 1 : flags & ~1 }
    }
}

/// The order book section of each symbol and market: `seqlock | updates | BookTop | bids[L] | asks[L]`,
/// the top `L = geometry.bookLevels` levels a side, best first.
extension StateTables {
    /// Stores the book's top levels: `bids` and `asks` are 16-byte (price, quantity) pairs,
    /// best first (e.g. what `Market.OrderBook.top` wrote); beyond `bookLevels` a side is cut.
    /// The counts in `top` are set from them.
    public func updateBook(symbolIndex: Int, market: MarketKind, top: BookTop,
                           bids: UnsafeRawBufferPointer, asks: UnsafeRawBufferPointer) {
        let stride = Layout.Book.levelSize
        precondition(bids.count % stride == 0 && asks.count % stride == 0, "levels are 16-byte (price, quantity) pairs")
        let levels = geometry.bookLevels
        var t = top
        t.bidCount = UInt32(min(bids.count / stride, levels))
        t.askCount = UInt32(min(asks.count / stride, levels))
        let s = section(symbolIndex, market, Layout.MarketEntry.book)
        write(s) {
            s.storeBytes(of: t, toByteOffset: Layout.Book.top, as: BookTop.self)
            let bidStart = s + Layout.Book.levels
            if t.bidCount > 0 { bidStart.copyMemory(from: bids.baseAddress!, byteCount: Int(t.bidCount) * stride) }
            if t.askCount > 0 {
                (bidStart + levels * stride).copyMemory(from: asks.baseAddress!, byteCount: Int(t.askCount) * stride)
            }
            Self.setCount(s, Self.count(s) &+ 1)
        }
    }

    /// `updateBook` with typed levels: any 16-byte (price, quantity) pair type, such as
    /// `Market.PriceLevel` or `BookLevel`.
    public func updateBook<Level: BitwiseCopyable>(symbolIndex: Int, market: MarketKind, top: BookTop,
                                                   bids: UnsafeBufferPointer<Level>, asks: UnsafeBufferPointer<Level>) {
        precondition(MemoryLayout<Level>.size == 16 && MemoryLayout<Level>.stride == 16,
                     "levels are 16-byte (price, quantity) pairs")
        updateBook(symbolIndex: symbolIndex, market: market, top: top,
                   bids: UnsafeRawBufferPointer(bids), asks: UnsafeRawBufferPointer(asks))
    }

    /// Marks the book unsynced (a gap: it waits for a resync); its levels stay as they were.
    public func markBookUnsynced(symbolIndex: Int, market: MarketKind) {
        let s = section(symbolIndex, market, Layout.MarketEntry.book)
        guard Self.count(s) > 0 else { return }
        write(s) {
            var t = s.load(fromByteOffset: Layout.Book.top, as: BookTop.self)
            t.isSynced = false
            s.storeBytes(of: t, toByteOffset: Layout.Book.top, as: BookTop.self)
            Self.setCount(s, Self.count(s) &+ 1)
        }
    }

    /// Copies the book's state and up to `bids.count` / `asks.count` top levels, best first,
    /// as one consistent view. The returned counts are the levels copied. Nil if no book was
    /// stored yet (or it stayed torn).
    public func book(symbolIndex: Int, market: MarketKind, bids: UnsafeMutableBufferPointer<BookLevel>,
                     asks: UnsafeMutableBufferPointer<BookLevel>) -> BookTop? {
        let s = section(symbolIndex, market, Layout.MarketEntry.book)
        let levels = geometry.bookLevels
        return read(s) { () -> BookTop? in
            guard Self.count(s) > 0 else { return nil }
            var t = s.load(fromByteOffset: Layout.Book.top, as: BookTop.self)
            t.bidCount = min(t.bidCount, UInt32(bids.count), UInt32(levels))
            t.askCount = min(t.askCount, UInt32(asks.count), UInt32(levels))
            let bidStart = UnsafeRawPointer(s + Layout.Book.levels)
            let askStart = bidStart + levels * Layout.Book.levelSize
            for i in 0..<Int(t.bidCount) { bids[i] = bidStart.load(fromByteOffset: i * Layout.Book.levelSize, as: BookLevel.self) }
            for i in 0..<Int(t.askCount) { asks[i] = askStart.load(fromByteOffset: i * Layout.Book.levelSize, as: BookLevel.self) }
            return t
        } ?? nil
    }

    /// The book's state and up to `depth` levels a side (allocates: for REST and snapshots).
    public func book(symbolIndex: Int, market: MarketKind, depth: Int) -> (top: BookTop, bids: [BookLevel], asks: [BookLevel])? {
        let n = max(0, min(depth, geometry.bookLevels))
        var bids = [BookLevel](repeating: BookLevel(price: 0, quantity: 0), count: n)
        var asks = bids
        let top = bids.withUnsafeMutableBufferPointer { b in
            asks.withUnsafeMutableBufferPointer { a in book(symbolIndex: symbolIndex, market: market, bids: b, asks: a) }
        }
        guard let top else { return nil }
        bids.removeLast(n - Int(top.bidCount))
        asks.removeLast(n - Int(top.askCount))
        return (top, bids, asks)
    }
}
