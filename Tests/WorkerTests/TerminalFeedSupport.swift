import Foundation
import ShmRing
import Synchronization
@testable import Worker

/// A directory of fixed symbols: index = position.
final class FixedSymbolDirectory: SymbolDirectory {
    let names: [String]
    init(_ names: [String]) { self.names = names }
    func index(of name: String) -> UInt32? { names.firstIndex(of: name).map { UInt32($0) } }
    func name(of index: UInt32) -> String? { Int(index) < names.count ? names[Int(index)] : nil }
    var servedNames: [String] { names }
}

/// A broadcaster with no loop behind it: subscribers are ids, and what each receives is kept.
final class RecordingBroadcaster: Broadcaster {
    var subscribers: [SubscriptionKey: [SubscriberID]] = [:]
    var received: [SubscriberID: [String]] = [:]
    /// Calls of `broadcast` that reached someone: each is one encoded message.
    var broadcasts = 0

    /// Each subscriber's channels: the original protocol's set unless a test says otherwise.
    var channels: [SubscriberID: ChannelSet] = [:]

    func subscribe(_ id: SubscriberID, _ key: SubscriptionKey, channels: ChannelSet? = nil) {
        subscribers[key, default: []].append(id)
        self.channels[id] = channels ?? .legacy(key.market)
    }

    func unsubscribe(_ id: SubscriberID, _ key: SubscriptionKey) -> Int {
        subscribers[key]?.removeAll { $0 == id }
        if subscribers[key]?.isEmpty == true { subscribers[key] = nil }
        return subscribers[key]?.count ?? 0
    }

    func hasSubscribers(_ key: SubscriptionKey, _ channels: ChannelSet) -> Bool {
        (subscribers[key] ?? []).contains { !(self.channels[$0] ?? []).isDisjoint(with: channels) }
    }

    func broadcast(text: UnsafeRawBufferPointer, to key: SubscriptionKey, channel: ChannelSet, sequence: UInt64) -> Int {
        broadcast(text: text, to: key, channel: channel, sequence: sequence, excluding: [])
    }

    func broadcast(text: UnsafeRawBufferPointer, to key: SubscriptionKey, channel: ChannelSet, sequence: UInt64,
                   excluding excluded: [SubscriberID]) -> Int {
        let list = (subscribers[key] ?? []).filter { !(channels[$0] ?? []).isDisjoint(with: channel) && !excluded.contains($0) }
        if !list.isEmpty { broadcasts += 1 }
        for id in list { received[id, default: []].append(String(decoding: text, as: UTF8.self)) }
        return list.count
    }

    func send(text: UnsafeRawBufferPointer, to subscriber: SubscriberID) -> Bool {
        received[subscriber, default: []].append(String(decoding: text, as: UTF8.self))
        return true
    }

    func subscribedKeys() -> [SubscriptionKey] { Array(subscribers.keys) }

    func subscribes(_ subscriber: SubscriberID, to key: SubscriptionKey, _ channels: ChannelSet) -> Bool {
        (subscribers[key] ?? []).contains(subscriber) && !(self.channels[subscriber] ?? []).isDisjoint(with: channels)
    }

    func answer(_ response: RESTResponse, to subscriber: SubscriberID) {}

    /// What `id` received, as JSON objects; clears it.
    func take(_ id: SubscriberID) -> [[String: Any]] {
        defer { received[id] = [] }
        return (received[id] ?? []).map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? ["unparsed": $0] }
    }
}

/// State-table books held by the test.
final class FakeBooks: BookSource {
    var books: [SubscriptionKey: (top: BookTop, bids: [BookLevel], asks: [BookLevel])] = [:]
    var reads = 0

    func set(_ key: SubscriptionKey, id: Int64, synced: Bool = true, bids: [BookLevel], asks: [BookLevel]) {
        books[key] = (BookTop(lastUpdateId: id, eventTimeMs: 0, transactionTimeMs: 0, receivedNs: 0, synced: synced), bids, asks)
    }

