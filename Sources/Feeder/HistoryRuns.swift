import Market
import ShmRing

/// The figures of candle history fetch runs, as `/data-collection/stats` shows them.
struct RunFigures: Sendable, Equatable {
    var total: UInt64 = 0
    var succeeded: UInt64 = 0
    var failed: UInt64 = 0
    /// Realtime ms; 0 for never.
    var lastRunMs: Int64 = 0
    var lastSuccessMs: Int64 = 0
    var lastErrorMs: Int64 = 0
    /// The last failed run's failed requests, and all its requests.
    var lastErrors = 0
    var lastOperations = 0
}

/// Candle history fetch runs (API.md §3.3): the feeder's start-up history, and each run a
/// worker triggers (`collect`, `historical`, a resumed collection, a symbol collected again).
/// A run is a set of klines requests; it ends when each has been answered, and fails when any
/// failed. Runs may overlap: one answer settles that request in every run waiting for it (the
/// REST queue merges equal requests). Pure: the feeder's `CollectionControl` drives it.
struct HistoryRuns: Sendable {
    private struct Run {
        var pending: [RESTRequest]
        let operations: Int
        var errors = 0
    }

    private var active: [Run] = []
    private(set) var figures = RunFigures()

    /// Runs not finished yet.
    var activeCount: Int { active.count }

    /// Begins a run of `requests`; one without any finishes at once, successfully.
    mutating func begin(_ requests: [RESTRequest], nowMs: Int64) {
        figures.total += 1
        figures.lastRunMs = nowMs
        active.append(Run(pending: requests, operations: requests.count))
        finishDone(nowMs: nowMs)
    }

    /// `request` was answered (`ok`: with 200); returns whether it belonged to a run.
    @discardableResult
    mutating func answered(_ request: RESTRequest, ok: Bool, nowMs: Int64) -> Bool {
        var matched = false
        for i in active.indices {
            guard let at = active[i].pending.firstIndex(of: request) else { continue }
            active[i].pending.remove(at: at)
            if !ok { active[i].errors += 1 }
            matched = true
        }
        if matched { finishDone(nowMs: nowMs) }
        return matched
    }

    private mutating func finishDone(nowMs: Int64) {
        for run in active where run.pending.isEmpty {
            if run.errors == 0 {
                figures.succeeded += 1
                figures.lastSuccessMs = nowMs
            } else {
                figures.failed += 1
                figures.lastErrorMs = nowMs
                figures.lastErrors = run.errors
                figures.lastOperations = run.operations
            }
        }
        active.removeAll { $0.pending.isEmpty }
    }

    // MARK: - What a run asks

    /// The candles a triggered run refetches per interval: the original's "collection" limits
    /// (API.md §3.3 steps 2–4). Other intervals get about two days of candles (2 to 500).
    static func standardLimit(_ interval: KlineInterval) -> Int {
        switch interval {
        case .m1: return 120
        case .m5: return 500
        case .m15: return 200
        case .m30: return 100
        case .h1: return 72
        case .h4: return 42
        case .d1: return 30
        default:
            let ms = PersistPipeline.intervalMs(interval)
            return min(500, max(2, Int((2 * 86_400_000 + ms - 1) / ms)))
        }
    }

    /// A run's requests: every symbol × market × interval, the newest `standardLimit` candles,
    /// or more to reach back `coverMs` (a pause's candles), up to the market's largest page.
    /// Each names its `startTime`, so an answer is never followed by an older page (that is
    /// the start-up history's) and a candle that closed unseen also reaches the ring.
    static func requests(symbols: [SymbolID], intervals: [KlineInterval], nowMs: Int64, coverMs: Int64 = 0) -> [RESTRequest] {
        var list: [RESTRequest] = []
        for symbol in symbols {
            for market in MarketKind.allCases {
                for interval in intervals {
                    let ms = PersistPipeline.intervalMs(interval)
                    let covering = coverMs > 0 ? Int((coverMs + ms - 1) / ms) + 1 : 0
                    let limit = min(PersistPipeline.maxKlinesPage(market), max(standardLimit(interval), covering))
                    let start = nowMs / ms * ms - Int64(limit - 1) * ms
                    list.append(.klines(symbol: symbol, market: market, interval: interval, startTime: start, limit: limit))
                }
            }
        }
        return list
    }
}
