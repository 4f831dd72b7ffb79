import Glibc
import Market
import Net
import Posix
import Runtime
import ShmRing

/// The ring's only writer in live mode. Connection threads parse frames on their own and hand
/// the events here; under one lock this drops duplicates (overlapping connections during
/// make-before-break, REST fills racing the stream), keeps trades in id order across gaps,
/// maintains the order books, and publishes records and state-table updates.
final class Publisher: @unchecked Sendable {
    enum Verdict {
        /// A data frame (published, or a duplicate of one): the stream is flowing.
        case data
        /// A reply to SUBSCRIBE and the like.
        case reply
        case serverShutdown
        case malformed
        case ignored
    }

    /// The streamed symbols; added to only under `lock` (`add(symbol:)`), with the entries.
    let symbols: FeedSymbols
    let writer: RingWriter
    let tables: StateTables
    let control: ControlBlock
    let log: Logger
    let wake: @Sendable () -> Void
    /// Gives up on a gap fill after this long, releasing what was held back.
    let fillTimeoutNs: Int64
    /// How long a book may see only stale diffs, or a latest-value channel only values not newer
    /// than its mark, while they keep arriving, before it starts over (`StaleWatch`).
    let staleLimitNs: Int64
    var rest: RESTWorker?

    let lock = Mutex()
    var entries: [Entry]
    var restParser: BinanceParser
    var gapIds: UInt64 = 0
    var published: UInt64 = 0
    var malformed: UInt64 = 0
    /// Frames and rows dropped since the last line that said so, and when that line was written.
    var droppedSinceLog: UInt64 = 0
    var droppedLoggedNs: Int64 = .min / 2
    /// Receive (frame decoded off the socket) to published in the ring, per stream event.
    var latency = LatencyHistogram()
    var scratchBids: UnsafeMutableBufferPointer<PriceLevel>
    var scratchAsks: UnsafeMutableBufferPointer<PriceLevel>

    /// Levels of a book snapshot record (the ring's records stay well under its size limit).
    static let snapshotLevels = 1000

    /// One symbol in one market.
    final class Entry {
        let symbol: SymbolID
        let market: MarketKind
        var book: OrderBook
        var trades = IdSequencer<TradeRecord>()
        var aggTrades = IdSequencer<AggTradeRecord>()
        var fillBuffer: [(id: Int64, item: AggTradeRecord)] = []
        var fillPages = 0
        /// The open gap's id, shared by its `open` record and its `filled`/`lost` record.
        var tradeGapId: UInt64 = 0
        var bookGapId: UInt64 = 0
        /// The open book gap's ids: the book's update id when the chain broke, to the newest
        /// diff seen past it; every record of the gap (`open`, again `open`, `filled`) carries it.
        var bookGapRange: ClosedRange<Int64> = 0...0
        var snapshotRequestedNs: Int64?
        /// The newest trade time offered to the trade sequencer (ms; 0: none yet).
        var lastTradeTimeMs: Int64 = 0
        /// Whether the book's diffs have all been stale for a while.
        var staleBook = StaleWatch()
        /// The same per "latest value" mark (`advance`).
        var staleMarks: [PartialKeyPath<Entry>: StaleWatch] = [:]
        /// Snapshots in a row that could not be used (unreadable, implausible, older than the diffs).
        var snapshotFailures = 0
        var resyncing = false
        var lastKlineEventMs = [Int64](repeating: 0, count: 16)
        var lastClosedOpenMs = [Int64](repeating: Int64.min, count: 16)
        var lastBookTickerId: Int64 = 0
        var lastTickerEventMs: Int64 = 0
        var lastMarkEventMs: Int64 = 0
        var lastLiquidation: (time: Int64, filled: Int64) = (0, 0)

        init(symbol: SymbolID, market: MarketKind) {
            self.symbol = symbol
            self.market = market
            book = OrderBook(procedure: market == .spot ? .spot : .futures)
        }
    }

