/// A local order book kept by Binance's snapshot-plus-diff procedure (binance-protocol.md
/// §2.3 and §4), for one symbol of one market. Fixed capacity, no allocation after `init`;
/// prices and quantities are `Fixed` (`Int64`, 8 decimals).
///
/// Feed it every diff with `apply`: before the first snapshot they are buffered; after
/// `applySnapshot` the buffered ones are replayed and live ones applied, each checked
/// against the update-id chain. A break in the chain, or a diff that would leave the book
/// crossed, unsyncs the book: the caller fetches a new snapshot (diffs are buffered again
/// meanwhile, starting with the one that broke the chain).
///
/// The two procedures, with `L` the book's update id:
/// - spot: drop a diff with `u <= L`; the first one applied after a snapshot needs
///   `U <= L + 1 <= u`; every later one `U == L + 1`.
/// - futures: drop a diff with `u < L` (`u <= L` once past the first, a duplicate); the
///   first applied needs `U <= L <= u`; every later one `pu == L`.
public struct OrderBook: ~Copyable {
    /// Which of Binance's two procedures the book follows.
    public enum Procedure: Sendable {
        case spot
        case futures
    }

    public let procedure: Procedure
    var bidSide: OrderBookSide
    var askSide: OrderBookSide
    var pending: PendingDiffs
    /// The book's update id: the snapshot's `lastUpdateId`, then each applied diff's `u`.
    public internal(set) var lastUpdateId: Int64 = 0
    /// `E` and `T` (futures) of the last applied diff, or of the snapshot.
    public internal(set) var eventTimeMs: Int64 = 0
    public internal(set) var transactionTimeMs: Int64 = 0
    /// Whether the book follows the chain (a snapshot was applied and nothing broke since).
    public internal(set) var isSynced = false
    /// Whether a diff was applied since the snapshot (the first one follows another rule).
    var bridged = false
    public internal(set) var counters = OrderBookCounters()

    /// - Parameters:
    ///   - levelCapacity: levels kept a side; beyond it the farthest from the top are dropped (counted).
    ///   - pendingDiffs, pendingLevels: the pre-snapshot buffer's bounds.
    public init(procedure: Procedure, levelCapacity: Int = 5000, pendingDiffs: Int = 256, pendingLevels: Int = 65_536) {
        self.procedure = procedure
        bidSide = OrderBookSide(isBid: true, capacity: levelCapacity)
        askSide = OrderBookSide(isBid: false, capacity: levelCapacity)
        pending = PendingDiffs(eventCapacity: pendingDiffs, levelCapacity: pendingLevels)
    }

    /// Applies one diff (`U`, `u`, `pu` from `diff`; levels in wire order, absolute
    /// quantities, 0 removes) or buffers it while there is no synced book.
    public mutating func apply(_ diff: DepthUpdateEvent, bids: UnsafeBufferPointer<PriceLevel>,
                               asks: UnsafeBufferPointer<PriceLevel>) -> DepthApplyResult {
        guard isSynced else {
            pending.append(diff, bids: bids, asks: asks)
            counters.buffered &+= 1
            return .buffered
        }
        let result = applySynced(diff, bids: bids, asks: asks)
        if result.needsResync { pending.append(diff, bids: bids, asks: asks) }
        return result
    }

    /// Applies the diff the parser just returned, with the levels in its storage.
    public mutating func apply(_ diff: DepthUpdateEvent, from parser: borrowing BinanceParser) -> DepthApplyResult {
        apply(diff, bids: parser.bids, asks: parser.asks)
    }

