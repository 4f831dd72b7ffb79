import ShmRing

/// A worker's copy of one order book (one symbol, one market), kept from the ring so that
/// what it sends a new subscriber is exactly the book the diffs that follow apply to. It
/// keeps the best `maxLevels` a side, sorted best first, and the update id it is at; it is
/// a value with no I/O, so its rules are tested by feeding it records.
struct LocalBook {
    /// What applying a diff did.
    enum DiffResult: Equatable {
        /// The diff continues the book: it was applied and goes to subscribers.
        case applied
        /// The book already holds it (its `u` is not past the book's id): skipped.
        case stale
        /// It does not continue the book: something in between was missed.
        case gap
        /// The book is waiting for a snapshot: diffs are not applied.
        case waiting
    }

    /// Levels kept a side. The feeder keeps more; a client's terminal shows 50.
    static let maxLevels = 200

    private(set) var bids: [BookLevel] = []
    private(set) var asks: [BookLevel] = []
    /// The last update id applied (a diff's `u`, or a snapshot's `lastUpdateId`).
    private(set) var lastUpdateId: Int64 = 0
    /// The book follows the update chain; false until a snapshot arrives, and after a gap.
    private(set) var synced = false
    /// The highest `u` of the diffs seen since the book stopped following the chain: a
    /// snapshot from the state tables older than it is of no use.
    private(set) var newestSeenUpdateId: Int64 = 0
    /// The feeder's receive time (ms) of what the book holds last (a diff, a snapshot); 0
    /// when unknown. A snapshot sent to one connection is stamped no earlier.
    var receivedMs: Int64 = 0

    init() {
        bids.reserveCapacity(Self.maxLevels + 1)
        asks.reserveCapacity(Self.maxLevels + 1)
    }

    /// Applies a diff's levels when it continues the chain: `U ≤ id + 1 ≤ u` (Binance's rule
    /// for the first diff after a snapshot, and spot's for every diff), or futures' `pu = id`.
    mutating func apply<B: Sequence, A: Sequence>(firstUpdateId: Int64, finalUpdateId: Int64, previousFinalUpdateId: Int64,
                                                  bids newBids: B, asks newAsks: A) -> DiffResult
    where B.Element == BookLevel, A.Element == BookLevel {
        guard synced else {
            newestSeenUpdateId = max(newestSeenUpdateId, finalUpdateId)
            return .waiting
        }
        if finalUpdateId <= lastUpdateId { return .stale }
        let continues = firstUpdateId <= lastUpdateId &+ 1 || (previousFinalUpdateId != 0 && previousFinalUpdateId == lastUpdateId)
        guard continues else {
            newestSeenUpdateId = finalUpdateId
            synced = false
            return .gap
        }
        for level in newBids { Self.set(level, in: &bids, better: >) }
        for level in newAsks { Self.set(level, in: &asks, better: <) }
        lastUpdateId = finalUpdateId
        return .applied
    }

    /// Replaces the levels with a snapshot's (best first, as the ring and the tables keep
    /// them; only the best `maxLevels` are kept). While the book keeps its levels until the
    /// next snapshot, they are what its subscribers hold.
    mutating func replace<B: Sequence, A: Sequence>(lastUpdateId id: Int64, bids newBids: B, asks newAsks: A)
    where B.Element == BookLevel, A.Element == BookLevel {
        bids.removeAll(keepingCapacity: true)
        asks.removeAll(keepingCapacity: true)
        for level in newBids where level.quantity != 0 && bids.count < Self.maxLevels { bids.append(level) }
        for level in newAsks where level.quantity != 0 && asks.count < Self.maxLevels { asks.append(level) }
        lastUpdateId = id
        synced = true
        newestSeenUpdateId = 0
    }

    /// Makes the book wait for a snapshot (after a lap, or when no source had one).
    mutating func unsync() { synced = false }

    /// Sets, replaces or (quantity 0) removes a level of a side sorted best first.
    private static func set(_ level: BookLevel, in side: inout [BookLevel], better: (Int64, Int64) -> Bool) {
        var low = 0
        var high = side.count
        while low < high {
            let mid = (low + high) / 2
            if better(side[mid].price, level.price) { low = mid + 1 } else { high = mid }
        }
        let found = low < side.count && side[low].price == level.price
        if level.quantity == 0 {
            if found { side.remove(at: low) }
        } else if found {
            side[low].quantity = level.quantity
        } else if low < maxLevels {
            side.insert(level, at: low)
            if side.count > maxLevels { side.removeLast() }
        }
    }

    /// One side of a snapshot message: `new`'s levels, plus a zero-quantity level for every
    /// price of `old` that `new` lacks, merged best first into `out`.
    static func merge(new: [BookLevel], old: [BookLevel], better: (Int64, Int64) -> Bool, into out: inout [BookLevel]) {
        out.removeAll(keepingCapacity: true)
        var i = 0
        var j = 0
        while i < new.count || j < old.count {
            if j == old.count || (i < new.count && better(new[i].price, old[j].price)) {
                out.append(new[i]); i += 1
            } else if i == new.count || better(old[j].price, new[i].price) {
                out.append(BookLevel(price: old[j].price, quantity: 0)); j += 1
            } else {
                out.append(new[i]); i += 1; j += 1
            }
        }
    }
}
