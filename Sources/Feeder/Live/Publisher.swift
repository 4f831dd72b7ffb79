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

    let symbolTable: BinanceSymbolTable
    let writer: RingWriter
    let tables: StateTables
    let control: ControlBlock
    let log: Logger
    let wake: @Sendable () -> Void
    /// Gives up on a gap fill after this long, releasing what was held back.
    let fillTimeoutNs: Int64
    var rest: RESTWorker?

    private let lock = Mutex()
    private var entries: [Entry]
    private var restParser: BinanceParser
    private var gapIds: UInt64 = 0
    private var published: UInt64 = 0
    private var malformed: UInt64 = 0
    /// Receive (frame decoded off the socket) to published in the ring, per stream event.
    private var latency = LatencyHistogram()
    private var scratchBids: UnsafeMutableBufferPointer<PriceLevel>
    private var scratchAsks: UnsafeMutableBufferPointer<PriceLevel>

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
        var snapshotRequestedNs: Int64?
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

    init(symbols: [String], writer: RingWriter, tables: StateTables, control: ControlBlock, log: Logger,
         fillTimeoutNs: Int64 = 10_000_000_000, wake: @escaping @Sendable () -> Void) {
        symbolTable = BinanceSymbolTable(symbols)
        self.writer = writer
        self.tables = tables
        self.control = control
        self.log = log
        self.fillTimeoutNs = fillTimeoutNs
        self.wake = wake
        entries = []
        for i in symbols.indices {
            for m in MarketKind.allCases { entries.append(Entry(symbol: SymbolID(i), market: m)) }
        }
        restParser = BinanceParser(symbols: symbolTable)
        scratchBids = .allocate(capacity: Self.snapshotLevels)
        scratchAsks = .allocate(capacity: Self.snapshotLevels)
        resumeFromStateTables()
    }

    /// A feeder restarted by the supervisor continues where the last one stopped: trades go on
    /// from the last id in the state tables (so the first new trade opens a gap that REST fills),
    /// and every book waits for a fresh snapshot.
    private func resumeFromStateTables() {
        var resumed: [String] = []
        for e in entries {
            let index = Int(e.symbol)
            if let last = tables.latestTrade(symbolIndex: index, market: e.market), last.tradeId > 0 {
                if e.market == .spot { e.trades.resume(after: last.tradeId) } else { e.aggTrades.resume(after: last.tradeId) }
                resumed.append("\(symbolTable.name(e.symbol))/\(e.market)@\(last.tradeId)")
            }
            tables.markBookUnsynced(symbolIndex: index, market: e.market)
        }
        if !resumed.isEmpty { log.info("resuming after the previous feeder", ["trades": resumed.joined(separator: ",")]) }
    }

    deinit {
        scratchBids.deallocate()
        scratchAsks.deallocate()
    }

    @inline(__always)
    private func entry(_ symbol: SymbolID, _ market: MarketKind) -> Entry { entries[Int(symbol) * 2 + Int(market.rawValue)] }

    private func count(_ e: Entry, _ offset: Int, by n: UInt64 = 1) {
        _ = control.feedSymbolWord(symbol: Int(e.symbol), market: e.market, offset).increment(by: n)
    }

    func countMalformed(route: FeedRoute) {
        lock.withLock { malformed += 1 }
        _ = control.feedCounter(.malformedFrames).increment()
    }

    // MARK: - Stream events

    /// Publishes one parsed stream event. `bids`/`asks` are the parser's depth levels.
    func publish(_ event: MarketEvent, bids: UnsafeBufferPointer<PriceLevel>, asks: UnsafeBufferPointer<PriceLevel>,
                 route: FeedRoute, receivedNs: Int64, payload: UnsafeRawBufferPointer) -> Verdict {
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
                guard b.updateId > e.lastBookTickerId else { return duplicate(e) }
                e.lastBookTickerId = b.updateId
                let r = BookTickerRecord(symbolIndex: UInt32(b.symbol), flags: flag, updateId: b.updateId,
                                         bidPrice: b.bidPrice, bidQuantity: b.bidQuantity, askPrice: b.askPrice,
                                         askQuantity: b.askQuantity, eventTimeMs: b.eventTime ?? 0,
                                         transactionTimeMs: b.transactionTime ?? 0, receivedNs: receivedNs)
                writer.publish(r)
                tables.updateBookTicker(r)
                published += 1
            case .ticker(let t):
                let e = entry(t.symbol, market)
                guard t.eventTime > e.lastTickerEventMs else { return duplicate(e) }
                e.lastTickerEventMs = t.eventTime
                let r = TickerRecord(symbolIndex: UInt32(t.symbol), flags: flag, eventTimeMs: t.eventTime, receivedNs: receivedNs,
                                     lastPrice: t.lastPrice, open: t.open, high: t.high, low: t.low, volume: t.volume,
                                     quoteVolume: t.quoteVolume, priceChange: t.priceChange,
                                     priceChangePercent: t.priceChangePercent, tradeCount: t.tradeCount)
                writer.publish(r)
                tables.updateTicker(r)
                published += 1
            case .markPrice(let m):
                let e = entry(m.symbol, market)
                guard m.eventTime > e.lastMarkEventMs else { return duplicate(e) }
                e.lastMarkEventMs = m.eventTime
                let r = MarkPriceRecord(symbolIndex: UInt32(m.symbol), flags: flag, eventTimeMs: m.eventTime, receivedNs: receivedNs,
                                        markPrice: m.markPrice, indexPrice: m.indexPrice,
                                        estimatedSettlePrice: m.estimatedSettlePrice, fundingRate: m.fundingRate,
                                        nextFundingTimeMs: m.nextFundingTime)
                writer.publish(r)
                tables.updateMarkPrice(r)
                published += 1
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
                malformed += 1
                return .malformed
            }
            latency.record(Clock.realtimeNanos() - receivedNs)
            return .data
        }
        switch verdict {
        case .data: wake()
        case .malformed: _ = control.feedCounter(.malformedFrames).increment()
        default: break
        }
        return verdict
    }

    private func duplicate(_ e: Entry) -> Verdict {
        count(e, Layout.Feed.Symbol.duplicatesDropped)
        return .data
    }

    /// Control replies, `serverShutdown`, errors: the rare frames the parser does not map.
    private func classifyUnknown(_ payload: UnsafeRawBufferPointer) -> Verdict {
        let text = String(decoding: payload.prefix(512), as: UTF8.self)
        if text.contains("\"serverShutdown\"") { return .serverShutdown }
        if text.contains("\"error\"") || text.contains("\"code\"") {
            log.warning("Binance answered with an error", ["frame": String(text.prefix(200))])
            return .reply
        }
        return text.contains("\"result\"") ? .reply : .ignored
    }

    // MARK: - Trades

    private func offerTrade(_ r: TradeRecord, _ e: Entry) {
        let verdict = e.trades.offer(id: r.tradeId, item: r, nowNs: Clock.monotonicNanos())
        if verdict == .publish { emit(r) } else { sequenced(verdict, e, channel: .trade) }
    }

    private func offerAggTrade(_ r: AggTradeRecord, _ e: Entry) {
        let verdict = e.aggTrades.offer(id: r.aggregateId, item: r, nowNs: Clock.monotonicNanos())
        if verdict == .publish { emit(r) } else { sequenced(verdict, e, channel: .aggTrade) }
    }

    /// What a sequencer said other than "publish": a duplicate is counted, a gap is filled.
    private func sequenced<Item>(_ verdict: IdSequencer<Item>.Verdict, _ e: Entry, channel: FeedChannel) {
        switch verdict {
        case .duplicate: count(e, Layout.Feed.Symbol.duplicatesDropped)
        case .gap(let range): openGap(e, channel: channel, range: range)
        case .held, .publish: break
        }
    }

    private func emit(_ r: TradeRecord) {
        emitted(r, market: .spot)
        tables.updateTrade(r)
    }

    private func emit(_ r: AggTradeRecord) {
        emitted(r, market: .futures)
        tables.updateTrade(r)
    }

    private func emitted<R: MarketRecord>(_ r: R, market: MarketKind) {
        writer.publish(r)
        published += 1
        count(entry(SymbolID(r.symbolIndex), market), Layout.Feed.Symbol.published)
    }

    private func openGap(_ e: Entry, channel: FeedChannel, range: ClosedRange<Int64>) {
        count(e, Layout.Feed.Symbol.gapsFound)
        log.warning("trade ids skipped: filling from REST", [
            "symbol": symbolTable.name(e.symbol), "market": "\(e.market)", "from": "\(range.lowerBound)",
            "to": "\(range.upperBound)"])
        e.tradeGapId = nextGapId()
        gapRecord(e, channel: channel, reason: .sequenceBreak, status: .open, range: range, gapId: e.tradeGapId)
        e.fillBuffer.removeAll()
        e.fillPages = 0
        rest?.enqueue(.trades(symbol: e.symbol, market: e.market, range: range))
    }

    private func nextGapId() -> UInt64 {
        gapIds += 1
        return gapIds
    }

    private func gapRecord(_ e: Entry, channel: FeedChannel, reason: GapReason, status: GapStatus,
                           range: ClosedRange<Int64>, gapId: UInt64, interval: UInt8 = 0) {
        writer.publish(FeedGapRecord(symbolIndex: UInt32(e.symbol), flags: e.market.flag, channel: channel, reason: reason,
                                     status: status, interval: interval, gapId: gapId, fromId: range.lowerBound,
                                     toId: range.upperBound, fromTimeMs: 0, toTimeMs: 0, receivedNs: Clock.realtimeNanos()))
    }

    /// Ends a fill: publishes what came back plus what was held, counts the rest as lost.
    private func finishFill(_ e: Entry, spot: [(id: Int64, item: TradeRecord)], futures: [(id: Int64, item: AggTradeRecord)]) {
        let range: ClosedRange<Int64>?
        let outcome: (missing: Int64, nextGap: ClosedRange<Int64>?)
        let now = Clock.monotonicNanos()
        if e.market == .spot {
            range = e.trades.filling
            let done = e.trades.complete(with: spot, nowNs: now)
            done.publish.forEach(emit)
            outcome = (done.missing, done.nextGap)
        } else {
            range = e.aggTrades.filling
            let done = e.aggTrades.complete(with: futures, nowNs: now)
            done.publish.forEach(emit)
            outcome = (done.missing, done.nextGap)
        }
        guard let range else { return }
        let channel: FeedChannel = e.market == .spot ? .trade : .aggTrade
        let recovered = Int64(range.count) - outcome.missing
        count(e, Layout.Feed.Symbol.idsRecovered, by: UInt64(recovered))
        if outcome.missing == 0 {
            count(e, Layout.Feed.Symbol.gapsFilled)
            gapRecord(e, channel: channel, reason: .sequenceBreak, status: .filled, range: range, gapId: e.tradeGapId)
        } else {
            count(e, Layout.Feed.Symbol.gapsLost)
            count(e, Layout.Feed.Symbol.idsMissing, by: UInt64(outcome.missing))
            gapRecord(e, channel: channel, reason: .sequenceBreak, status: .lost, range: range, gapId: e.tradeGapId)
            log.warning("trade gap not fully filled", ["symbol": symbolTable.name(e.symbol), "market": "\(e.market)",
                                                       "missing": "\(outcome.missing)", "recovered": "\(recovered)"])
        }
        if let next = outcome.nextGap { openGap(e, channel: channel, range: next) }
        wake()
    }

    // MARK: - Klines

    private func publishKline(_ k: KlineEvent, market: MarketKind, receivedNs: Int64) {
        let e = entry(k.symbol, market)
        let slot = Int(k.interval.rawValue)
        let closesNew = k.closed && k.bar.openTime > e.lastClosedOpenMs[slot]
        guard k.eventTime > e.lastKlineEventMs[slot] || closesNew else {
            count(e, Layout.Feed.Symbol.duplicatesDropped)
            return
        }
        if k.bar.openTime <= e.lastClosedOpenMs[slot] {
            // An update of a candle already closed (the other connection was ahead).
            count(e, Layout.Feed.Symbol.duplicatesDropped)
            return
        }
        e.lastKlineEventMs[slot] = max(e.lastKlineEventMs[slot], k.eventTime)
        if k.closed { e.lastClosedOpenMs[slot] = k.bar.openTime }
        let r = KlineRecord(symbolIndex: UInt32(k.symbol), flags: market.flag, interval: k.interval.rawValue,
                            eventTimeMs: k.eventTime, receivedNs: receivedNs, candle: Self.candle(k.bar, closed: k.closed))
        writer.publish(r)
        tables.updateCandle(r)
        published += 1
    }

    static func candle(_ b: KlineBar, closed: Bool) -> Candle {
        Candle(openTimeMs: b.openTime, closeTimeMs: b.closeTime, open: b.open, high: b.high, low: b.low, close: b.close,
               volume: b.volume, quoteVolume: b.quoteVolume, tradeCount: b.tradeCount, takerBuyBase: b.takerBuyBase,
               takerBuyQuote: b.takerBuyQuote, closed: closed)
    }

    // MARK: - Books

    private func applyDiff(_ d: DepthUpdateEvent, bids: UnsafeBufferPointer<PriceLevel>, asks: UnsafeBufferPointer<PriceLevel>,
                           market: MarketKind, receivedNs: Int64) {
        let e = entry(d.symbol, market)
        let result = e.book.apply(d, bids: bids, asks: asks)
        switch result {
        case .applied:
            let header = DepthDiffHeader(symbolIndex: UInt32(d.symbol), flags: market.flag, firstUpdateId: d.firstUpdateId,
                                         finalUpdateId: d.finalUpdateId, previousFinalUpdateId: d.previousFinalUpdateId ?? 0,
                                         eventTimeMs: d.eventTime, transactionTimeMs: d.transactionTime ?? 0, receivedNs: receivedNs)
            writer.publish(header, bids: bids, asks: asks)
            storeBookTop(e, receivedNs: receivedNs)
            published += 1
        case .buffered:
            requestSnapshot(e)
        case .stale:
            count(e, Layout.Feed.Symbol.duplicatesDropped)
        case .gap, .crossed:
            count(e, Layout.Feed.Symbol.gapsFound)
            count(e, Layout.Feed.Symbol.bookResyncs)
            log.warning("order book broke its update chain: resynchronising", [
                "symbol": symbolTable.name(d.symbol), "market": "\(market)", "result": "\(result)"])
            tables.markBookUnsynced(symbolIndex: Int(d.symbol), market: market)
            if !e.resyncing { e.bookGapId = nextGapId() }
            gapRecord(e, channel: .depth, reason: .resync, status: .open,
                      range: e.book.lastUpdateId...max(e.book.lastUpdateId, d.firstUpdateId), gapId: e.bookGapId)
            e.resyncing = true  // the book keeps the breaking diff buffered for the coming snapshot
            e.snapshotRequestedNs = nil
            requestSnapshot(e)
        }
    }

    private func requestSnapshot(_ e: Entry) {
        guard e.snapshotRequestedNs == nil else { return }
        e.snapshotRequestedNs = Clock.monotonicNanos()
        rest?.enqueue(.depth(symbol: e.symbol, market: e.market))
    }

    private func storeBookTop(_ e: Entry, receivedNs: Int64) {
        let levels = min(tables.geometry.bookLevels, Self.snapshotLevels)
        let n = e.book.top(bids: UnsafeMutableBufferPointer(rebasing: scratchBids[0..<levels]),
                           asks: UnsafeMutableBufferPointer(rebasing: scratchAsks[0..<levels]))
        let top = BookTop(lastUpdateId: e.book.lastUpdateId, eventTimeMs: e.book.eventTimeMs,
                          transactionTimeMs: e.book.transactionTimeMs, receivedNs: receivedNs, synced: e.book.isSynced)
        tables.updateBook(symbolIndex: Int(e.symbol), market: e.market, top: top,
                          bids: UnsafeBufferPointer(rebasing: scratchBids[0..<n.bids]),
                          asks: UnsafeBufferPointer(rebasing: scratchAsks[0..<n.asks]))
    }

    private func publishSnapshot(_ e: Entry, receivedNs: Int64) {
        let n = e.book.top(bids: scratchBids, asks: scratchAsks)
        var header = BookSnapshotHeader(symbolIndex: UInt32(e.symbol), flags: e.market.flag, lastUpdateId: e.book.lastUpdateId,
                                        eventTimeMs: e.book.eventTimeMs, transactionTimeMs: e.book.transactionTimeMs,
                                        receivedNs: receivedNs)
        if e.resyncing { header.flags |= BookSnapshotHeader.resync }
        writer.publish(header, bids: UnsafeBufferPointer(rebasing: scratchBids[0..<n.bids]),
                       asks: UnsafeBufferPointer(rebasing: scratchAsks[0..<n.asks]))
        storeBookTop(e, receivedNs: receivedNs)
        published += 1
    }

    // MARK: - REST results

    func restResult(_ request: RESTRequest, _ result: Result<[UInt8], NetError>) {
        lock.withLock {
            switch request {
            case .depth(let s, let m):
                depthResult(entry(s, m), result)
            case .klines(let s, let m, let interval, let start, _):
                klinesResult(entry(s, m), interval: interval, backfill: start != nil, result)
            case .trades(let s, let m, let range):
                tradesResult(entry(s, m), range: range, result)
            }
        }
        wake()
    }

    private func depthResult(_ e: Entry, _ result: Result<[UInt8], NetError>) {
        e.snapshotRequestedNs = nil
        guard case .success(let body) = result else {
            log.warning("depth snapshot failed; retrying", ["symbol": symbolTable.name(e.symbol), "market": "\(e.market)"])
            e.snapshotRequestedNs = Clock.monotonicNanos() - 8_000_000_000  // retried by `maintain` in ~2 s
            return
        }
        let parsed = body.withUnsafeBytes { restParser.parse($0) }
        guard case .depthSnapshot(let snap) = parsed else {
            log.warning("depth snapshot unreadable", ["symbol": symbolTable.name(e.symbol), "result": "\(parsed)"])
            return
        }
        switch e.book.applySnapshot(lastUpdateId: snap.lastUpdateId, bids: restParser.bids, asks: restParser.asks) {
        case .synced:
            let wasResync = e.resyncing
            publishSnapshot(e, receivedNs: Clock.realtimeNanos())
            if wasResync {
                count(e, Layout.Feed.Symbol.gapsFilled)
                gapRecord(e, channel: .depth, reason: .resync, status: .filled, range: snap.lastUpdateId...snap.lastUpdateId,
                          gapId: e.bookGapId)
            }
            e.resyncing = false
        case .resync(let why):
            log.info("snapshot older than the buffered diffs; fetching another", [
                "symbol": symbolTable.name(e.symbol), "market": "\(e.market)", "why": "\(why)"])
            requestSnapshot(e)
        }
    }

    private func klinesResult(_ e: Entry, interval: KlineInterval, backfill: Bool, _ result: Result<[UInt8], NetError>) {
        guard case .success(let body) = result else { return }
        let nowMs = Clock.realtimeMillis()
        let slot = Int(interval.rawValue)
        var bars: [KlineBar] = []
        _ = body.withUnsafeBytes { restParser.parseKlineRows($0) { bars.append($0) } }
        for bar in bars {
            let closed = bar.closeTime < nowMs
            let candle = Self.candle(bar, closed: closed)
            if closed && bar.openTime > e.lastClosedOpenMs[slot] && backfill {
                // A candle that closed while the stream was away: it goes to the ring too.
                let r = KlineRecord(symbolIndex: UInt32(e.symbol), flags: e.market.flag, interval: interval.rawValue,
                                    eventTimeMs: bar.closeTime, receivedNs: Clock.realtimeNanos(), candle: candle)
                writer.publish(r)
                published += 1
                count(e, Layout.Feed.Symbol.idsRecovered)
            }
            tables.updateCandle(symbolIndex: Int(e.symbol), market: e.market, interval: interval.rawValue, candle: candle)
            if closed { e.lastClosedOpenMs[slot] = max(e.lastClosedOpenMs[slot], bar.openTime) }
        }
    }

    private func tradesResult(_ e: Entry, range: ClosedRange<Int64>, _ result: Result<[UInt8], NetError>) {
        guard case .success(let body) = result, let rows = RESTJSON.parse(body)?.array else {
            finishFill(e, spot: [], futures: [])
            return
        }
        let flag = e.market.flag
        let now = Clock.realtimeNanos()
        if e.market == .spot {
            var fill: [(id: Int64, item: TradeRecord)] = []
            for row in rows {
                guard let id = row["id"]?.int64, let p = row["price"]?.fixed, let q = row["qty"]?.fixed,
                      let t = row["time"]?.int64 else { continue }
                let maker = row["isBuyerMaker"]?.bool ?? false
                fill.append((id, TradeRecord(symbolIndex: UInt32(e.symbol), flags: flag | (maker ? TradeRecord.buyerIsMaker : 0),
                                             price: p, quantity: q, tradeId: id, tradeTimeMs: t, receivedNs: now)))
            }
            finishFill(e, spot: fill, futures: [])
            return
        }
        var lastId = Int64.min
        for row in rows {
            guard let a = row["a"]?.int64, let p = row["p"]?.fixed, let q = row["q"]?.fixed, let t = row["T"]?.int64 else { continue }
            let maker = row["m"]?.bool ?? false
            e.fillBuffer.append((a, AggTradeRecord(symbolIndex: UInt32(e.symbol), flags: flag | (maker ? TradeRecord.buyerIsMaker : 0),
                                                   price: p, quantity: q, aggregateId: a, firstTradeId: row["f"]?.int64 ?? 0,
                                                   lastTradeId: row["l"]?.int64 ?? 0, tradeTimeMs: t, eventTimeMs: t, receivedNs: now)))
            lastId = max(lastId, a)
        }
        e.fillPages += 1
        if rows.count >= 1000, lastId < range.upperBound, lastId >= range.lowerBound, e.fillPages < Self.maxFillPages {
            rest?.enqueue(.trades(symbol: e.symbol, market: e.market, range: (lastId + 1)...range.upperBound))
            return
        }
        let fill = e.fillBuffer
        e.fillBuffer.removeAll()
        e.fillPages = 0
        finishFill(e, spot: [], futures: fill)
    }

    /// A gap fill reads at most this many pages of 1000 aggregate trades; beyond, ids are lost.
    static let maxFillPages = 50

    // MARK: - Housekeeping

    /// Gives up overdue fills and retries snapshot requests that went unanswered.
    func maintain() {
        let now = Clock.monotonicNanos()
        lock.withLock {
            for e in entries {
                if e.trades.overdue(nowNs: now, timeoutNs: fillTimeoutNs) || e.aggTrades.overdue(nowNs: now, timeoutNs: fillTimeoutNs) {
                    log.warning("trade gap fill timed out", ["symbol": symbolTable.name(e.symbol), "market": "\(e.market)"])
                    let buffered = e.fillBuffer
                    e.fillBuffer.removeAll()
                    finishFill(e, spot: [], futures: buffered)
                }
                if let asked = e.snapshotRequestedNs, now - asked > 10_000_000_000 {
                    e.snapshotRequestedNs = nil
                    requestSnapshot(e)
                }
            }
        }
    }

    /// After an unplanned drop: candles that closed meanwhile come from REST. (Trade gaps are
    /// found by id when the stream resumes; books find their own break and resynchronise.)
    func backfill(symbols: [SymbolID], market: MarketKind, intervals: [KlineInterval]) {
        lock.withLock {
            for s in symbols {
                let e = entry(s, market)
                for interval in intervals {
                    let last = e.lastClosedOpenMs[Int(interval.rawValue)]
                    guard last != Int64.min else { continue }
                    rest?.enqueue(.klines(symbol: s, market: market, interval: interval, startTime: last, limit: 1000))
                }
            }
        }
    }

    var publishedCount: UInt64 { lock.withLock { published } }

    /// Receive→publish latency since the feeder started: p50, p99, p99.9, max (ns), count.
    var publishLatency: (p50: Int64, p99: Int64, p999: Int64, max: Int64, count: UInt64) {
        lock.withLock { (latency.percentile(0.5), latency.percentile(0.99), latency.percentile(0.999), latency.max, latency.total) }
    }
}

