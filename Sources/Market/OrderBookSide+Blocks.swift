/// Finding, inserting and removing levels in `OrderBookSide`'s blocks.
extension OrderBookSide {
    /// The position (in `order`) of the block whose range holds `k`: the last block whose
    /// first key is ≤ `k`, or the first block. Branch-free halving: lookups land all over the
    /// book, so a branch would mispredict (and the compiler turns a select into one). Keys
    /// are prices below 2⁶², so the differences cannot overflow.
    @inline(__always)
    func blockPosition(_ k: Int64) -> Int {
        var base = 0
        var n = blocks
        while n > 1 {
            let half = n &>> 1
            // All ones when heads[base + half] ≤ k.
            base &+= half & Int(truncatingIfNeeded: (heads[base &+ half] &- k &- 1) &>> 63)
            n &-= half
        }
        return base
    }

    /// `blockPosition(k)`, trying the block at `hint` and the one below it first.
    @inline(__always)
    func blockPosition(_ k: Int64, near hint: Int) -> Int {
        let h = min(max(hint, 0), blocks &- 1)
        if heads[h] <= k || h == 0 {
            if h == blocks &- 1 || heads[h &+ 1] > k { return h }
        } else if h == 1 || heads[h &- 1] <= k {
            return h &- 1
        }
        return blockPosition(k)
    }

    /// The first index in block `b` whose key is ≥ `k` (its length if none).
    @inline(__always)
    func lowerBound(_ k: Int64, inBlock b: Int) -> Int {
        let start = keys + b &* Self.blockSize
        var n = lengths[b]
        if n == 0 { return 0 }
        var base = 0
        while n > 1 {
            let half = n &>> 1
            // All ones when start[base + half] < k.
            base &+= half & Int(truncatingIfNeeded: (start[base &+ half] &- k) &>> 63)
            n &-= half
        }
        return start[base] < k ? base &+ 1 : base
    }

    /// Inserts at index `i` of the block at `position`; a full side first drops its
    /// farthest level (or this one, if it would be the farthest) and counts it.
    @inline(__always)
    mutating func insert(_ k: Int64, _ quantity: Int64, _ position: Int, _ i: Int) {
        var position = position
        var i = i
        if count == capacity {
            droppedLevels &+= 1
            if position == 0 && i == 0 { return }
            remove(0, 0)
            if blocks == 0 { return insertFirst(k, quantity) }
            position = blockPosition(k)
            i = lowerBound(k, inBlock: order[position])
        }
        var b = order[position]
        if lengths[b] == Self.blockSize {
            if freeCount == 0 {
                repack()
                position = blockPosition(k)
                b = order[position]
                i = lowerBound(k, inBlock: b)
            } else if position == blocks &- 1 && i == Self.blockSize {
                // Past the top of a full last block: a fresh block, so a snapshot loaded
                // worst-first packs its blocks full.
                b = takeBlock()
                insertOrder(b, at: blocks)
                position = blocks &- 1
                i = 0
            } else {
                split(position)
                let half = Self.blockSize / 2
                if i > half {
                    position &+= 1
                    i &-= half
                    b = order[position]
                }
            }
        }
        let start = b &* Self.blockSize
        let moving = lengths[b] &- i
        if moving > 0 {
            (keys + start + i + 1).update(from: keys + start + i, count: moving)
            (quantities + start + i + 1).update(from: quantities + start + i, count: moving)
        }
        keys[start &+ i] = k
        quantities[start &+ i] = quantity
        lengths[b] &+= 1
        if i == 0 { heads[position] = k }
        count &+= 1
    }

    /// The first level of an empty side.
    mutating func insertFirst(_ k: Int64, _ quantity: Int64) {
        let b = takeBlock()
        keys[b &* Self.blockSize] = k
        quantities[b &* Self.blockSize] = quantity
        lengths[b] = 1
        insertOrder(b, at: 0)
        heads[0] = k
        count = 1
    }

    /// Removes index `i` of the block at `position`; an emptied block is released.
    @inline(__always)
    mutating func remove(_ position: Int, _ i: Int) {
        let b = order[position]
        let start = b &* Self.blockSize
        let moving = lengths[b] &- i &- 1
        if moving > 0 {
            (keys + start + i).update(from: keys + start + i + 1, count: moving)
            (quantities + start + i).update(from: quantities + start + i + 1, count: moving)
        }
        lengths[b] &-= 1
        count &-= 1
        if lengths[b] == 0 {
            removeOrder(at: position)
            releaseBlock(b)
        } else if i == 0 {
            heads[position] = keys[start]
        }
    }

    /// Moves the upper half of the full block at `position` into a new block after it.
    mutating func split(_ position: Int) {
        let b = order[position]
        let nb = takeBlock()
        let half = Self.blockSize / 2
        let from = b &* Self.blockSize &+ half
        let to = nb &* Self.blockSize
        (keys + to).update(from: keys + from, count: Self.blockSize &- half)
        (quantities + to).update(from: quantities + from, count: Self.blockSize &- half)
        lengths[nb] = Self.blockSize &- half
        lengths[b] = half
        insertOrder(nb, at: position &+ 1)
        heads[position &+ 1] = keys[to]
    }

    /// No block is free (removals left many sparse ones): packs the levels into blocks
    /// three-quarters full, through the scratch run, so every block has room again.
    mutating func repack() {
        var n = 0
        for position in 0..<blocks {
            let b = order[position]
            (scratchKeys + n).update(from: keys + b &* Self.blockSize, count: lengths[b])
            (scratchQuantities + n).update(from: quantities + b &* Self.blockSize, count: lengths[b])
            n &+= lengths[b]
        }
        removeAll()
        let fill = Self.blockSize * 3 / 4
        var from = 0
        while from < n {
            let b = takeBlock()
            let take = min(fill, n &- from)
            (keys + b &* Self.blockSize).update(from: scratchKeys + from, count: take)
            (quantities + b &* Self.blockSize).update(from: scratchQuantities + from, count: take)
            lengths[b] = take
            insertOrder(b, at: blocks)
            heads[blocks &- 1] = keys[b &* Self.blockSize]
            from &+= take
        }
        count = n
        repacks &+= 1
    }

    @inline(__always)
    mutating func takeBlock() -> Int {
        freeCount &-= 1
        let b = free[freeCount]
        lengths[b] = 0
        return b
    }

    @inline(__always)
    mutating func releaseBlock(_ b: Int) {
        lengths[b] = 0
        free[freeCount] = b
        freeCount &+= 1
    }

    @inline(__always)
    mutating func insertOrder(_ b: Int, at position: Int) {
        let moving = blocks &- position
        if moving > 0 {
            (order + position + 1).update(from: order + position, count: moving)
            (heads + position + 1).update(from: heads + position, count: moving)
        }
        order[position] = b
        blocks &+= 1
    }

    @inline(__always)
    mutating func removeOrder(at position: Int) {
        let moving = blocks &- position &- 1
        if moving > 0 {
            (order + position).update(from: order + position + 1, count: moving)
            (heads + position).update(from: heads + position + 1, count: moving)
        }
        blocks &-= 1
    }
}