    init(symbols: FeedSymbols, writer: RingWriter, tables: StateTables, control: ControlBlock, log: Logger,
         fillTimeoutNs: Int64 = 10_000_000_000, staleLimitNs: Int64 = 10_000_000_000,
         wake: @escaping @Sendable () -> Void) {
        self.staleLimitNs = staleLimitNs
        self.symbols = symbols
        self.writer = writer
        self.tables = tables
        self.control = control
        self.log = log
        self.fillTimeoutNs = fillTimeoutNs
        self.wake = wake
        entries = []
        for i in 0..<symbols.count {
            for m in MarketKind.allCases { entries.append(Entry(symbol: SymbolID(i), market: m)) }
        }
        restParser = BinanceParser(symbols: symbols.snapshot.table)
        scratchBids = .allocate(capacity: Self.snapshotLevels)
        scratchAsks = .allocate(capacity: Self.snapshotLevels)
        resumeFromStateTables()
    }

    /// A feeder restarted by the supervisor continues where the last one stopped: trades go on
    /// from the last id in the state tables (so the first new trade opens a gap that REST fills),
    /// and every book waits for a fresh snapshot.
    func resumeFromStateTables() {
        var resumed: [String] = []
        for e in entries {
            let index = Int(e.symbol)
            if let last = tables.latestTrade(symbolIndex: index, market: e.market), last.tradeId > 0 {
                if e.market == .spot { e.trades.resume(after: last.tradeId) } else { e.aggTrades.resume(after: last.tradeId) }
                resumed.append("\(symbols.name(e.symbol))/\(e.market)@\(last.tradeId)")
            }
            tables.markBookUnsynced(symbolIndex: index, market: e.market)
        }
        if !resumed.isEmpty { log.info("resuming after the previous feeder", ["trades": resumed.joined(separator: ",")]) }
    }

    /// Adds a symbol at run time: its entries exist before any parser knows its name, so its
    /// first frame finds them. Its id, or nil when the list is full or holds it already.
    func add(symbol name: String) -> SymbolID? {
        lock.withLock {
            guard let id = symbols.add(name) else { return nil }
            for m in MarketKind.allCases { entries.append(Entry(symbol: id, market: m)) }
            tables.markBookUnsynced(symbolIndex: Int(id), market: .spot)
            tables.markBookUnsynced(symbolIndex: Int(id), market: .futures)
            restParser = BinanceParser(symbols: symbols.snapshot.table)
            return id
        }
    }

    deinit {
        scratchBids.deallocate()
        scratchAsks.deallocate()
    }

    @inline(__always)
    func entry(_ symbol: SymbolID, _ market: MarketKind) -> Entry { entries[Int(symbol) * 2 + Int(market.rawValue)] }

    func count(_ e: Entry, _ offset: Int, by n: UInt64 = 1) {
        _ = control.feedSymbolWord(symbol: Int(e.symbol), market: e.market, offset).increment(by: n)
    }

    /// Counts a frame, REST row or snapshot from the exchange that is dropped (it did not parse,
    /// or its values make no sense: `Plausible`) with the malformed frames, and says so in the
    /// log at most every 10 s: the latest reason, where it came from and a sample (both built
    /// only when a line is written), and how many since the last line, so a stream turned to
    /// junk shows in the log, not only in a counter. Called under the lock; `logged: false`
    /// counts only (the caller says it its own way).
    func dropped(_ why: String, logged: Bool = true, from place: @autoclosure () -> String = "",
                 sample: @autoclosure () -> String = "") {
        malformed += 1
        _ = control.feedCounter(.malformedFrames).increment()
        guard logged else { return }
        droppedSinceLog += 1
        let now = Clock.monotonicNanos()
        guard now - droppedLoggedNs >= 10_000_000_000 else { return }
        droppedLoggedNs = now
        log.warning("frame from the exchange dropped", [
            "why": why, "from": place(), "dropped_since_last_line": "\(droppedSinceLog)", "sample": sample()])
        droppedSinceLog = 0
    }

    /// A stream frame, with its market and start, for `dropped`.
    func droppedFrame(_ why: String, market: MarketKind, payload: UnsafeRawBufferPointer) {
        lock.withLock { dropped(why, from: "\(market) stream", sample: String(decoding: payload.prefix(200), as: UTF8.self)) }
    }

