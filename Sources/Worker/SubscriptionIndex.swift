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

/// The subscription index: (symbol, market) → the slots of the connections subscribed to it,
/// each with its channels. A value type with no I/O; the loop keeps it in step with the
/// sessions. A record's fan-out costs one lookup and a walk over its subscribers, never over
/// all connections; a record of a channel nobody on the key wants is not even encoded.
struct SubscriptionIndex {
    /// One key's subscribers: slots and their channels side by side, and the union.
    struct Subscribers {
        var slots: [UInt32] = []
        var channels: [ChannelSet] = []
        var union: ChannelSet = []
    }

    private(set) var entries: [SubscriptionKey: Subscribers] = [:]
    /// Subscribers per symbol index, both markets together (what `getStats` and
    /// `/websocket/stats` count), kept as slots come and go.
    private(set) var perSymbol: [Int] = []

    /// Adds `slot` under `key` with `channels` (or sets its channels); false if it was there.
    @discardableResult
    mutating func add(_ slot: UInt32, to key: SubscriptionKey, channels: ChannelSet = .all) -> Bool {
        var entry = entries.removeValue(forKey: key) ?? Subscribers()
        defer { entries[key] = entry }
        if let i = entry.slots.firstIndex(of: slot) {
            entry.channels[i] = channels
            entry.union = entry.channels.reduce([]) { $0.union($1) }
            return false
        }
        entry.slots.append(slot)
        entry.channels.append(channels)
        entry.union.formUnion(channels)
        let symbol = Int(key.symbol)
        if symbol >= perSymbol.count { perSymbol += Array(repeating: 0, count: symbol + 1 - perSymbol.count) }
        perSymbol[symbol] += 1
        return true
    }

    /// Removes `slot` from `key`; returns how many subscribers the key has left.
    @discardableResult
    mutating func remove(_ slot: UInt32, from key: SubscriptionKey) -> Int {
        guard var entry = entries.removeValue(forKey: key) else { return 0 }
        if let i = entry.slots.firstIndex(of: slot) {
            entry.slots.swapAt(i, entry.slots.count - 1)
            entry.slots.removeLast()
            entry.channels.swapAt(i, entry.channels.count - 1)
            entry.channels.removeLast()
            entry.union = entry.channels.reduce([]) { $0.union($1) }
            perSymbol[Int(key.symbol)] -= 1
        }
        if !entry.slots.isEmpty { entries[key] = entry }
        return entry.slots.count
    }

    /// The slots subscribed to `key` (empty if none).
    func subscribers(of key: SubscriptionKey) -> [UInt32] { entries[key]?.slots ?? [] }

    /// `key`'s subscribers with their channels.
    @inline(__always)
    func entry(of key: SubscriptionKey) -> Subscribers? { entries[key] }

    /// Whether any subscriber of `key` wants a channel of `channels`.
    @inline(__always)
    func wants(_ key: SubscriptionKey, _ channels: ChannelSet) -> Bool {
        guard let union = entries[key]?.union else { return false }
        return !union.isDisjoint(with: channels)
    }

    func count(of key: SubscriptionKey) -> Int { entries[key]?.slots.count ?? 0 }

    /// Every key with at least one subscriber.
    var keys: Dictionary<SubscriptionKey, Subscribers>.Keys { entries.keys }

    var isEmpty: Bool { entries.isEmpty }
}
