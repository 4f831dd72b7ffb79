import Market
import Net
import Posix
import Runtime
import ShmRing
import Store

/// Fills the `symbols` table from `exchangeInfo` (API.md §1.2, §3.1) when the feeder persists:
/// at start and every 24 h, asked through the feeder's REST worker (its failover and
/// rate-limit rules apply). Reading the bodies and the upsert run on a short-lived thread of
/// their own, so neither the ring's writers nor the REST worker wait on the database. A
/// failure is logged and the round is tried again `retryNs` later; the feed never notices.
/// `SymbolSyncCore` decides; this class carries the decisions out.
final class SymbolSync: @unchecked Sendable {
    typealias Fetch = SymbolSyncCore.Fetch

    /// The symbols, in `SymbolID` order: the configured ones, then those added at run time.
    private(set) var symbols: [String]
    let connect: Persister.Connect
    let log: Logger
    /// Hands a request to the REST worker.
    let enqueue: @Sendable (RESTRequest) -> Void
    /// Runs the store step away from the caller (a thread of its own; inline in tests).
    let spawn: @Sendable (@escaping @Sendable () -> Void) -> Void
    /// Told the request-weight limit per minute each venue states (for the REST worker).
    let weightLimit: @Sendable (MarketKind, Int) -> Void
    let retryNs: Int64
    private let lock = Mutex()
    private var core: SymbolSyncCore

    static let periodNs: Int64 = 24 * 3_600 * 1_000_000_000
    static let retryNs: Int64 = 5 * 60 * 1_000_000_000

    init(symbols: [String], connect: @escaping Persister.Connect, log: Logger, nowNs: Int64,
         periodNs: Int64 = SymbolSync.periodNs, retryNs: Int64 = SymbolSync.retryNs,
         enqueue: @escaping @Sendable (RESTRequest) -> Void,
         weightLimit: @escaping @Sendable (MarketKind, Int) -> Void = { _, _ in },
         spawn: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void = { DetachedThread.start($0) }) {
        self.symbols = symbols
        self.connect = connect
        self.log = log
        self.enqueue = enqueue
        self.weightLimit = weightLimit
        self.spawn = spawn
        self.retryNs = retryNs
        core = SymbolSyncCore(symbolCount: symbols.count, periodNs: periodNs, retryNs: retryNs, nowNs: nowNs)
    }

    /// A symbol added at run time (its id is the next): stored from the next round, started now.
    func added(_ name: String, nowNs: Int64) {
        lock.withLock {
            symbols.append(name)
            core.addedSymbol(nowNs: nowNs)
        }
    }

    /// Starts a round when one is due; the feed's main loop calls it with its housekeeping.
    func tick(nowNs: Int64) {
        execute(lock.withLock { core.tick(nowNs: nowNs) })
    }

    /// The REST worker's answer to an `.exchangeInfo` request (other requests are ignored).
    func answered(_ request: RESTRequest, _ result: Result<[UInt8], NetError>) {
        guard case .exchangeInfo(let market, let symbol) = request else { return }
        let fetch: Fetch = market == .spot ? .spot(symbol) : .futures
        let answer: SymbolSyncCore.Answer
        switch result {
        case .success(let body): answer = .body(body)
        case .failure(let e): answer = Self.isRefusal(e) ? .refused(e.description) : .failed(e.description)
        }
        execute(lock.withLock { core.answered(fetch, answer) })
    }

    /// When the next round is due (monotonic ns; `.max` while one runs).
    var dueNs: Int64 { lock.withLock { core.dueNs } }

    /// The REST worker's error for an HTTP 4xx answer other than a rate limit (429, 418).
    static func isRefusal(_ e: NetError) -> Bool {
        guard e.kind == .protocolViolation, e.message.hasPrefix("HTTP 4") else { return false }
        return !e.message.hasPrefix("HTTP 429") && !e.message.hasPrefix("HTTP 418")
    }

    private func execute(_ action: SymbolSyncCore.Action?) {
        switch action {
        case .fetch(let list):
            for f in list { enqueue(.exchangeInfo(market: f == .futures ? .futures : .spot, symbol: Self.symbol(f))) }
        case .store(let round):
            let me = self
            spawn { me.store(round) }
        case nil:
            break
        }
    }

    private static func symbol(_ f: Fetch) -> SymbolID? {
        if case .spot(let s) = f { return s }
        return nil
    }

    /// Reads the round's bodies, upserts the rows, logs what happened and tells the core.
    func store(_ round: SymbolSyncCore.Round) {
        let merged = SymbolMerge(symbols: lock.withLock { symbols }, round: round)
        for f in round.failures { log.warning("exchangeInfo request failed", ["error": f]) }
        for r in round.refusals { log.info("exchangeInfo request refused by spot: trying futures", ["error": r]) }
        for p in merged.problems { log.warning("exchangeInfo answer unreadable", ["problem": p]) }
        for r in merged.rejected { log.warning("exchangeInfo entry not storable", ["problem": r]) }
        if let w = merged.spotWeightLimit { weightLimit(.spot, w) }
        if let w = merged.futuresWeightLimit { weightLimit(.futures, w) }
        if !merged.missing.isEmpty {
            log.warning("symbols not listed by exchangeInfo: not stored", ["symbols": merged.missing.joined(separator: ",")])
        }
        var success = round.failures.isEmpty && merged.problems.isEmpty
        if !merged.rows.isEmpty {
            do throws(PostgresError) {
                let db = try connect()
                let changed = try SymbolWriter.write(merged.rows, to: db)
                log.info("symbols table synced from exchangeInfo", [
                    "symbols": "\(merged.rows.count)", "changed": changed.isEmpty ? "none" : changed.joined(separator: ","),
                    "from_spot": "\(merged.fromSpot)", "from_futures": "\(merged.rows.count - merged.fromSpot)"])
            } catch {
                success = false
                log.error("symbols table not synced; retrying later",
                          ["error": error.oneLine, "retry_s": "\(retryNs / 1_000_000_000)"])
            }
        }
        lock.withLock { core.stored(success: success, nowNs: Clock.monotonicNanos()) }
    }
}