    func countMalformed(route: FeedRoute) {
        lock.withLock { dropped("", logged: false) }
    }

    // MARK: - Stream events

    /// Publishes one parsed stream event. `bids`/`asks` are the parser's depth levels.
    func publish(_ event: MarketEvent, bids: UnsafeBufferPointer<PriceLevel>, asks: UnsafeBufferPointer<PriceLevel>,
                 route: FeedRoute, receivedNs: Int64, payload: UnsafeRawBufferPointer) -> Verdict {
        if let why = event.implausibility(nowMs: receivedNs / 1_000_000, bids: bids, asks: asks) {
            droppedFrame("implausible \(why)", market: route.market, payload: payload)
            return .malformed
        }
        let market = route.market
        let flag = market.flag
        let verdict: Verdict = lock.withLock {
            switch event {
            case .trade(let t):
                guard market == .spot else { return .data }
                let record = TradeRecord(symbolIndex: UInt32(t.symbol), flags: flag | (t.buyerIsMaker ? TradeRecord.buyerIsMaker : 0),
                                         price: t.price, quantity: t.quantity, tradeId: t.tradeId,
                                         tradeTimeMs: t.tradeTime, receivedNs: receivedNs)
                offerTrade(record, entry(t.symbol, market))
            case .aggTrade(let a):
                guard market == .futures else { return .data }
                let record = AggTradeRecord(symbolIndex: UInt32(a.symbol), flags: flag | (a.buyerIsMaker ? TradeRecord.buyerIsMaker : 0),
                                            price: a.price, quantity: a.quantity, aggregateId: a.aggregateId,
                                            firstTradeId: a.firstTradeId, lastTradeId: a.lastTradeId,
                                            tradeTimeMs: a.tradeTime, eventTimeMs: a.eventTime, receivedNs: receivedNs)
                offerAggTrade(record, entry(a.symbol, market))
            case .kline(let k):
                publishKline(k, market: market, receivedNs: receivedNs)
            case .depthUpdate(let d):
                applyDiff(d, bids: bids, asks: asks, market: market, receivedNs: receivedNs)
            case .bookTicker(let b):
                let e = entry(b.symbol, market)
                guard advance(e, \.lastBookTickerId, to: b.updateId) else { return duplicate(e) }
                let r = BookTickerRecord(symbolIndex: UInt32(b.symbol), flags: flag, updateId: b.updateId,
                                         bidPrice: b.bidPrice, bidQuantity: b.bidQuantity, askPrice: b.askPrice,
                                         askQuantity: b.askQuantity, eventTimeMs: b.eventTime ?? 0,
                                         transactionTimeMs: b.transactionTime ?? 0, receivedNs: receivedNs)
                latest(r, tables.updateBookTicker)
            case .ticker(let t):
                let e = entry(t.symbol, market)
                guard advance(e, \.lastTickerEventMs, to: t.eventTime) else { return duplicate(e) }
                let r = TickerRecord(symbolIndex: UInt32(t.symbol), flags: flag, eventTimeMs: t.eventTime, receivedNs: receivedNs,
                                     lastPrice: t.lastPrice, open: t.open, high: t.high, low: t.low, volume: t.volume,
                                     quoteVolume: t.quoteVolume, priceChange: t.priceChange,
                                     priceChangePercent: t.priceChangePercent, tradeCount: t.tradeCount)
                latest(r, tables.updateTicker)
            case .markPrice(let m):
                let e = entry(m.symbol, market)
                guard advance(e, \.lastMarkEventMs, to: m.eventTime) else { return duplicate(e) }
                let r = MarkPriceRecord(symbolIndex: UInt32(m.symbol), flags: flag, eventTimeMs: m.eventTime, receivedNs: receivedNs,
                                        markPrice: m.markPrice, indexPrice: m.indexPrice,
                                        estimatedSettlePrice: m.estimatedSettlePrice, fundingRate: m.fundingRate,
                                        nextFundingTimeMs: m.nextFundingTime)
                latest(r, tables.updateMarkPrice)
            case .forceOrder(let f):
                let e = entry(f.symbol, market)
                // The per-symbol stream and `!forceOrder@arr` carry the same orders.
                guard (f.tradeTime, f.filledQuantity) != e.lastLiquidation, f.tradeTime >= e.lastLiquidation.time else {
                    return duplicate(e)
                }
                e.lastLiquidation = (f.tradeTime, f.filledQuantity)
                let r = LiquidationRecord(symbolIndex: UInt32(f.symbol), flags: flag, side: f.side.rawValue,
                                          status: f.status.rawValue, eventTimeMs: f.eventTime, tradeTimeMs: f.tradeTime,
                                          receivedNs: receivedNs, price: f.price, averagePrice: f.averagePrice,
                                          originalQuantity: f.quantity, lastFilledQuantity: f.lastFilledQuantity,
                                          filledQuantity: f.filledQuantity)
                writer.publish(r)
                tables.appendLiquidation(r)
                published += 1
            case .unknownSymbol:
                return .data
            case .depthSnapshot:
                return .ignored
            case .unknown:
                return classifyUnknown(payload)
            case .malformed:
                return .malformed
            }
            latency.record(Clock.realtimeNanos() - receivedNs)
            return .data
        }
        switch verdict {
        case .data: wake()
        case .malformed:
            if case .malformed(let reason) = event { droppedFrame("did not parse: \(reason)", market: market, payload: payload) }
        default: break
        }
        return verdict
    }

