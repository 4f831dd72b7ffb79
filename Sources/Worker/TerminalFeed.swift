import Market
import ShmRing

/// Where a worker takes a book from when the ring cannot give it (a new subscriber, a lap):
/// the state tables.
protocol BookSource {
    /// Copies `key`'s book, best first, up to `bids.count` / `asks.count` levels a side, and
    /// returns its state with the counts copied; nil when there is none.
    func book(_ key: SubscriptionKey, bids: UnsafeMutableBufferPointer<BookLevel>,
              asks: UnsafeMutableBufferPointer<BookLevel>) -> BookTop?
}

/// Ring records → the terminal protocol's messages (API.md §2.3). Each record is encoded once,
/// only when its (symbol, market) has subscribers, and queued to all of them through the
/// `Broadcaster`; the order books of subscribed keys are kept here (`LocalBook`) so a new
/// subscriber's snapshot is exactly the book the following diffs apply to, and `depth_update`
/// timestamps strictly increase per symbol. Loop thread only; the encode buffers are reused,
/// so a message costs no allocation beyond its one encoding.
struct TerminalFeed {
    /// Counts of what was sent, for logs and tests.
    struct Counters: Equatable {
        var encoded = 0
        var snapshots = 0
        var gapNotices = 0
        /// Diffs that did not continue a subscribed book (it then waits for a snapshot).
        var bookGaps = 0
    }

    let directory: SymbolDirectory
    let bookSource: BookSource
    /// Wall-clock milliseconds: the `timestamp` of messages made here rather than from a record.
    let nowMillis: () -> Int64
    /// The books of keys with subscribers.
    var books: [SubscriptionKey: LocalBook] = [:]
    /// The last `depth_update` timestamp broadcast per symbol (both markets: a client
    /// switching market still sees them increase). Only broadcasts move it, each to its
    /// record's receive time or one past the last where they would tie.
    var depthClock: [UInt32: Int64] = [:]
    /// Per book, the connections that were sent a snapshot of their own (a subscribe, a
    /// resnapshot) stamped at or past the symbol's clock, with that timestamp: until a
    /// broadcast passes it, each gets its own copy of the book's messages one past its floor.
    var depthFloors: [SubscriptionKey: [SubscriberID: Int64]] = [:]
    /// The sequence of the last record handled.
    var lastSequence: UInt64 = 0
    var counters = Counters()
    var message = JSONBytes(capacity: 32 << 10)
    /// Scratch levels: a book copied from the tables, a book's levels before a snapshot, and
    /// a snapshot message's sides.
    var seedBids: [BookLevel]
    var seedAsks: [BookLevel]
    var oldBids: [BookLevel] = []
    var oldAsks: [BookLevel] = []
    var outBids: [BookLevel] = []
    var outAsks: [BookLevel] = []

    init(directory: SymbolDirectory, bookSource: BookSource, nowMillis: @escaping () -> Int64) {
        self.directory = directory
        self.bookSource = bookSource
        self.nowMillis = nowMillis
        let zero = BookLevel(price: 0, quantity: 0)
        seedBids = Array(repeating: zero, count: LocalBook.maxLevels)
        seedAsks = seedBids
        for scratch in [\TerminalFeed.oldBids, \.oldAsks, \.outBids, \.outAsks] {
            self[keyPath: scratch].reserveCapacity(2 * LocalBook.maxLevels)
        }
    }

    /// One record from the ring.
    mutating func handle(_ event: RingEvent, sequence: UInt64, via b: Broadcaster) {
        lastSequence = sequence
        switch event {
        case .depthDiff(let d):
            diff(d, sequence: sequence, via: b)
        case .bookSnapshot(let s):
            snapshot(s, via: b)
        case .feedGap(let g):
            gap(g, sequence: sequence, via: b)
        case .epochStart:
            directory.invalidate()
        default:
            guard let (key, channel) = Self.route(event), b.hasSubscribers(key, channel),
                  let symbol = directory.name(of: key.symbol) else { return }
            message.removeAll()
            Self.encode(event, symbol: symbol, sequence: sequence, into: &message)
            counters.encoded += 1
            message.bytes.withUnsafeBytes { _ = b.broadcast(text: $0, to: key, channel: channel, sequence: sequence) }
        }
    }

