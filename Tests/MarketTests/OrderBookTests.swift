import Testing
@testable import Market

/// A diff with ids `U...u` (and `pu` for futures) setting the given levels.
func diff(_ first: Int64, _ final: Int64, pu: Int64? = nil) -> DepthUpdateEvent {
    DepthUpdateEvent(symbol: 0, eventTime: final * 10, transactionTime: pu == nil ? nil : final * 10 + 1,
                     firstUpdateId: first, finalUpdateId: final, previousFinalUpdateId: pu, bidCount: 0, askCount: 0)
}

/// Levels from `(price, quantity)` pairs in whole units.
func levels(_ pairs: [(Int64, Int64)]) -> [PriceLevel] {
    pairs.map { PriceLevel(price: $0.0 * Fixed.scale, quantity: $0.1 * Fixed.scale) }
}

extension OrderBook {
    mutating func apply(_ d: DepthUpdateEvent, bids: [(Int64, Int64)] = [], asks: [(Int64, Int64)] = []) -> DepthApplyResult {
        let b = levels(bids)
        let a = levels(asks)
        return b.withUnsafeBufferPointer { b in a.withUnsafeBufferPointer { a in apply(d, bids: b, asks: a) } }
    }

    mutating func snapshot(_ id: Int64, bids: [(Int64, Int64)], asks: [(Int64, Int64)]) -> SnapshotResult {
        let b = levels(bids)
        let a = levels(asks)
        return b.withUnsafeBufferPointer { b in a.withUnsafeBufferPointer { a in applySnapshot(lastUpdateId: id, bids: b, asks: a) } }
    }

    /// The top `n` levels as whole-unit pairs.
    func pairs(_ n: Int) -> (bids: [[Int64]], asks: [[Int64]]) {
        let (b, a) = top(n)
        return (b.map { [$0.price / Fixed.scale, $0.quantity / Fixed.scale] }, a.map { [$0.price / Fixed.scale, $0.quantity / Fixed.scale] })
    }
}

@Suite("Order book: levels")
struct OrderBookLevelTests {
    @Test("a snapshot in any order sorts bids descending and asks ascending, ignoring zero quantities")
    func snapshotOrder() {
        var book = OrderBook(procedure: .spot)
        #expect(book.snapshot(10, bids: [(98, 1), (100, 2), (99, 3), (97, 0)], asks: [(103, 4), (101, 5), (102, 0)])
                == .synced(replayed: 0, stale: 0))
        #expect(book.pairs(10).bids == [[100, 2], [99, 3], [98, 1]])
        #expect(book.pairs(10).asks == [[101, 5], [103, 4]])
        #expect(book.bestBid == PriceLevel(price: 100 * Fixed.scale, quantity: 2 * Fixed.scale))
        #expect(book.isSynced && book.lastUpdateId == 10)
    }

    @Test("a diff sets absolute quantities: updates, inserts, removes, and ignores removing an unknown level")
    func diffLevels() {
        var book = OrderBook(procedure: .spot)
        _ = book.snapshot(10, bids: [(100, 2), (99, 3)], asks: [(101, 5), (102, 1)])
        #expect(book.apply(diff(11, 12), bids: [(100, 7), (99, 0), (95, 1), (50, 0)], asks: [(101, 0), (104, 2)]) == .applied)
        #expect(book.pairs(10).bids == [[100, 7], [95, 1]])
        #expect(book.pairs(10).asks == [[102, 1], [104, 2]])
        #expect(book.quantity(atPrice: 95 * Fixed.scale, bid: true) == Fixed.scale)
        #expect(book.quantity(atPrice: 99 * Fixed.scale, bid: true) == nil)
        #expect(book.lastUpdateId == 12 && book.eventTimeMs == 120)
    }

    @Test("a full side keeps the levels nearest the top and counts the ones it drops")
    func capacity() {
        var book = OrderBook(procedure: .spot, levelCapacity: 3)
        _ = book.snapshot(10, bids: [(100, 1), (99, 1), (98, 1), (97, 1), (96, 1)], asks: [(101, 1)])
        #expect(book.pairs(10).bids.map { $0[0] } == [100, 99, 98])
        #expect(book.droppedLevels == 2)
        #expect(book.apply(diff(11, 11), bids: [(90, 1)]) == .applied)
        #expect(book.droppedLevels == 3)
        #expect(book.apply(diff(12, 12), bids: [(99, 0), (98, 5), (100, 2)]) == .applied)
        #expect(book.apply(diff(13, 13), bids: [(100, 9), (100, 0), (100, 3), (98, 0)]) == .applied)
        #expect(book.pairs(10).bids == [[100, 3]])
        #expect(book.apply(diff(14, 14), bids: [(99, 1), (100, 0)]) == .applied)
        #expect(book.apply(diff(15, 15), bids: [(95, 1), (96, 1), (94, 1)]) == .applied)
        #expect(book.pairs(10).bids.map { $0[0] } == [99, 96, 95])
    }

    @Test("top writes into fixed buffers, best first, as many as fit")
    func topIntoBuffers() {
        var book = OrderBook(procedure: .futures)
        _ = book.snapshot(10, bids: [(100, 1), (99, 2), (98, 3)], asks: [(101, 4)])
        var bids = [PriceLevel](repeating: PriceLevel(price: 0, quantity: 0), count: 2)
        var asks = bids
        let n = bids.withUnsafeMutableBufferPointer { b in asks.withUnsafeMutableBufferPointer { a in book.top(bids: b, asks: a) } }
        #expect(n.bids == 2 && n.asks == 1)
        #expect(bids == levels([(100, 1), (99, 2)]) && asks[0] == levels([(101, 4)])[0])
    }
}

