import ShmRing

/// What a terminal client subscribes to: one symbol (its state-table index) of one market.
/// Spot and futures are separate keys, so their books and prices never mix.
public struct SubscriptionKey: Hashable, Sendable, CustomStringConvertible {
    public var symbol: UInt32
    public var market: MarketKind

    public init(symbol: UInt32, market: MarketKind) {
        self.symbol = symbol
        self.market = market
    }

    public var description: String { "\(symbol)/\(market.wireName)" }
}

/// One subscribed connection: its slot and the slot's generation, so a message meant for a
/// connection that has gone never reaches the slot's next one.
public struct SubscriberID: Hashable, Sendable {
    public var slot: UInt32
    public var generation: UInt32
}

extension MarketKind {
    /// The protocol's spelling: `"spot"` or `"futures"`.
    public var wireName: String { self == .futures ? "futures" : "spot" }

    /// The market a client named (`"spot"`, `"futures"`, any case), or nil.
    public init?(wireName: String) {
        switch wireName.lowercased() {
        case "spot": self = .spot
        case "futures": self = .futures
        default: return nil
        }
    }
}

/// The subscription index: (symbol, market) → the slots of the connections subscribed to it.
/// A value type with no I/O; the loop keeps it in step with the sessions. A record's fan-out
/// costs one lookup and a walk over its subscribers, never over all connections.
struct SubscriptionIndex {
    private(set) var slots: [SubscriptionKey: [UInt32]] = [:]

    /// Adds `slot` under `key`; false if it was there already.
    @discardableResult
    mutating func add(_ slot: UInt32, to key: SubscriptionKey) -> Bool {
        if slots[key]?.contains(slot) == true { return false }
        slots[key, default: []].append(slot)
        return true
    }

    /// Removes `slot` from `key`; returns how many subscribers the key has left.
    @discardableResult
    mutating func remove(_ slot: UInt32, from key: SubscriptionKey) -> Int {
        guard var list = slots.removeValue(forKey: key) else { return 0 }
        if let i = list.firstIndex(of: slot) { list.swapAt(i, list.count - 1); list.removeLast() }
        if !list.isEmpty { slots[key] = list }
        return list.count
    }

    /// The slots subscribed to `key` (empty if none).
    @inline(__always)
    func subscribers(of key: SubscriptionKey) -> [UInt32] { slots[key] ?? [] }

    @inline(__always)
    func count(of key: SubscriptionKey) -> Int { slots[key]?.count ?? 0 }

    /// Every key with at least one subscriber.
    var keys: Dictionary<SubscriptionKey, [UInt32]>.Keys { slots.keys }

    var isEmpty: Bool { slots.isEmpty }
}
