import Market
import Simulator

/// Plays a recording in a loop, paced by recorded time ÷ speed. Loop k moves times by k spans
/// and ids by k per-loop shifts; a diff at each loop boundary returns the book to the
/// snapshot, so update ids, trade ids and aggregate ids stay contiguous for hours. The books
/// kept here are what REST `depth` serves.
public struct ReplayEngine: Sendable {
    public let recording: ReplayRecording
    public let speed: Double
    let startMonotonic: Int64
    let startWallMs: Int64
    public private(set) var cursors: [Cursor]

    /// Where one group is.
    public struct Cursor: Sendable {
        var index = 0
        public internal(set) var loop: Int64 = 0
        public internal(set) var book: SimOrderBook
        /// The last update id sent (the REST snapshot's `lastUpdateId`).
        public internal(set) var lastUpdateId: Int64
        /// Added to every update id after injected gaps.
        var extraDepthShift: Int64 = 0
        var pendingGap: Int64 = 0
        var tradeSkips = 0
        var lastSkippedTradeId = Int64.min
        var firstDepthIndex: Int?
    }

    /// An item as it goes out: `sent` false for trades hidden by a skipTrade fault (they still
    /// belong in REST history).
    public struct Emitted: Sendable {
        public var group: Int
        public var event: SimEvent
        public var sent: Bool
    }

    public init(recording: ReplayRecording, speed: Double, startMonotonic: Int64, startWallMs: Int64) {
        self.recording = recording
        self.speed = max(0.001, speed)
        self.startMonotonic = startMonotonic
        self.startWallMs = startWallMs
        cursors = recording.groups.map { g in
            var c = Cursor(book: g.initialBook, lastUpdateId: g.snapshotId)
            c.firstDepthIndex = g.items.firstIndex { if case .depthUpdate = $0.event { true } else { false } }
            return c
        }
    }

    /// The recorded clock mapped onto now: what the replayed events' times read (ms).
    public func clockMs(monotonic: Int64) -> Int64 {
        startWallMs + Int64(Double(monotonic - startMonotonic) * speed / 1_000_000)
    }

    /// When group `g`'s next item is due (monotonic ns).
    func due(_ g: Int) -> Int64 {
        let group = recording.groups[g]
        let c = cursors[g]
        let offset = c.loop * group.spanNanos + group.items[c.index].offsetNanos
        return startMonotonic + Int64(Double(offset) / speed)
    }

    /// The earliest due time over all groups.
    public func nextDue() -> Int64 { recording.groups.indices.map(due).min() ?? .max }

    /// Emits every item due by `now` (at most `limit` per call).
    public mutating func advance(now: Int64, limit: Int = 50_000, into out: inout [Emitted]) {
        var emitted = 0
        for g in recording.groups.indices {
            while emitted < limit, due(g) <= now {
                emitNext(g, into: &out)
                emitted += 1
            }
        }
    }

    /// Arms a depth gap: the next diff skips `ids` update ids.
    public mutating func skipDepth(group g: Int, ids: Int) { cursors[g].pendingGap += Int64(max(0, ids)) }

    /// Arms hidden trades: the next `count` trades (and aggregate trades covering them) are not sent.
    public mutating func skipTrades(group g: Int, count: Int) { cursors[g].tradeSkips += max(0, count) }

    public func group(venue: Venue, symbol: String) -> Int? {
        recording.groups.firstIndex { $0.venue == venue && $0.symbol == symbol }
    }

    mutating func emitNext(_ g: Int, into out: inout [Emitted]) {
        let group = recording.groups[g]
        let k = cursors[g].loop
        let timeShift = startWallMs - group.firstEventMs + k * group.spanMs
        if cursors[g].index == 0 && k > 0, !(group.resetBids.isEmpty && group.resetAsks.isEmpty) {
            out.append(Emitted(group: g, event: resetDiff(g, timeMs: group.firstEventMs + timeShift), sent: true))
        }
        let i = cursors[g].index
        var e = group.items[i].event.shiftedTimes(by: timeShift)
        var sent = true
        switch e {
        case .trade(var t):
            t.tradeId += k * group.tradeShiftPerLoop
            if cursors[g].tradeSkips > 0 && !group.recordedAggTrades {
                cursors[g].tradeSkips -= 1
                cursors[g].lastSkippedTradeId = t.tradeId
                sent = false
            }
            e = .trade(t)
        case .aggTrade(var a):
            a.aggregateId += k * group.aggShiftPerLoop
            a.firstTradeId += k * group.tradeShiftPerLoop
            a.lastTradeId += k * group.tradeShiftPerLoop
            if group.recordedAggTrades, cursors[g].tradeSkips > 0 {
                cursors[g].tradeSkips -= 1
                sent = false
            } else if (a.firstTradeId...a.lastTradeId).contains(cursors[g].lastSkippedTradeId) {
                sent = false
            }
            e = .aggTrade(a)
        case .depthUpdate(var d):
            d = shiftDepth(d, g: g, first: i == cursors[g].firstDepthIndex)
            apply(d, to: &cursors[g].book)
            cursors[g].lastUpdateId = d.finalUpdateId
            e = .depthUpdate(d)
        case .bookTicker(var b):
            b.updateId += k * group.depthShiftPerLoop + cursors[g].extraDepthShift
            e = .bookTicker(b)
        default: break
        }
        out.append(Emitted(group: g, event: e, sent: sent))
        cursors[g].index += 1
        if cursors[g].index == group.items.count {
            cursors[g].index = 0
            cursors[g].loop += 1
        }
    }

    /// Moves a recorded diff's ids into this loop, after any injected gap.
    mutating func shiftDepth(_ recorded: SimDepthUpdate, g: Int, first: Bool) -> SimDepthUpdate {
        let group = recording.groups[g]
        let k = cursors[g].loop
        cursors[g].extraDepthShift += cursors[g].pendingGap
        cursors[g].pendingGap = 0
        let shift = k * group.depthShiftPerLoop + cursors[g].extraDepthShift
        var d = recorded
        d.firstUpdateId += shift
        d.finalUpdateId += shift
        d.previousFinalUpdateId += shift
        if first && k > 0 { d.previousFinalUpdateId = group.snapshotId + shift }
        return d
    }

    /// The loop-boundary diff: back to the snapshot book, ids right after the last sent.
    mutating func resetDiff(_ g: Int, timeMs: Int64) -> SimEvent {
        let group = recording.groups[g]
        cursors[g].extraDepthShift += cursors[g].pendingGap
        let first = cursors[g].lastUpdateId + cursors[g].pendingGap + 1
        cursors[g].pendingGap = 0
        let n = Int64(group.resetBids.count + group.resetAsks.count)
        let d = SimDepthUpdate(venue: group.venue, symbol: group.symbol, eventTime: timeMs, transactionTime: timeMs,
                               firstUpdateId: first, finalUpdateId: first + n - 1,
                               previousFinalUpdateId: first - 1, bids: group.resetBids, asks: group.resetAsks)
        apply(d, to: &cursors[g].book)
        cursors[g].lastUpdateId = d.finalUpdateId
        return .depthUpdate(d)
    }

    func apply(_ d: SimDepthUpdate, to book: inout SimOrderBook) {
        for l in d.bids { book.set(bid: true, price: l.price, quantity: l.quantity) }
        for l in d.asks { book.set(bid: false, price: l.price, quantity: l.quantity) }
    }
}