@Suite("Order book: spot procedure")
struct OrderBookSpotTests {
    @Test("diffs before the snapshot are buffered; stale ones drop, the bridging one and the rest replay")
    func bufferedThenSnapshot() {
        var book = OrderBook(procedure: .spot)
        #expect(book.apply(diff(90, 95), bids: [(90, 1)]) == .buffered)
        #expect(book.apply(diff(96, 101), bids: [(96, 1)]) == .buffered)
        #expect(book.apply(diff(102, 104), asks: [(105, 1)]) == .buffered)
        #expect(book.pendingCount == 3)
        #expect(book.snapshot(100, bids: [(95, 1)], asks: [(106, 1)]) == .synced(replayed: 2, stale: 1))
        #expect(book.lastUpdateId == 104 && book.pendingCount == 0)
        #expect(book.pairs(5).bids == [[96, 1], [95, 1]] && book.pairs(5).asks == [[105, 1], [106, 1]])
        #expect(book.apply(diff(105, 107)) == .applied)
        #expect(book.apply(diff(100, 107)) == .stale)
        #expect(book.counters.stale == 2 && book.counters.applied == 3)
    }

    @Test("the first diff after the snapshot must contain lastUpdateId + 1")
    func firstMustBridge() {
        var book = OrderBook(procedure: .spot)
        _ = book.snapshot(100, bids: [(1, 1)], asks: [(2, 1)])
        #expect(book.apply(diff(100, 100)) == .stale)
        #expect(book.apply(diff(102, 110)) == .gap(expected: 101, got: 102))
        #expect(book.isSynced == false)
        var exact = OrderBook(procedure: .spot)
        _ = exact.snapshot(100, bids: [(1, 1)], asks: [(2, 1)])
        #expect(exact.apply(diff(101, 101)) == .applied)
    }

    @Test("a skipped U is a gap: the book unsyncs and buffers from that diff until a new snapshot")
    func skippedU() {
        var book = OrderBook(procedure: .spot)
        _ = book.snapshot(100, bids: [(10, 1)], asks: [(20, 1)])
        #expect(book.apply(diff(95, 105)) == .applied)
        #expect(book.apply(diff(107, 110), bids: [(11, 1)]) == .gap(expected: 106, got: 107))
        #expect(!book.isSynced && book.counters.gaps == 1)
        #expect(book.apply(diff(111, 112), bids: [(12, 1)]) == .buffered)
        #expect(book.pendingCount == 2)
        #expect(book.snapshot(108, bids: [(10, 2)], asks: [(20, 2)]) == .synced(replayed: 2, stale: 0))
        #expect(book.isSynced && book.lastUpdateId == 112)
        #expect(book.pairs(5).bids == [[12, 1], [11, 1], [10, 2]])
    }

    @Test("an overlapping diff once synced is a gap (U must be the previous u + 1)")
    func overlapAfterSync() {
        var book = OrderBook(procedure: .spot)
        _ = book.snapshot(100, bids: [(10, 1)], asks: [(20, 1)])
        #expect(book.apply(diff(100, 105)) == .applied)
        #expect(book.apply(diff(104, 108)) == .gap(expected: 106, got: 104))
    }

    @Test("a snapshot older than the buffer leaves the book waiting, the buffer intact")
    func snapshotTooOld() {
        var book = OrderBook(procedure: .spot)
        _ = book.apply(diff(200, 210))
        _ = book.apply(diff(211, 220))
        #expect(book.snapshot(150, bids: [(10, 1)], asks: [(20, 1)]) == .resync(.gap(expected: 151, got: 200)))
        #expect(!book.isSynced && book.pendingCount == 2)
        #expect(book.snapshot(205, bids: [(10, 1)], asks: [(20, 1)]) == .synced(replayed: 2, stale: 0))
    }

