import Market
import Posix
import Runtime
import ShmRing

/// Data collection (API.md §1.5) as the feeder does it: storing to PostgreSQL (paused and
/// resumed, per symbol), and candle history fetch runs (`HistoryRuns`). Workers ask through
/// `FeederRequests`; the state lives in the control block (`Layout.Collection`), so every
/// worker reads it and a restarted feeder keeps it, and the run figures in its storage
/// counters. The persistence pipeline applies the state (`PersistPipeline.admit`).
///
/// Commands, each answered at once (a run goes on in the background):
/// - `collect`: a history run of every collected symbol (`service_not_running` when storing
///   is paused or there is no database; `no_history_source` for a replayed feed).
/// - `collection-stop`: pauses storing (`not_running` when it is not running).
/// - `collection-start`: resumes storing (`already_running`; `start_failed` without a database)
///   and starts a run reaching back over the pause.
/// - `collect-symbol SYM`, `uncollect-symbol SYM`: store that symbol again, or stop storing
///   it (it keeps streaming). Idempotent; a symbol the feeder does not stream is no error.
final class CollectionControl: @unchecked Sendable {
    private let control: ControlBlock
    /// The symbols fed, those added at run time included.
    private let symbols: FeedSymbols
    /// Whether anything is stored (a database is configured and persistence started).
    private let stores: Bool
    private let log: Logger
    private let lock = Mutex()
    /// Held by each command from its test of the state to its change.
    private let commands = Mutex()
    private var runs = HistoryRuns()
    /// The live feed's intervals and REST queue; nil for a replayed feed (no REST).
    private var source: (intervals: [KlineInterval], enqueue: @Sendable (RESTRequest) -> Void)?

    init(control: ControlBlock, symbols: FeedSymbols, stores: Bool, log: Logger) {
        self.control = control
        self.symbols = symbols
        self.stores = stores
        self.log = log
        if control.collectionPaused { log.notice("data collection is paused (kept from the previous feeder)") }
    }

    /// Storing and not paused: `is_running` of the stats.
    var running: Bool { stores && !control.collectionPaused }

    /// The feeder answers requests concurrently; these commands test and then change the state
    /// (two `collection-start`s must not both resume and start a run), so they take turns.
    func register(on requests: FeederRequests) {
        requests.on("collect") { [self] _ in commands.withLock { collect() } }
        requests.on("collection-stop") { [self] _ in commands.withLock { stop() } }
        requests.on("collection-start") { [self] _ in commands.withLock { start() } }
        requests.on("collect-symbol") { [self] name in commands.withLock { setCollected(name, true) } }
        requests.on("uncollect-symbol") { [self] name in commands.withLock { setCollected(name, false) } }
    }

    /// The live feed: where runs' requests go.
    func attach(intervals: [KlineInterval], enqueue: @escaping @Sendable (RESTRequest) -> Void) {
        lock.withLock { source = (intervals, enqueue) }
    }

    // MARK: - Commands

    private func collect() -> String {
        guard running else {
            return FeederAnswer.error("service_not_running", stores ? "data collection is stopped" : "no database: nothing is stored")
        }
        guard let requests = run(symbols: collectedSymbols(), coverMs: 0) else { return Self.noSource }
        return FeederAnswer.ok(["requests": "\(requests)"])
    }

    private func stop() -> String {
        guard running else { return FeederAnswer.error("not_running", "Data collection service is not running") }
        control.setCollectionPaused(true, sinceMs: Clock.realtimeMillis())
        log.notice("data collection paused: records are not stored")
        return FeederAnswer.ok()
    }

    private func start() -> String {
        guard stores else { return FeederAnswer.error("start_failed", "no database: set DATABASE_URL to store data") }
        guard control.collectionPaused else { return FeederAnswer.error("already_running", "Data collection service is already running") }
        let pausedMs = max(0, Clock.realtimeMillis() - control.collectionPausedSinceMs)
        control.setCollectionPaused(false, sinceMs: 0)
        // The candles of the pause, and a minute more for the one that was open when it began.
        let requests = run(symbols: collectedSymbols(), coverMs: pausedMs + 60_000)
        log.notice("data collection resumed", ["paused_ms": "\(pausedMs)", "history_requests": "\(requests ?? 0)"])
        return FeederAnswer.ok(["history_requests": "\(requests ?? 0)"])
    }

    private func setCollected(_ name: String, _ collected: Bool) -> String {
        guard let index = symbols.names.firstIndex(of: name), index < Layout.Collection.maskSymbols else {
            return FeederAnswer.ok(["streamed": "false"])
        }
        let was = control.setCollected(symbol: index, collected)
        guard collected != was else { return FeederAnswer.ok(["streamed": "true", "changed": "false"]) }
        log.notice(collected ? "symbol collected again" : "symbol no longer collected (it keeps streaming)", ["symbol": name])
        // What it missed while not collected (as for `collect`: the newest candles).
        let requests = collected && running ? run(symbols: [SymbolID(index)], coverMs: 0) ?? 0 : 0
        return FeederAnswer.ok(["streamed": "true", "changed": "true", "history_requests": "\(requests)"])
    }

    static let noSource = FeederAnswer.error("no_history_source", "a replayed feed has no exchange REST to fetch candle history from")

    // MARK: - Runs

    /// Ring symbol indexes not marked uncollected.
    private func collectedSymbols() -> [SymbolID] {
        let mask = control.uncollectedMask
        return symbols.names.indices.filter { $0 >= 64 || mask & (1 << UInt64($0)) == 0 }.map { SymbolID($0) }
    }

    /// Begins a run for `symbols` and queues its requests; their count, nil without a source.
    private func run(symbols: [SymbolID], coverMs: Int64) -> Int? {
        guard let source = lock.withLock({ source }) else { return nil }
        let now = Clock.realtimeMillis()
        let requests = HistoryRuns.requests(symbols: symbols, intervals: source.intervals, nowMs: now, coverMs: coverMs)
        track(requests)
        for r in requests { source.enqueue(r) }
        return requests.count
    }

    /// Counts `requests` as a run (the start-up history's requests, queued by the live feed).
    func track(_ requests: [RESTRequest]) {
        lock.withLock {
            runs.begin(requests, nowMs: Clock.realtimeMillis())
            publish(runs.figures)
        }
    }

    /// A REST answer: settles it in the runs waiting for it.
    func answered(_ request: RESTRequest, ok: Bool) {
        guard case .klines = request else { return }
        lock.withLock {
            guard runs.answered(request, ok: ok, nowMs: Clock.realtimeMillis()) else { return }
            publish(runs.figures)
        }
    }

    private func publish(_ f: RunFigures) {
        let values: [(StorageCounter, UInt64)] = [
            (.runsTotal, f.total), (.runsSucceeded, f.succeeded), (.runsFailed, f.failed),
            (.lastRunRealtimeNs, Self.ns(f.lastRunMs)), (.lastRunSuccessRealtimeNs, Self.ns(f.lastSuccessMs)),
            (.lastRunErrorRealtimeNs, Self.ns(f.lastErrorMs)),
            (.lastRunErrors, UInt64(f.lastErrors)), (.lastRunOperations, UInt64(f.lastOperations)),
        ]
        for (counter, value) in values { control.storageCounter(counter).storeRelaxed(value) }
    }

    private static func ns(_ ms: Int64) -> UInt64 { UInt64(max(0, ms)) * 1_000_000 }
}
