import Market
import ShmRing

/// Order books: a snapshot first, then the diffs that continue it, and a new snapshot (which
/// removes the levels the client holds that the new book lacks) whenever the chain breaks.
extension TerminalFeed {
    /// A diff from the ring: applied to the subscribed book and sent on when it continues it.
    mutating func diff(_ d: DepthDiffView, sequence: UInt64, via b: Broadcaster) {
        let h = d.header
        let key = h.key
        guard books[key] != nil else { return }
        var result = books[key]!.apply(firstUpdateId: h.firstUpdateId, finalUpdateId: h.finalUpdateId,
                                       previousFinalUpdateId: h.previousFinalUpdateId, bids: d.bids, asks: d.asks)
        if result == .gap {
            counters.bookGaps += 1
            // The tables may hold the book at this diff or just before it (this worker saw the
            // ring before the feeder updated them): take it, then try the diff again.
            let continued = adopt(key, via: b) { top in
                top.isSynced && (top.lastUpdateId >= h.firstUpdateId &- 1
                    || (h.previousFinalUpdateId != 0 && top.lastUpdateId == h.previousFinalUpdateId))
            }
            if continued {
                result = books[key]!.apply(firstUpdateId: h.firstUpdateId, finalUpdateId: h.finalUpdateId,
                                           previousFinalUpdateId: h.previousFinalUpdateId, bids: d.bids, asks: d.asks)
            }
        }
        switch result {
        case .applied:
            books[key]!.receivedMs = h.receivedNs / 1_000_000
            broadcastDepth(key, .diff(d), receivedMs: h.receivedNs / 1_000_000, sequence: sequence, via: b)
        case .waiting:
            retry(key, via: b)
        case .stale, .gap:
            break
        }
    }

    /// A book the feeder (re)synchronised: it replaces the subscribed book, and every
    /// subscriber gets it whole.
    mutating func snapshot(_ s: BookSnapshotView, via b: Broadcaster) {
        let h = s.header
        guard books[h.key] != nil else { return }
        replaceAndBroadcast(h.key, lastUpdateId: h.lastUpdateId, bids: s.bids, asks: s.asks,
                            timestampMs: h.receivedNs / 1_000_000, via: b)
    }

    /// At the tick: books waiting for a snapshot try the state tables again.
    mutating func tick(via b: Broadcaster) {
        guard books.values.contains(where: { !$0.synced }) else { return }
        for key in books.keys where !books[key]!.synced { retry(key, via: b) }
    }

    /// A waiting book takes the tables' book once it is synced and not older than the diffs
    /// seen meanwhile.
    private mutating func retry(_ key: SubscriptionKey, via b: Broadcaster) {
        let newest = books[key]!.newestSeenUpdateId
        _ = adopt(key, via: b) { $0.isSynced && $0.lastUpdateId >= newest }
    }

    /// This worker was lapped: every subscribed book is taken again from the state tables
    /// (or waits for them) and sent whole.
    mutating func resynchroniseBooks(via b: Broadcaster) {
        for key in Array(books.keys) {
            books[key]!.unsync()
            _ = adopt(key, via: b) { $0.isSynced }
        }
    }

    /// Takes `key`'s book from the state tables when `accept` says it will do, and (with a
    /// broadcaster) sends it to the key's subscribers. True if taken.
    mutating func adopt(_ key: SubscriptionKey, via b: Broadcaster?, accept: (BookTop) -> Bool) -> Bool {
        let source = bookSource
        let found = seedBids.withUnsafeMutableBufferPointer { bids in
            seedAsks.withUnsafeMutableBufferPointer { asks in source.book(key, bids: bids, asks: asks) }
        }
        guard let top = found, accept(top) else { return false }
        let bids = seedBids[..<Int(top.bidCount)]
        let asks = seedAsks[..<Int(top.askCount)]
        // Stamped with the feeder's receive time of the tables' book, like a record.
        let receivedMs = top.receivedNs > 0 ? top.receivedNs / 1_000_000 : nowMillis()
        if let b {
            replaceAndBroadcast(key, lastUpdateId: top.lastUpdateId, bids: bids, asks: asks, timestampMs: receivedMs, via: b)
        } else {
            books[key]!.replace(lastUpdateId: top.lastUpdateId, bids: bids, asks: asks)
            books[key]!.receivedMs = receivedMs
        }
        return true
    }