    /// Moves a "latest value" channel's id (update id or event time) forward; false when `id`
    /// is not newer (a duplicate from an overlapping connection). When nothing has been newer
    /// for `staleLimitNs` while values keep coming, the mark itself was junk (an update id
    /// far ahead): the value is taken, and the mark starts again from it. Called under the lock.
    func advance(_ e: Entry, _ last: ReferenceWritableKeyPath<Entry, Int64>, to id: Int64) -> Bool {
        if id > e[keyPath: last] {
            e[keyPath: last] = id
            if !e.staleMarks.isEmpty { e.staleMarks[last] = nil }
            return true
        }
        guard e.staleMarks[last, default: StaleWatch()].older(now: Clock.monotonicNanos(), limit: staleLimitNs) else {
            return false
        }
        log.warning("every value for a while was older than the last one kept: starting again from the newest", [
            "symbol": symbols.name(e.symbol), "market": "\(e.market)", "kept": "\(e[keyPath: last])", "new": "\(id)"])
        e[keyPath: last] = id
        e.staleMarks[last] = nil
        return true
    }

    /// Publishes a record whose state-table entry keeps only the latest value.
    func latest<R: RingRecord>(_ r: R, _ store: (R) -> Void) {
        writer.publish(r)
        store(r)
        published += 1
    }

    func duplicate(_ e: Entry) -> Verdict {
        count(e, Layout.Feed.Symbol.duplicatesDropped)
        return .data
    }

    /// Control replies, `serverShutdown`, errors: the rare frames the parser does not map.
    func classifyUnknown(_ payload: UnsafeRawBufferPointer) -> Verdict {
        let text = String(decoding: payload.prefix(512), as: UTF8.self)
        if text.contains("\"serverShutdown\"") { return .serverShutdown }
        if text.contains("\"error\"") || text.contains("\"code\"") {
            log.warning("Binance answered with an error", ["frame": String(text.prefix(200))])
            return .reply
        }
        return text.contains("\"result\"") ? .reply : .ignored
    }
}

/// Since when a channel has seen only values older than its mark (a book's update id, a latest
/// value's id or time). Overlapping connections make that normal for a moment; for `limit`
/// while values keep coming, it means the mark itself came from junk far ahead.
struct StaleWatch {
    private(set) var sinceNs: Int64 = 0

    /// Notes an older value at `now`; true once they have come for `limit` (and starts over).
    mutating func older(now: Int64, limit: Int64) -> Bool {
        if sinceNs == 0 {
            sinceNs = now
            return false
        }
        guard now - sinceNs >= limit else { return false }
        sinceNs = 0
        return true
    }

    /// A value was newer: the mark is the stream's.
    mutating func newer() { sinceNs = 0 }
}
