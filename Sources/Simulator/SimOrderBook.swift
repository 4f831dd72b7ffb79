import Market

/// A price ladder per side: bids descending, asks ascending, no zero quantities.
public struct SimOrderBook: Sendable, Equatable {
    public private(set) var bids: [PriceLevel] = []
    public private(set) var asks: [PriceLevel] = []

    public init() {}

    /// Sets the absolute quantity at `price`; 0 removes the level (absent is fine).
    public mutating func set(bid: Bool, price: Int64, quantity: Int64) {
        if bid {
            Self.set(&bids, price, quantity, descending: true)
        } else {
            Self.set(&asks, price, quantity, descending: false)
        }
    }

    public func quantity(bid: Bool, price: Int64) -> Int64 {
        let side = bid ? bids : asks
        let i = Self.index(side, price, descending: bid)
        return i < side.count && side[i].price == price ? side[i].quantity : 0
    }

    public var bestBid: PriceLevel? { bids.first }
    public var bestAsk: PriceLevel? { asks.first }

    /// True when the best bid is at or above the best ask.
    public var isCrossed: Bool {
        guard let b = bids.first, let a = asks.first else { return false }
        return b.price >= a.price
    }

    /// The first index whose price is not better than `price` (binary search).
    static func index(_ side: [PriceLevel], _ price: Int64, descending: Bool) -> Int {
        var low = 0
        var high = side.count
        while low < high {
            let mid = (low + high) / 2
            let better = descending ? side[mid].price > price : side[mid].price < price
            if better { low = mid + 1 } else { high = mid }
        }
        return low
    }

    static func set(_ side: inout [PriceLevel], _ price: Int64, _ quantity: Int64, descending: Bool) {
        let i = index(side, price, descending: descending)
        let found = i < side.count && side[i].price == price
        if quantity == 0 {
            if found { side.remove(at: i) }
        } else if found {
            side[i].quantity = quantity
        } else {
            side.insert(PriceLevel(price: price, quantity: quantity), at: i)
        }
    }
}
