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

    /// The kline intervals the terminal protocol carries (API.md §2.3 item 5).
    static let klineIntervals: [KlineInterval] = [.m1, .m5, .m15]

    let directory: SymbolDirectory
    let bookSource: BookSource
    /// Wall-clock milliseconds: the `timestamp` of messages made here rather than from a record.
    let nowMillis: () -> Int64
    /// The books of keys with subscribers.
    var books: [SubscriptionKey: LocalBook] = [:]
    /// The last `depth_update` timestamp sent per symbol (both markets: a client switching
    /// market still sees them increase).
    var depthClock: [UInt32: Int64] = [:]
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
        case .trade(let t):
            trade(t.key, id: t.tradeId, price: t.price, quantity: t.quantity, buyerIsMaker: t.isBuyerMaker,
                  tradeTimeMs: t.tradeTimeMs, receivedNs: t.receivedNs, sequence: sequence, via: b)
        case .aggTrade(let a):
            trade(a.key, id: a.aggregateId, price: a.price, quantity: a.quantity, buyerIsMaker: a.isBuyerMaker,
                  tradeTimeMs: a.tradeTimeMs, receivedNs: a.receivedNs, sequence: sequence, via: b)
        case .ticker(let t):
            send(t.key, via: b) { out, symbol in
                TerminalMessages.priceUpdate(&out, symbol: symbol, price: t.lastPrice, change: t.priceChange,
                                             changePercent: t.priceChangePercent, volume: t.volume,
                                             timestampMs: t.receivedNs / 1_000_000, sequence: sequence)
            }
        case .kline(let k):
            kline(k, sequence: sequence, via: b)
        case .markPrice(let m):
            // Like the original, no update without a funding rate (Binance sends "" for delivery contracts).
            guard let rate = m.knownFundingRate else { return }
            send(m.key, via: b) { out, symbol in
                TerminalMessages.markPriceUpdate(&out, symbol: symbol, markPrice: m.markPrice, indexPrice: m.indexPrice,
                                                 fundingRate: rate, nextFundingTimeMs: m.nextFundingTimeMs,
                                                 timestampMs: m.receivedNs / 1_000_000, sequence: sequence)
            }
        case .liquidation(let l):
            liquidation(l, sequence: sequence, via: b)
        case .depthDiff(let d):
            diff(d, sequence: sequence, via: b)
        case .bookSnapshot(let s):
            snapshot(s, via: b)
        case .feedGap(let g):
            gap(g, sequence: sequence, via: b)
        case .epochStart:
            directory.invalidate()
        case .bookTicker, .other, .malformed:
            break
        }
    }

    /// Encodes one message for `key`'s subscribers, if it has any, and queues it to them.
    @inline(__always)
    mutating func send(_ key: SubscriptionKey, via b: Broadcaster, _ encode: (inout JSONBytes, String) -> Void) {
        guard b.hasSubscribers(key), let symbol = directory.name(of: key.symbol) else { return }
        message.removeAll()
        encode(&message, symbol)
        counters.encoded += 1
        message.bytes.withUnsafeBytes { _ = b.broadcast(text: $0, to: key) }
    }

    private mutating func trade(_ key: SubscriptionKey, id: Int64, price: Int64, quantity: Int64, buyerIsMaker: Bool,
                                tradeTimeMs: Int64, receivedNs: Int64, sequence: UInt64, via b: Broadcaster) {
        send(key, via: b) { out, symbol in
            TerminalMessages.tradeUpdate(&out, symbol: symbol, tradeId: id, price: price, quantity: quantity,
                                         buyerIsMaker: buyerIsMaker, tradeTimeMs: tradeTimeMs,
                                         timestampMs: receivedNs / 1_000_000, receivedUs: receivedNs / 1_000,
                                         sequence: sequence)
        }
    }

    private mutating func kline(_ k: KlineRecord, sequence: UInt64, via b: Broadcaster) {
        guard let interval = KlineInterval(rawValue: UInt8(truncatingIfNeeded: k.interval)),
              Self.klineIntervals.contains(interval) else { return }
        let c = k.candle
        send(k.key, via: b) { out, symbol in
            TerminalMessages.klineUpdate(&out, symbol: symbol, interval: interval, openTimeMs: c.openTimeMs,
                                         closeTimeMs: c.closeTimeMs, open: c.open, high: c.high, low: c.low, close: c.close,
                                         volume: c.volume, takerBuyVolume: c.takerBuyBase, closed: c.isClosed,
                                         timestampMs: k.receivedNs / 1_000_000, sequence: sequence)
        }
    }

    private mutating func liquidation(_ l: LiquidationRecord, sequence: UInt64, via b: Broadcaster) {
        guard let side = OrderSide(rawValue: l.side) else { return }
        let status = OrderStatus(rawValue: l.status) ?? .other
        // `price` is the average fill price, the order's price when there is none (as the original).
        let price = l.averagePrice != 0 ? l.averagePrice : l.price
        send(l.key, via: b) { out, symbol in
            TerminalMessages.liquidationUpdate(&out, symbol: symbol, side: side, averagePrice: price, orderPrice: l.price,
                                               quantity: l.originalQuantity, tradeTimeMs: l.tradeTimeMs,
                                               status: status.wireName, timestampMs: l.receivedNs / 1_000_000,
                                               sequence: sequence)
        }
    }

    // MARK: Subscriptions

    /// A connection subscribed to `key`: it gets the book's snapshot now if the book is
    /// synced, else with every subscriber once it is. Switching from `replacing` (the same
    /// symbol's other market), the snapshot also removes the levels of the book it had.
    mutating func subscribed(_ key: SubscriptionKey, subscriber: SubscriberID, replacing: SubscriptionKey?,
                             via b: Broadcaster) {
        if books[key] == nil {
            books[key] = LocalBook()
            _ = adopt(key, via: nil) { $0.isSynced }
        }
        guard books[key]!.synced, let symbol = directory.name(of: key.symbol) else { return }
        let old = replacing.flatMap { books[$0] }
        oldBids.removeAll(keepingCapacity: true)
        oldAsks.removeAll(keepingCapacity: true)
        if let old {
            oldBids.append(contentsOf: old.bids)
            oldAsks.append(contentsOf: old.asks)
        }
        encodeSnapshot(key, symbol: symbol, timestampMs: nowMillis())
        message.bytes.withUnsafeBytes { _ = b.send(text: $0, to: subscriber) }
    }

    /// A connection left `key`; its book is dropped with its last subscriber.
    mutating func unsubscribed(_ key: SubscriptionKey, remaining: Int) {
        if remaining == 0 { books[key] = nil }
    }
}

extension MarketRecord {
    /// The subscription key of the record's symbol and market.
    @inline(__always)
    var key: SubscriptionKey { SubscriptionKey(symbol: symbolIndex, market: market) }
}