    /// Replaces `key`'s book and sends its subscribers the new book, with a zero quantity for
    /// each level of the old one (what they hold) that the new one lacks.
    private mutating func replaceAndBroadcast<B: Sequence, A: Sequence>(
        _ key: SubscriptionKey, lastUpdateId: Int64, bids: B, asks: A, timestampMs: Int64, via b: Broadcaster
    ) where B.Element == BookLevel, A.Element == BookLevel {
        oldBids.removeAll(keepingCapacity: true)
        oldAsks.removeAll(keepingCapacity: true)
        oldBids.append(contentsOf: books[key]!.bids)
        oldAsks.append(contentsOf: books[key]!.asks)
        books[key]!.replace(lastUpdateId: lastUpdateId, bids: bids, asks: asks)
        books[key]!.receivedMs = timestampMs
        guard b.hasSubscribers(key, .depth) else { return }
        _ = mergeSnapshot(key)
        broadcastDepth(key, .snapshot(updateId: lastUpdateId), receivedMs: timestampMs, sequence: lastSequence, via: b)
    }

    /// A `depth_update` to encode: a diff from the ring, or the book's snapshot (its sides
    /// merged into `outBids`/`outAsks` by `mergeSnapshot`).
    enum DepthMessage {
        case diff(DepthDiffView)
        case snapshot(updateId: Int64)
    }

    /// Queues a depth message to `key`'s depth subscribers, stamped with the symbol's clock:
    /// `receivedMs`, or one past the last broadcast where they would tie. A connection sent a
    /// snapshot of its own at or past that time (its floor, see `depthFloors`) is left out
    /// and gets its own copy one past its floor, until the clock passes it: each connection
    /// sees the symbol's timestamps strictly increase, and only the data moves the shared clock.
    mutating func broadcastDepth(_ key: SubscriptionKey, _ depth: DepthMessage, receivedMs: Int64, sequence: UInt64,
                                 via b: Broadcaster) {
        guard b.hasSubscribers(key, .depth), let symbol = directory.name(of: key.symbol) else { return }
        let timestamp = depthTimestamp(key.symbol, receivedMs)
        encodeDepth(depth, symbol: symbol, timestampMs: timestamp, sequence: sequence)
        guard let floors = depthFloors.removeValue(forKey: key) else {
            message.bytes.withUnsafeBytes { _ = b.broadcast(text: $0, to: key, channel: .depth, sequence: sequence) }
            return
        }
        let ahead = floors.filter { $0.value >= timestamp }
        message.bytes.withUnsafeBytes {
            _ = b.broadcast(text: $0, to: key, channel: .depth, sequence: sequence, excluding: Array(ahead.keys))
        }
        var kept: [SubscriberID: Int64] = [:]
        for (subscriber, floor) in ahead where b.subscribes(subscriber, to: key, .depth) {
            encodeDepth(depth, symbol: symbol, timestampMs: floor &+ 1, sequence: sequence)
            if message.bytes.withUnsafeBytes({ b.send(text: $0, to: subscriber) }) { kept[subscriber] = floor &+ 1 }
        }
        if !kept.isEmpty { depthFloors[key] = kept }
    }

    /// Merges `key`'s book with the removals of `oldBids`/`oldAsks` into `outBids`/`outAsks`
    /// (a snapshot's sides); returns the book's update id.
    mutating func mergeSnapshot(_ key: SubscriptionKey) -> Int64 {
        let book = books[key]!
        LocalBook.merge(new: book.bids, old: oldBids, better: >, into: &outBids)
        LocalBook.merge(new: book.asks, old: oldAsks, better: <, into: &outAsks)
        return book.lastUpdateId
    }

    /// `depth` as a `depth_update` in `message`.
    mutating func encodeDepth(_ depth: DepthMessage, symbol: String, timestampMs: Int64, sequence: UInt64) {
        message.removeAll()
        switch depth {
        case .diff(let d):
            let h = d.header
            let ids = TerminalMessages.DepthIDs(snapshot: false, firstUpdateId: h.firstUpdateId, updateId: h.finalUpdateId,
                                                previousUpdateId: h.previousFinalUpdateId != 0 ? h.previousFinalUpdateId : nil)
            TerminalMessages.depthUpdate(&message, symbol: symbol, bids: d.bids.bytes, asks: d.asks.bytes, ids: ids,
                                         timestampMs: timestampMs, sequence: sequence)
        case .snapshot(let updateId):
            let ids = TerminalMessages.DepthIDs(snapshot: true, firstUpdateId: nil, updateId: updateId, previousUpdateId: nil)
            outBids.withUnsafeBytes { bids in
                outAsks.withUnsafeBytes { asks in
                    TerminalMessages.depthUpdate(&message, symbol: symbol, bids: bids, asks: asks, ids: ids,
                                                 timestampMs: timestampMs, sequence: sequence)
                }
            }
            counters.snapshots += 1
        }
        counters.encoded += 1
    }

    /// The next broadcast `depth_update` timestamp of `symbol`: `ms`, or one past the last one
    /// broadcast (the frontend drops a depth message whose timestamp is not past the previous one).
    mutating func depthTimestamp(_ symbol: UInt32, _ ms: Int64) -> Int64 {
        let t = max(ms, (depthClock[symbol] ?? 0) &+ 1)
        depthClock[symbol] = t
        return t
    }
}