    func book(_ key: SubscriptionKey, bids: UnsafeMutableBufferPointer<BookLevel>,
              asks: UnsafeMutableBufferPointer<BookLevel>) -> BookTop? {
        reads += 1
        guard let b = books[key] else { return nil }
        var top = b.top
        top.bidCount = UInt32(min(b.bids.count, bids.count))
        top.askCount = UInt32(min(b.asks.count, asks.count))
        for i in 0..<Int(top.bidCount) { bids[i] = b.bids[i] }
        for i in 0..<Int(top.askCount) { asks[i] = b.asks[i] }
        return top
    }
}

/// Levels from (price, quantity) pairs in whole units.
func levels(_ pairs: [(Int64, Int64)]) -> [BookLevel] {
    pairs.map { BookLevel(price: $0.0 * 100_000_000, quantity: $0.1 * 100_000_000) }
}

/// The bytes of a levels record (header, bids, asks) as the ring holds it.
func levelsPayload<H: LevelsHeader>(_ header: H, bids: [BookLevel], asks: [BookLevel]) -> [UInt8] {
    var h = header
    h.bidCount = UInt32(bids.count)
    h.askCount = UInt32(asks.count)
    var bytes = withUnsafeBytes(of: h) { Array($0) }
    bids.withUnsafeBytes { bytes += $0 }
    asks.withUnsafeBytes { bytes += $0 }
    return bytes
}

/// A mutable value the test and a closure share.
final class Box {
    var value: Int64
    init(_ value: Int64) { self.value = value }
}

/// A feed over a fake broadcaster and books, for symbols BTCUSDT (0) and ETHUSDT (1), with
/// the wall clock at `nowMs`.
final class FeedHarness {
    let b = RecordingBroadcaster()
    let source = FakeBooks()
    let now = Box(5_000)
    var feed: TerminalFeed!
    var sequence: UInt64 = 0

    init() {
        feed = TerminalFeed(directory: FixedSymbolDirectory(["BTCUSDT", "ETHUSDT"]), bookSource: source,
                            nowMillis: { [now] in now.value })
    }

    func subscribe(_ id: SubscriberID, _ key: SubscriptionKey, replacing: SubscriptionKey? = nil) {
        b.subscribe(id, key)
        feed.subscribed(key, subscriber: id, replacing: replacing, via: b)
        if let replacing { feed.unsubscribed(replacing, remaining: b.unsubscribe(id, replacing)) }
    }

    func handle(_ event: RingEvent) {
        sequence += 1
        feed.handle(event, sequence: sequence, via: b)
    }

    func diff(_ key: SubscriptionKey, first: Int64, last: Int64, previous: Int64 = 0, receivedMs: Int64,
              bids: [BookLevel] = [], asks: [BookLevel] = []) {
        let h = DepthDiffHeader(symbolIndex: key.symbol, flags: key.market.flag, firstUpdateId: first, finalUpdateId: last,
                                previousFinalUpdateId: previous, eventTimeMs: 0, transactionTimeMs: 0,
                                receivedNs: receivedMs * 1_000_000)
        levelsPayload(h, bids: bids, asks: asks).withUnsafeBytes { handle(.depthDiff(DepthDiffView(payload: $0)!)) }
    }

    func snapshotRecord(_ key: SubscriptionKey, id: Int64, resync: Bool, receivedMs: Int64, bids: [BookLevel], asks: [BookLevel]) {
        var h = BookSnapshotHeader(symbolIndex: key.symbol, flags: key.market.flag, lastUpdateId: id, eventTimeMs: 0,
                                   transactionTimeMs: 0, receivedNs: receivedMs * 1_000_000)
        if resync { h.flags |= BookSnapshotHeader.resync }
        levelsPayload(h, bids: bids, asks: asks).withUnsafeBytes { handle(.bookSnapshot(BookSnapshotView(payload: $0)!)) }
    }
}

let btcFutures = SubscriptionKey(symbol: 0, market: .futures)
let btcSpot = SubscriptionKey(symbol: 0, market: .spot)
let ethSpot = SubscriptionKey(symbol: 1, market: .spot)
let alice = SubscriberID(slot: 1, generation: 1)
let bob = SubscriberID(slot: 2, generation: 1)

/// A side of a `depth_update` as (price, quantity) strings.
func side(_ m: [String: Any], _ name: String) -> [[String]] { m[name] as? [[String]] ?? [] }