    /// The subscription key and channel of a record whose message depends on the record
    /// alone (not on a book); nil for the others and for what is not sent.
    static func route(_ event: RingEvent) -> (SubscriptionKey, ChannelSet)? {
        switch event {
        case .trade(let t): (t.key, .trades)
        case .aggTrade(let a): (a.key, .aggTrades)
        case .ticker(let t): (t.key, .ticker)
        case .bookTicker(let t): (t.key, .bookTicker)
        case .kline(let k): KlineInterval(rawValue: UInt8(truncatingIfNeeded: k.interval)).map { (k.key, .kline($0)) }
        // Like the original, no update without a funding rate (Binance sends "" for delivery contracts).
        case .markPrice(let m): m.knownFundingRate == nil ? nil : (m.key, .markPrice)
        case .liquidation(let l): OrderSide(rawValue: l.side) == nil ? nil : (l.key, .liquidations)
        default: nil
        }
    }

    /// The message of a record `route` accepts (API.md §2.3, plus `book_ticker_update`).
    static func encode(_ event: RingEvent, symbol: String, sequence: UInt64, into out: inout JSONBytes) {
        switch event {
        case .trade(let t):
            TerminalMessages.tradeUpdate(&out, symbol: symbol, tradeId: t.tradeId, price: t.price, quantity: t.quantity,
                                         buyerIsMaker: t.isBuyerMaker, tradeTimeMs: t.tradeTimeMs,
                                         timestampMs: t.receivedNs / 1_000_000, receivedUs: t.receivedNs / 1_000,
                                         sequence: sequence)
        case .aggTrade(let a):
            TerminalMessages.tradeUpdate(&out, symbol: symbol, tradeId: a.aggregateId, price: a.price, quantity: a.quantity,
                                         buyerIsMaker: a.isBuyerMaker, tradeTimeMs: a.tradeTimeMs,
                                         timestampMs: a.receivedNs / 1_000_000, receivedUs: a.receivedNs / 1_000,
                                         sequence: sequence)
        case .ticker(let t):
            TerminalMessages.priceUpdate(&out, symbol: symbol, price: t.lastPrice, change: t.priceChange,
                                         changePercent: t.priceChangePercent, volume: t.volume,
                                         timestampMs: t.receivedNs / 1_000_000, sequence: sequence)
        case .bookTicker(let t):
            TerminalMessages.bookTickerUpdate(&out, symbol: symbol, bidPrice: t.bidPrice, bidQuantity: t.bidQuantity,
                                              askPrice: t.askPrice, askQuantity: t.askQuantity, updateId: t.updateId,
                                              timestampMs: t.receivedNs / 1_000_000, sequence: sequence)
        case .kline(let k):
            let c = k.candle
            TerminalMessages.klineUpdate(&out, symbol: symbol, interval: KlineInterval(rawValue: UInt8(truncatingIfNeeded: k.interval))!,
                                         openTimeMs: c.openTimeMs, closeTimeMs: c.closeTimeMs, open: c.open, high: c.high,
                                         low: c.low, close: c.close, volume: c.volume, takerBuyVolume: c.takerBuyBase,
                                         closed: c.isClosed, timestampMs: k.receivedNs / 1_000_000, sequence: sequence)
        case .markPrice(let m):
            TerminalMessages.markPriceUpdate(&out, symbol: symbol, markPrice: m.markPrice, indexPrice: m.indexPrice,
                                             fundingRate: m.knownFundingRate ?? 0, nextFundingTimeMs: m.nextFundingTimeMs,
                                             timestampMs: m.receivedNs / 1_000_000, sequence: sequence)
        case .liquidation(let l):
            // `price` is the average fill price, the order's price when there is none (as the original).
            TerminalMessages.liquidationUpdate(&out, symbol: symbol, side: OrderSide(rawValue: l.side)!,
                                               averagePrice: l.averagePrice != 0 ? l.averagePrice : l.price,
                                               orderPrice: l.price, quantity: l.originalQuantity, tradeTimeMs: l.tradeTimeMs,
                                               status: (OrderStatus(rawValue: l.status) ?? .other).wireName,
                                               timestampMs: l.receivedNs / 1_000_000, sequence: sequence)
        default:
            break
        }
    }

