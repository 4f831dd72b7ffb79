/// One side of an `OrderBook`: up to `capacity` levels sorted by `key` ascending (bids by
/// price, asks by negated price), so the best level is last and a diff's levels (best
/// first on the wire) come in descending key order.
///
/// Levels live in blocks of `blockSize`, kept in key order by `order`, with each block's
/// first key in `heads`. Diffs touch levels all over the book, near the top and thousands of
/// ticks away, so one sorted array would move hundreds of levels per insert or removal;
/// here a change moves at most one block's levels. A lookup first tries the block of the
/// diff's previous level and the one below it (a diff is sorted), else searches `heads`,
/// then searches within one block. A full block splits; when no block is free the levels
/// are repacked. Allocation-free after `init`.
struct OrderBookSide: ~Copyable {
    static let blockSize = 64
    let isBid: Bool
    let capacity: Int
    let blockCapacity: Int
    /// Block `b` holds `lengths[b]` levels at `keys[b * blockSize ...]`.
    let keys: UnsafeMutablePointer<Int64>
    let quantities: UnsafeMutablePointer<Int64>
    let lengths: UnsafeMutablePointer<Int>
    /// The blocks in use, in key order (`blocks` of them), and each one's first key.
    let order: UnsafeMutablePointer<Int>
    let heads: UnsafeMutablePointer<Int64>
    /// Blocks not in use (`freeCount` of them).
    let free: UnsafeMutablePointer<Int>
    /// Room for every level in one run, for `repack`.
    let scratchKeys: UnsafeMutablePointer<Int64>
    let scratchQuantities: UnsafeMutablePointer<Int64>
    var blocks = 0
    var freeCount: Int
    var count = 0
    /// Levels not kept because the side was full and they were farther from the top.
    var droppedLevels: UInt64 = 0
    /// Times the blocks were repacked.
    var repacks: UInt64 = 0

    init(isBid: Bool, capacity: Int) {
        precondition(capacity >= 1, "an order book side needs room for a level")
        self.isBid = isBid
        self.capacity = capacity
        // Enough blocks for every level with blocks half full, and then some.
        blockCapacity = 2 * capacity / Self.blockSize + 8
        keys = .allocate(capacity: blockCapacity * Self.blockSize)
        keys.initialize(repeating: 0, count: blockCapacity * Self.blockSize)
        quantities = .allocate(capacity: blockCapacity * Self.blockSize)
        quantities.initialize(repeating: 0, count: blockCapacity * Self.blockSize)
        lengths = .allocate(capacity: blockCapacity)
        lengths.initialize(repeating: 0, count: blockCapacity)
        order = .allocate(capacity: blockCapacity)
        order.initialize(repeating: 0, count: blockCapacity)
        heads = .allocate(capacity: blockCapacity)
        heads.initialize(repeating: 0, count: blockCapacity)
        free = .allocate(capacity: blockCapacity)
        for b in 0..<blockCapacity { (free + b).initialize(to: blockCapacity - 1 - b) }
        freeCount = blockCapacity
        scratchKeys = .allocate(capacity: capacity)
        scratchKeys.initialize(repeating: 0, count: capacity)
        scratchQuantities = .allocate(capacity: capacity)
        scratchQuantities.initialize(repeating: 0, count: capacity)
    }

    deinit {
        keys.deallocate()
        quantities.deallocate()
        lengths.deallocate()
        order.deallocate()
        heads.deallocate()
        free.deallocate()
        scratchKeys.deallocate()
        scratchQuantities.deallocate()
    }

    @inline(__always)
    func key(_ price: Int64) -> Int64 { isBid ? price : 0 &- price }

    @inline(__always)
    func price(_ key: Int64) -> Int64 { isBid ? key : 0 &- key }

    /// The best level, or nil when the side is empty.
    var best: PriceLevel? {
        guard blocks > 0 else { return nil }
        let b = order[blocks &- 1]
        let slot = b &* Self.blockSize &+ lengths[b] &- 1
        return PriceLevel(price: price(keys[slot]), quantity: quantities[slot])
    }

    /// Calls `body` with up to `n` levels and their rank, best first.
    @inline(__always)
    func forEachFromTop(_ n: Int, _ body: (Int, PriceLevel) -> Void) {
        var rank = 0
        var position = blocks &- 1
        while position >= 0 && rank < n {
            let b = order[position]
            var slot = b &* Self.blockSize &+ lengths[b] &- 1
            let first = b &* Self.blockSize
            while slot >= first && rank < n {
                body(rank, PriceLevel(price: price(keys[slot]), quantity: quantities[slot]))
                rank &+= 1
                slot &-= 1
            }
            position &-= 1
        }
    }

    /// The quantity at `price`, or nil when no level is there.
    func quantity(atPrice price: Int64) -> Int64? {
        guard blocks > 0 else { return nil }
        let k = key(price)
        let b = order[blockPosition(k)]
        let i = lowerBound(k, inBlock: b)
        let slot = b &* Self.blockSize &+ i
        return i < lengths[b] && keys[slot] == k ? quantities[slot] : nil
    }

    mutating func removeAll() {
        for position in 0..<blocks { releaseBlock(order[position]) }
        blocks = 0
        count = 0
    }

    /// Sets the absolute quantity at `price`: 0 removes the level (an unknown one is fine),
    /// anything else updates or inserts it. `hint` is the block position the previous level
    /// of the same diff went to; returns this one's.
    @inline(__always) @discardableResult
    mutating func set(price: Int64, quantity: Int64, hint: Int) -> Int {
        let k = key(price)
        guard blocks > 0 else {
            if quantity != 0 { insertFirst(k, quantity) }
            return 0
        }
        let position = blockPosition(k, near: hint)
        let b = order[position]
        let i = lowerBound(k, inBlock: b)
        let slot = b &* Self.blockSize &+ i
        if i < lengths[b] && keys[slot] == k {
            if quantity == 0 { remove(position, i) } else { quantities[slot] = quantity }
        } else if quantity != 0 {
            insert(k, quantity, position, i)
        }
        return position
    }

    /// Applies `levels` (absolute quantities) in order.
    @inline(__always)
    mutating func apply(_ levels: UnsafeBufferPointer<PriceLevel>) {
        var hint = blocks &- 1
        for level in levels { hint = set(price: level.price, quantity: level.quantity, hint: hint) }
    }

    /// Replaces the side with `levels` (a snapshot, in any order; wire order is best first,
    /// so it is walked backwards to append each at the top).
    mutating func load(_ levels: UnsafeBufferPointer<PriceLevel>) {
        removeAll()
        var i = levels.count
        var hint = 0
        while i > 0 {
            i &-= 1
            hint = set(price: levels[i].price, quantity: levels[i].quantity, hint: hint)
        }
    }
}