    @Test("the pre-snapshot buffer keeps the newest diffs and counts what it drops")
    func bufferBounds() {
        var book = OrderBook(procedure: .spot, pendingDiffs: 4, pendingLevels: 10)
        for i in Int64(0)..<10 { _ = book.apply(diff(100 + i, 100 + i), bids: [(i + 1, 1)]) }
        #expect(book.pendingCount == 4 && book.droppedPending == 6)
        // 8 levels need the room of the two oldest diffs (and the fifth slot).
        _ = book.apply(diff(110, 110), bids: [(50, 1), (51, 1), (52, 1), (53, 1), (54, 1), (55, 1), (56, 1), (57, 1)])
        #expect(book.pendingCount == 3 && book.droppedPending == 8)
        // More levels than the whole buffer holds: dropped on arrival.
        _ = book.apply(diff(111, 111), bids: Array(repeating: (60, 1), count: 11))
        #expect(book.pendingCount == 3 && book.droppedPending == 9)
        #expect(book.snapshot(108, bids: [], asks: [(100, 1)]) == .synced(replayed: 2, stale: 1))
        // 111 was never kept: the chain breaks at the next live diff.
        #expect(book.apply(diff(112, 112)) == .gap(expected: 111, got: 112))
        var kept = OrderBook(procedure: .spot, pendingDiffs: 4, pendingLevels: 10)
        for i in Int64(0)..<10 { _ = kept.apply(diff(100 + i, 100 + i), bids: [(i + 1, 1)]) }
        #expect(kept.snapshot(106, bids: [], asks: [(100, 1)]) == .synced(replayed: 3, stale: 1))
        #expect(kept.pairs(10).bids.map { $0[0] } == [10, 9, 8])
    }
}

@Suite("Order book: futures procedure")
struct OrderBookFuturesTests {
    @Test("the first diff must contain lastUpdateId itself; later ones chain on pu")
    func chainOnPu() {
        var book = OrderBook(procedure: .futures)
        #expect(book.apply(diff(90, 99, pu: 89)) == .buffered)
        #expect(book.apply(diff(100, 105, pu: 99)) == .buffered)
        #expect(book.snapshot(100, bids: [(10, 1)], asks: [(20, 1)]) == .synced(replayed: 1, stale: 1))
        #expect(book.apply(diff(106, 110, pu: 105), bids: [(11, 1)]) == .applied)
        #expect(book.apply(diff(108, 110, pu: 105)) == .stale)
        #expect(book.apply(diff(111, 115, pu: 109)) == .gap(expected: 110, got: 109))
        #expect(!book.isSynced && book.transactionTimeMs == 1101)
    }

    @Test("a snapshot equal to a diff's u bridges (futures drop only u < lastUpdateId)")
    func bridgeAtU() {
        var book = OrderBook(procedure: .futures)
        _ = book.snapshot(100, bids: [(10, 1)], asks: [(20, 1)])
        #expect(book.apply(diff(95, 99, pu: 94)) == .stale)
        #expect(book.apply(diff(95, 100, pu: 94)) == .applied)
        var late = OrderBook(procedure: .futures)
        _ = late.snapshot(100, bids: [(10, 1)], asks: [(20, 1)])
        #expect(late.apply(diff(101, 105, pu: 100)) == .gap(expected: 100, got: 101))
    }

    @Test("a wrong pu after gaps in U is judged by pu alone")
    func puNotU() {
        var book = OrderBook(procedure: .futures)
        _ = book.snapshot(100, bids: [(10, 1)], asks: [(20, 1)])
        #expect(book.apply(diff(99, 103, pu: 98)) == .applied)
        // Futures U jumps are normal (other symbols share the counter); pu is the chain.
        #expect(book.apply(diff(150, 160, pu: 103)) == .applied)
        #expect(book.apply(diff(161, 170, pu: 155)) == .gap(expected: 160, got: 155))
    }
}

@Suite("Order book: crossing")
struct OrderBookCrossingTests {
    @Test("a diff that would cross the book is reported like a gap and unsyncs it")
    func crossed() {
        var book = OrderBook(procedure: .spot)
        _ = book.snapshot(100, bids: [(100, 1)], asks: [(101, 1)])
        let result = book.apply(diff(101, 101), bids: [(101, 1)])
        #expect(result == .crossed(bestBid: 101 * Fixed.scale, bestAsk: 101 * Fixed.scale))
        #expect(result.needsResync && !book.isSynced && book.counters.crossed == 1)
        #expect(book.apply(diff(102, 102)) == .buffered)
        // Replaying the crossing diff on an older snapshot crosses again; a newer one recovers.
        #expect(book.snapshot(100, bids: [(100, 1)], asks: [(101, 1)]) == .resync(.crossed(bestBid: 101 * Fixed.scale, bestAsk: 101 * Fixed.scale)))
        #expect(book.snapshot(101, bids: [(100, 1)], asks: [(102, 1)]) == .synced(replayed: 1, stale: 1))
        #expect(book.isSynced && book.lastUpdateId == 102)
    }

    @Test("a crossed snapshot is refused")
    func crossedSnapshot() {
        var book = OrderBook(procedure: .futures)
        #expect(book.snapshot(5, bids: [(102, 1)], asks: [(101, 1)]) == .resync(.crossed(bestBid: 102 * Fixed.scale, bestAsk: 101 * Fixed.scale)))
        #expect(book.isSynced == false)
    }
}