    /// Replaces the book with a snapshot (levels in any order; 0 quantities ignored), then
    /// replays the buffered diffs by the procedure's rules.
    public mutating func applySnapshot(lastUpdateId: Int64, bids: UnsafeBufferPointer<PriceLevel>,
                                       asks: UnsafeBufferPointer<PriceLevel>, eventTimeMs: Int64 = 0,
                                       transactionTimeMs: Int64 = 0) -> SnapshotResult {
        bidSide.load(bids)
        askSide.load(asks)
        self.lastUpdateId = lastUpdateId
        self.eventTimeMs = eventTimeMs
        self.transactionTimeMs = transactionTimeMs
        counters.snapshots &+= 1
        bridged = false
        isSynced = true
        if let bid = bidSide.best, let ask = askSide.best, bid.price >= ask.price {
            isSynced = false
            counters.crossed &+= 1
            return .resync(.crossed(bestBid: bid.price, bestAsk: ask.price))
        }
        return replayPending()
    }

    /// Applies the snapshot the parser just returned (`lastUpdateId`, `E`, `T`), with its levels.
    public mutating func applySnapshot(_ snapshot: DepthSnapshotEvent, from parser: borrowing BinanceParser) -> SnapshotResult {
        applySnapshot(lastUpdateId: snapshot.lastUpdateId, bids: parser.bids, asks: parser.asks,
                      eventTimeMs: snapshot.eventTime ?? 0, transactionTimeMs: snapshot.transactionTime ?? 0)
    }

    /// Unsyncs the book (e.g. its connection dropped): diffs are buffered until the next snapshot.
    /// `keepBuffered` false also forgets the diffs buffered so far.
    public mutating func markUnsynced(keepBuffered: Bool = true) {
        isSynced = false
        if !keepBuffered { pending.removeAll() }
    }

    /// Empties the book and its buffer, as after `init` (counters are kept).
    public mutating func reset() {
        bidSide.removeAll()
        askSide.removeAll()
        pending.removeAll()
        isSynced = false
        bridged = false
        lastUpdateId = 0
        eventTimeMs = 0
        transactionTimeMs = 0
    }

    /// Replays the buffer on a fresh snapshot; on a break, the diffs from the breaking one on stay buffered.
    mutating func replayPending() -> SnapshotResult {
        var replayed = 0
        var stale = 0
        for i in 0..<pending.count {
            let (diff, bids, asks) = pending.diff(i)
            let result = applySynced(diff, bids: bids, asks: asks)
            switch result {
            case .applied: replayed += 1
            case .stale: stale += 1
            default:
                pending.removeFirst(i)
                return .resync(result)
            }
        }
        pending.removeAll()
        return .synced(replayed: replayed, stale: stale)
    }
}

/// What `OrderBook.apply` did with a diff.
public enum DepthApplyResult: Equatable, Sendable {
    /// Applied; the book's update id is now the diff's `u`.
    case applied
    /// No synced book: kept for the next snapshot.
    case buffered
    /// Older than the book (already in it): dropped.
    case stale
    /// The update-id chain broke: the next diff should have had `expected` as its `U`
    /// (spot; `L + 1`) or `pu` (futures; `L`), and had `got`. The book is unsynced.
    case gap(expected: Int64, got: Int64)
    /// Applying the diff crossed the book (best bid ≥ best ask): a gap too, the book is
    /// unsynced and never to be published as it is.
    case crossed(bestBid: Int64, bestAsk: Int64)

    /// Whether the caller must fetch a new snapshot.
    public var needsResync: Bool {
        switch self {
        case .gap, .crossed: return true
        case .applied, .buffered, .stale: return false
        }
    }
}

/// What `OrderBook.applySnapshot` did.
public enum SnapshotResult: Equatable, Sendable {
    /// The book is the snapshot plus `replayed` buffered diffs (`stale` older ones were dropped).
    case synced(replayed: Int, stale: Int)
    /// Replaying the buffer broke the chain (the snapshot is older than the oldest buffered
    /// diff, or the buffer overflowed) or the book crossed: fetch another snapshot.
    case resync(DepthApplyResult)
}

/// What an `OrderBook` has seen since `init`.
public struct OrderBookCounters: Equatable, Sendable {
    public var applied: UInt64 = 0
    public var buffered: UInt64 = 0
    public var stale: UInt64 = 0
    public var gaps: UInt64 = 0
    public var crossed: UInt64 = 0
    public var snapshots: UInt64 = 0

    public init() {}
}
