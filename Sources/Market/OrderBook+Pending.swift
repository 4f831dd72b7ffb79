/// Diffs kept while an `OrderBook` waits for its snapshot: a bounded FIFO of event headers
/// with their levels in one fixed level store. When either is full the oldest diffs go
/// first (the snapshot, fetched after the stream opened, makes the oldest ones stale
/// anyway) and are counted. Allocation-free after `init`.
struct PendingDiffs: ~Copyable {
    /// A buffered diff's ids and times, and where its levels are in the store.
    struct Entry {
        var diff: DepthUpdateEvent
        var levelStart: Int
    }

    let eventCapacity: Int
    let levelCapacity: Int
    private let entries: UnsafeMutablePointer<Entry>
    private let levels: UnsafeMutablePointer<PriceLevel>
    /// Entries live in [head, head + count) modulo `eventCapacity`; levels in [levelHead, levelTail).
    private var head = 0
    private(set) var count = 0
    private var levelHead = 0
    private var levelTail = 0
    /// Diffs dropped to make room (or too big to keep at all).
    private(set) var dropped: UInt64 = 0

    init(eventCapacity: Int, levelCapacity: Int) {
        self.eventCapacity = max(1, eventCapacity)
        self.levelCapacity = max(1, levelCapacity)
        entries = .allocate(capacity: self.eventCapacity)
        levels = .allocate(capacity: self.levelCapacity)
        levels.initialize(repeating: PriceLevel(price: 0, quantity: 0), count: self.levelCapacity)
    }

    deinit {
        entries.deallocate()
        levels.deallocate()
    }

    /// Keeps a copy of the diff and its levels, dropping the oldest diffs if needed.
    mutating func append(_ diff: DepthUpdateEvent, bids: UnsafeBufferPointer<PriceLevel>,
                         asks: UnsafeBufferPointer<PriceLevel>) {
        let need = bids.count + asks.count
        guard need <= levelCapacity else {
            dropped &+= 1
            return
        }
        while count == eventCapacity || levelTail + need > levelCapacity {
            if levelHead > 0 && levelTail - levelHead + need <= levelCapacity && count < eventCapacity {
                compact()
            } else {
                dropOldest()
            }
        }
        var d = diff
        d.bidCount = bids.count
        d.askCount = asks.count
        (entries + (head + count) % eventCapacity).initialize(to: Entry(diff: d, levelStart: levelTail))
        if let b = bids.baseAddress { (levels + levelTail).update(from: b, count: bids.count) }
        if let a = asks.baseAddress { (levels + levelTail + bids.count).update(from: a, count: asks.count) }
        levelTail += need
        count += 1
    }

    /// The `i`-th oldest buffered diff and its levels (valid until the buffer changes).
    func diff(_ i: Int) -> (DepthUpdateEvent, UnsafeBufferPointer<PriceLevel>, UnsafeBufferPointer<PriceLevel>) {
        let e = entries[(head + i) % eventCapacity]
        let bids = UnsafeBufferPointer(start: levels + e.levelStart, count: e.diff.bidCount)
        let asks = UnsafeBufferPointer(start: levels + e.levelStart + e.diff.bidCount, count: e.diff.askCount)
        return (e.diff, bids, asks)
    }

    /// Forgets the `n` oldest diffs (already replayed or stale), without counting them as dropped.
    mutating func removeFirst(_ n: Int) {
        for _ in 0..<min(n, count) { popFront() }
        if count == 0 { removeAll() }
    }

    mutating func removeAll() {
        head = 0
        count = 0
        levelHead = 0
        levelTail = 0
    }

    private mutating func dropOldest() {
        dropped &+= 1
        popFront()
        if count == 0 { removeAll() }
    }

    private mutating func popFront() {
        let e = entries[head]
        levelHead = e.levelStart + e.diff.bidCount + e.diff.askCount
        head = (head + 1) % eventCapacity
        count -= 1
    }

    /// Moves the live levels to the front of the store.
    private mutating func compact() {
        let live = levelTail - levelHead
        levels.update(from: levels + levelHead, count: live)
        for i in 0..<count {
            entries[(head + i) % eventCapacity].levelStart -= levelHead
        }
        levelHead = 0
        levelTail = live
    }
}
