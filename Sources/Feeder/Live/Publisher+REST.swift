import Glibc
import Market
import Net
import Posix
import Runtime
import ShmRing

/// What REST brought back (snapshots, candles, trades of a gap), and the periodic upkeep.
extension Publisher {
    /// `persist`, when the feeder stores to PostgreSQL, also gets the candles of klines answers.
    func restResult(_ request: RESTRequest, _ result: Result<[UInt8], NetError>, persist: PersistPipeline? = nil) {
        let bars: [KlineBar] = lock.withLock {
            switch request {
            case .depth(let s, let m):
                depthResult(entry(s, m), result)
            case .klines(let s, let m, let interval, let start, _):
                return klinesResult(entry(s, m), interval: interval, backfill: start != nil, result)
            case .trades(let s, let m, let range):
                tradesResult(entry(s, m), range: range, result)
            case .exchangeInfo, .listing:
                break  // `SymbolSync` and `SymbolAdder` take these
            }
            return []
        }
        wake()
        if let persist, case .klines(let s, let m, let interval, let start, let limit) = request {
            persist.restCandles(bars, symbol: s, market: m, interval: interval)
            if let older = PersistPipeline.olderPage(symbol: s, market: m, interval: interval, startTime: start, limit: limit, bars: bars) {
                rest?.enqueue(older)
            }
        }
    }

    func depthResult(_ e: Entry, _ result: Result<[UInt8], NetError>) {
        e.snapshotRequestedNs = nil
        guard case .success(let body) = result else {
            log.warning("depth snapshot failed; retrying", ["symbol": symbols.name(e.symbol), "market": "\(e.market)"])
            e.snapshotRequestedNs = Clock.monotonicNanos() - 8_000_000_000  // retried by `maintain` in ~2 s
            return
        }
        let parsed = body.withUnsafeBytes { restParser.parse($0) }
        guard case .depthSnapshot(let snap) = parsed,
              parsed.implausibility(nowMs: Clock.realtimeMillis(), bids: restParser.bids, asks: restParser.asks) == nil else {
            // Asking again at once would spend the minute's REST weight on the same junk.
            e.snapshotFailures += 1
            dropped("depth snapshot", logged: false)
            let delay = retrySnapshot(e)
            log.warning("depth snapshot unreadable or implausible; asking again later", [
                "symbol": symbols.name(e.symbol), "market": "\(e.market)", "result": "\(parsed)",
                "retry_ms": "\(delay / 1_000_000)"])
            return
        }
        switch e.book.applySnapshot(lastUpdateId: snap.lastUpdateId, bids: restParser.bids, asks: restParser.asks) {
        case .synced:
            e.snapshotFailures = 0
            let wasResync = e.resyncing
            publishSnapshot(e, receivedNs: Clock.realtimeNanos())
            if wasResync {
                count(e, Layout.Feed.Symbol.gapsFilled)
                // The ids of the gap's `open` record; the snapshot's id is in the book's snapshot message.
                gapRecord(e, channel: .depth, reason: .resync, status: .filled, range: e.bookGapRange, gapId: e.bookGapId)
            }
            e.resyncing = false
        case .resync(let why):
            e.snapshotFailures += 1
            guard e.snapshotFailures > Self.snapshotRetriesAtOnce else {
                log.info("snapshot older than the buffered diffs; fetching another", [
                    "symbol": symbols.name(e.symbol), "market": "\(e.market)", "why": "\(why)"])
                requestSnapshot(e)
                return
            }
            let delay = retrySnapshot(e)
            log.warning("snapshots keep arriving older than the buffered diffs; asking again later", [
                "symbol": symbols.name(e.symbol), "market": "\(e.market)", "why": "\(why)",
                "attempts": "\(e.snapshotFailures)", "retry_ms": "\(delay / 1_000_000)"])
        }
    }

    /// Snapshots that were older than the diffs are asked again at once this many times in a
    /// row (the usual race); after that, and after any unreadable one, with a growing delay.
    static let snapshotRetriesAtOnce = 2

    /// Schedules the next snapshot request of `e` through `maintain` (which asks again 10 s
    /// after a request): 1 s after the first failure, doubling to 60 s. Returns the delay.
    @discardableResult
    func retrySnapshot(_ e: Entry) -> Int64 {
        let doublings = min(max(0, e.snapshotFailures - 1), 6)
        let delay = min(Int64(1_000_000_000) << doublings, 60_000_000_000)
        e.snapshotRequestedNs = Clock.monotonicNanos() - 10_000_000_000 + delay
        return delay
    }

    /// Keeps the candles of a klines answer; returns them.
    @discardableResult
    func klinesResult(_ e: Entry, interval: KlineInterval, backfill: Bool, _ result: Result<[UInt8], NetError>) -> [KlineBar] {
        guard case .success(let body) = result else { return [] }
        let nowMs = Clock.realtimeMillis()
        let slot = Int(interval.rawValue)
        var bars: [KlineBar] = []
        _ = body.withUnsafeBytes { restParser.parseKlineRows($0) { bars.append($0) } }
        bars.removeAll { bar in
            guard let why = bar.implausibility(nowMs: nowMs) else { return false }
            rejectImplausibleRow(why, e)
            return true
        }
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
        return bars
    }

    func tradesResult(_ e: Entry, range: ClosedRange<Int64>, _ result: Result<[UInt8], NetError>) {
        guard case .success(let body) = result, case .success(let json) = JSONReader.parse(body), let rows = json.array else {
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
                if let why = Plausible.tradeRow(id: id, price: p, quantity: q, timeMs: t, nowMs: now / 1_000_000) {
                    rejectImplausibleRow(why, e)
                    continue
                }
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
            if let why = Plausible.tradeRow(id: a, price: p, quantity: q, timeMs: t, nowMs: now / 1_000_000) {
                rejectImplausibleRow(why, e)
                continue
            }
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

    /// A REST row (kline, trade) or a stream trade with values no exchange sends: skipped and
    /// counted (`dropped`). Called under the lock.
    func rejectImplausibleRow(_ why: String, _ e: Entry) {
        dropped("implausible \(why)", from: "\(symbols.name(e.symbol)) \(e.market)")
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
                    log.warning("trade gap fill timed out", ["symbol": symbols.name(e.symbol), "market": "\(e.market)"])
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
