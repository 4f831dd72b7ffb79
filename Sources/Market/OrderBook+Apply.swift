/// The update-id rules and the level updates of one diff on a snapshot-based book.
extension OrderBook {
    /// Checks `diff` against the chain (see `OrderBook`), applies it, and checks the book
    /// did not cross. On a break the book is unsynced.
    mutating func applySynced(_ diff: DepthUpdateEvent, bids: UnsafeBufferPointer<PriceLevel>,
                              asks: UnsafeBufferPointer<PriceLevel>) -> DepthApplyResult {
        switch check(diff) {
        case .applied:
            break
        case .stale:
            counters.stale &+= 1
            return .stale
        case let other:
            isSynced = false
            counters.gaps &+= 1
            return other
        }
        bidSide.apply(bids)
        askSide.apply(asks)
        lastUpdateId = diff.finalUpdateId
        eventTimeMs = diff.eventTime
        transactionTimeMs = diff.transactionTime ?? 0
        bridged = true
        if let bid = bidSide.best, let ask = askSide.best, bid.price >= ask.price {
            isSynced = false
            counters.crossed &+= 1
            return .crossed(bestBid: bid.price, bestAsk: ask.price)
        }
        counters.applied &+= 1
        return .applied
    }

    /// The chain rule for `diff` against update id `L = lastUpdateId`: `.applied` means it may be applied.
    @inline(__always)
    func check(_ diff: DepthUpdateEvent) -> DepthApplyResult {
        let first = diff.firstUpdateId
        let final = diff.finalUpdateId
        let id = lastUpdateId
        switch procedure {
        case .spot:
            if final <= id { return .stale }
            if bridged {
                return first == id &+ 1 ? .applied : .gap(expected: id &+ 1, got: first)
            }
            return first <= id &+ 1 ? .applied : .gap(expected: id &+ 1, got: first)
        case .futures:
            if bridged {
                if final <= id { return .stale }
                let previous = diff.previousFinalUpdateId ?? (first &- 1)
                return previous == id ? .applied : .gap(expected: id, got: previous)
            }
            if final < id { return .stale }
            return first <= id ? .applied : .gap(expected: id, got: first)
        }
    }
}
