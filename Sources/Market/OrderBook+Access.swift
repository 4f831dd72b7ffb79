/// Reading the book: best levels, the top `n` for the state tables, sizes and drop counts.
extension OrderBook {
    /// The best bid, or nil when there is none.
    public var bestBid: PriceLevel? { bidSide.best }
    /// The best ask, or nil when there is none.
    public var bestAsk: PriceLevel? { askSide.best }

    public var bidCount: Int { bidSide.count }
    public var askCount: Int { askSide.count }

    /// Levels not kept because a side was full and they were farther from the top.
    public var droppedLevels: UInt64 { bidSide.droppedLevels &+ askSide.droppedLevels }
    /// Diffs the pre-snapshot buffer dropped (oldest first) for lack of room.
    public var droppedPending: UInt64 { pending.dropped }
    /// Diffs waiting for a snapshot.
    public var pendingCount: Int { pending.count }

    /// Writes the top levels, best first, into `bids` and `asks` (as many as each holds);
    /// returns how many of each it wrote.
    @discardableResult
    public func top(bids: UnsafeMutableBufferPointer<PriceLevel>,
                    asks: UnsafeMutableBufferPointer<PriceLevel>) -> (bids: Int, asks: Int) {
        (Self.copyTop(bidSide, into: bids), Self.copyTop(askSide, into: asks))
    }

    /// The top `n` levels a side, best first (allocates: for tests and cold paths).
    public func top(_ n: Int) -> (bids: [PriceLevel], asks: [PriceLevel]) {
        var b: [PriceLevel] = []
        var a: [PriceLevel] = []
        bidSide.forEachFromTop(n) { _, level in b.append(level) }
        askSide.forEachFromTop(n) { _, level in a.append(level) }
        return (b, a)
    }

    /// The quantity at `price` on the bid (or ask) side, or nil when no level is there.
    public func quantity(atPrice price: Int64, bid: Bool) -> Int64? {
        bid ? bidSide.quantity(atPrice: price) : askSide.quantity(atPrice: price)
    }

    private static func copyTop(_ side: borrowing OrderBookSide, into out: UnsafeMutableBufferPointer<PriceLevel>) -> Int {
        side.forEachFromTop(out.count) { rank, level in out[rank] = level }
        return min(out.count, side.count)
    }

}