    /// Encodes one message for the subscribers of `channel` of `key`, if it has any, and
    /// queues it to them.
    @inline(__always)
    mutating func send(_ key: SubscriptionKey, channel: ChannelSet, sequence: UInt64, via b: Broadcaster,
                       _ encode: (inout JSONBytes, String) -> Void) {
        guard b.hasSubscribers(key, channel), let symbol = directory.name(of: key.symbol) else { return }
        message.removeAll()
        encode(&message, symbol)
        counters.encoded += 1
        message.bytes.withUnsafeBytes { _ = b.broadcast(text: $0, to: key, channel: channel, sequence: sequence) }
    }

    // MARK: Subscriptions

    /// A connection subscribed to `key` (or lost messages and needs the book again): it gets
    /// the book's snapshot now if the book is synced, else with every subscriber once it is.
    /// Switching from `replacing` (the same symbol's other market), the snapshot also removes
    /// the levels of the book it had. The snapshot goes to this connection alone and leaves the
    /// symbol's shared clock alone: what one connection does never moves the timestamps the
    /// others receive (see `broadcastDepth`).
    mutating func subscribed(_ key: SubscriptionKey, subscriber: SubscriberID, replacing: SubscriptionKey?,
                             via b: Broadcaster) {
        if books[key] == nil {
            books[key] = LocalBook()
            _ = adopt(key, via: nil) { $0.isSynced }
        }
        // Its floor on the other market's book is its floor on this symbol still.
        let carried = replacing.flatMap { depthFloors[$0]?.removeValue(forKey: subscriber) }
        var timestamp = max(carried ?? 0, depthFloors[key]?[subscriber] ?? 0)
        guard books[key]!.synced, let symbol = directory.name(of: key.symbol) else {
            if timestamp > 0 { depthFloors[key, default: [:]][subscriber] = timestamp }
            return
        }
        let old = replacing.flatMap { books[$0] }
        oldBids.removeAll(keepingCapacity: true)
        oldAsks.removeAll(keepingCapacity: true)
        if let old {
            oldBids.append(contentsOf: old.bids)
            oldAsks.append(contentsOf: old.asks)
        }
        timestamp = snapshotTimestamp(key, floor: timestamp)
        let updateId = mergeSnapshot(key)
        encodeDepth(.snapshot(updateId: updateId), symbol: symbol, timestampMs: timestamp, sequence: lastSequence)
        if message.bytes.withUnsafeBytes({ b.send(text: $0, to: subscriber) }) {
            depthFloors[key, default: [:]][subscriber] = timestamp
        }
    }

    /// The timestamp of a snapshot for one connection: past every depth timestamp of the
    /// symbol it may have been sent (the symbol's last broadcast; `floor`, the last one sent
    /// to it alone), and not before the book's own data; the wall clock when nothing is known.
    func snapshotTimestamp(_ key: SubscriptionKey, floor: Int64) -> Int64 {
        var t = books[key]!.receivedMs
        if let last = depthClock[key.symbol] { t = max(t, last &+ 1) }
        if floor > 0 { t = max(t, floor &+ 1) }
        return t > 0 ? t : nowMillis()
    }

    /// A connection left `key`; its book is dropped with its last subscriber.
    mutating func unsubscribed(_ key: SubscriptionKey, remaining: Int) {
        if remaining == 0 {
            books[key] = nil
            depthFloors[key] = nil
        }
    }
}
extension MarketRecord {
    /// The subscription key of the record's symbol and market.
    @inline(__always)
    var key: SubscriptionKey { SubscriptionKey(symbol: symbolIndex, market: market) }
}
