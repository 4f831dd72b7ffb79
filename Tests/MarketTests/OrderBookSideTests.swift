import Simulator
import Testing
@testable import Market

/// The obvious model of a side: one sorted array, the same capacity rule.
struct ReferenceSide {
    let capacity: Int
    var levels: [(key: Int64, quantity: Int64)] = []
    var dropped: UInt64 = 0

    mutating func set(key: Int64, quantity: Int64) {
        let i = levels.firstIndex { $0.key >= key } ?? levels.count
        if i < levels.count && levels[i].key == key {
            if quantity == 0 { levels.remove(at: i) } else { levels[i].quantity = quantity }
            return
        }
        guard quantity != 0 else { return }
        if levels.count == capacity {
            dropped += 1
            if i == 0 { return }
            levels.remove(at: 0)
            levels.insert((key, quantity), at: i - 1)
        } else {
            levels.insert((key, quantity), at: i)
        }
    }
}

@Suite("Order book side: blocks against a plain sorted array")
struct OrderBookSideTests {
    /// The side's levels, best first, as (key, quantity).
    static func contents(_ side: borrowing OrderBookSide) -> [[Int64]] {
        var out: [[Int64]] = []
        side.forEachFromTop(side.count) { _, level in out.append([side.key(level.price), level.quantity]) }
        return out
    }

    @Test("random diffs (sorted like the wire, or not) leave the same levels as the model, through splits, drops and repacks",
          arguments: [(5, 1), (64, 2), (200, 3), (1000, 4), (64, 5), (300, 6)])
    func matchesModel(capacity: Int, seed: UInt64) {
        var rng = SimRandom(seed: seed)
        for isBid in [true, false] {
            var side = OrderBookSide(isBid: isBid, capacity: capacity)
            var model = ReferenceSide(capacity: capacity)
            let span = Int64(capacity * 3)
            for round in 0..<400 {
                var diff: [PriceLevel] = (0..<Int.random(in: 1...max(2, capacity / 2), using: &rng)).map { _ in
                    let price = 1_000 + Int64.random(in: 0..<span, using: &rng)
                    let quantity = Int.random(in: 0..<10, using: &rng) < 4 ? 0 : Int64.random(in: 1...1_000, using: &rng)
                    return PriceLevel(price: price, quantity: quantity)
                }
                // Wire order is best first; every third diff comes shuffled.
                if round % 3 != 0 { diff.sort { isBid ? $0.price > $1.price : $0.price < $1.price } }
                diff.withUnsafeBufferPointer { side.apply($0) }
                for level in diff { model.set(key: side.key(level.price), quantity: level.quantity) }
                let expected = model.levels.reversed().map { [$0.key, $0.quantity] }
                guard Self.contents(side) == expected, side.count == model.levels.count, side.droppedLevels == model.dropped else {
                    Issue.record("side differs from the model after round \(round) (capacity \(capacity), bid \(isBid))")
                    return
                }
                if let best = model.levels.last {
                    #expect(side.best == PriceLevel(price: side.price(best.key), quantity: best.quantity))
                }
                let probe = 1_000 + Int64.random(in: 0..<span, using: &rng)
                #expect(side.quantity(atPrice: probe) == model.levels.first { $0.key == side.key(probe) }?.quantity)
            }
        }
    }

    @Test("many sparse blocks are repacked when a split finds no free block, and the levels survive")
    func repack() {
        var side = OrderBookSide(isBid: true, capacity: 128)
        var model = ReferenceSide(capacity: 128)
        var next: Int64 = 0
        func put(_ price: Int64, _ quantity: Int64) {
            side.set(price: price, quantity: quantity, hint: side.blocks - 1)
            model.set(key: price, quantity: quantity)
        }
        // Each round: fill the top block, split it with a level in its middle, then thin the
        // lower half to one level. Blocks pile up, sparse, until a split finds none free.
        var rounds = 0
        while side.repacks == 0 && rounds < 40 {
            while side.blocks == 0 || side.lengths[side.order[side.blocks - 1]] < OrderBookSide.blockSize {
                put(next, 1)
                next += 1_000
            }
            let top = model.levels.suffix(OrderBookSide.blockSize).map(\.key)
            put(top[40] + 1, 2)
            for k in top[0..<31] { put(k, 0) }
            rounds += 1
        }
        #expect(side.repacks == 1 && rounds > 5)
        #expect(side.freeCount > 0)
        #expect(Self.contents(side) == model.levels.reversed().map { [$0.key, $0.quantity] })
        put(next, 3)
        #expect(Self.contents(side) == model.levels.reversed().map { [$0.key, $0.quantity] })
    }

    @Test("a snapshot loaded worst-first packs its blocks full")
    func snapshotPacks() {
        var side = OrderBookSide(isBid: false, capacity: 5_000)
        let levels = (0..<5_000).map { PriceLevel(price: 60_000 + Int64($0), quantity: 1) }
        levels.withUnsafeBufferPointer { side.load($0) }
        #expect(side.count == 5_000 && side.blocks == (5_000 + OrderBookSide.blockSize - 1) / OrderBookSide.blockSize)
        #expect(side.best == PriceLevel(price: 60_000, quantity: 1))
    }
}
