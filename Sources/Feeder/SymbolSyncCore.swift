import Market
import ShmRing

/// The symbols sync's decisions, without I/O (STYLE §1): when a round of `exchangeInfo`
/// requests starts, what to ask when spot refuses the configured list, and when the answers
/// are complete and go to the database. Times are monotonic ns from the caller.
///
/// A round asks spot for the configured symbols (`symbols=[…]`) and futures for all of its
/// symbols, at once. Spot refuses the whole list when one symbol is unknown to it (-1121,
/// HTTP 400); each symbol is then asked on its own, and one spot refuses again is left to
/// futures. When every request has its answer the bodies go out in `.store`; the next round
/// starts `periodNs` after this one started, or `retryNs` after it ended if anything failed.
struct SymbolSyncCore {
    /// One `exchangeInfo` request.
    enum Fetch: Hashable, Sendable, CustomStringConvertible {
        /// Spot: the configured list (nil), or one symbol.
        case spot(SymbolID?)
        case futures

        var description: String {
            switch self {
            case .spot(nil): "spot"
            case .spot(let s?): "spot symbol \(s)"
            case .futures: "futures"
            }
        }
    }

    /// How a request ended.
    enum Answer: Sendable, Equatable {
        case body([UInt8])
        /// An HTTP 4xx other than a rate limit: this server will not answer this request.
        case refused(String)
        /// Anything else: the network, a 5xx, a rate limit that outlasted the worker's retries.
        case failed(String)
    }

    /// What a round brought back, for the writer.
    struct Round: Sendable, Equatable {
        var spot: [[UInt8]] = []
        var futures: [[UInt8]] = []
        /// Requests that failed.
        var failures: [String] = []
        /// Spot requests refused: not failures, the symbols are not listed there (or, for
        /// the list, one of them is not).
        var refusals: [String] = []
    }

    enum Action: Equatable {
        case fetch([Fetch])
        case store(Round)
    }

    /// Grows when a symbol is added at run time (`addedSymbol`).
    private(set) var symbolCount: Int
    let periodNs: Int64
    let retryNs: Int64
    /// When the next round may start (`.max` while one runs).
    private(set) var dueNs: Int64
    private(set) var phase = Phase.idle
    private var pending: Set<Fetch> = []
    private var round = Round()
    private var startedNs: Int64 = 0

    enum Phase: Equatable {
        case idle
        case asking
        case storing
    }

    /// The first round is due at once.
    init(symbolCount: Int, periodNs: Int64, retryNs: Int64, nowNs: Int64) {
        self.symbolCount = symbolCount
        self.periodNs = periodNs
        self.retryNs = retryNs
        dueNs = nowNs
    }

    /// Starts a round when one is due. A round still asking after a whole period (an answer
    /// lost) is given up and a new one starts; one being stored is always waited for.
    mutating func tick(nowNs: Int64) -> Action? {
        switch phase {
        case .storing: return nil
        case .asking: guard nowNs - startedNs >= periodNs else { return nil }
        case .idle: guard nowNs >= dueNs else { return nil }
        }
        phase = .asking
        startedNs = nowNs
        dueNs = .max
        round = Round()
        pending = [.spot(nil), .futures]
        return .fetch([.spot(nil), .futures])
    }

    /// A symbol was added at run time: it counts from the next round on, which starts at once
    /// when none runs (its row should not wait a day).
    mutating func addedSymbol(nowNs: Int64) {
        symbolCount += 1
        if phase == .idle { dueNs = min(dueNs, nowNs) }
    }

    /// Takes the answer of `fetch`; an answer nobody waits for (a round given up) is ignored.
    mutating func answered(_ fetch: Fetch, _ answer: Answer) -> Action? {
        guard phase == .asking, pending.remove(fetch) != nil else { return nil }
        switch (fetch, answer) {
        case (.spot, .body(let bytes)):
            round.spot.append(bytes)
        case (.futures, .body(let bytes)):
            round.futures.append(bytes)
        case (.spot(nil), .refused(let why)) where symbolCount > 1:
            round.refusals.append("\(fetch): \(why)")
            let each = (0..<symbolCount).map { Fetch.spot(SymbolID($0)) }
            pending.formUnion(each)
            return .fetch(each)
        case (.spot, .refused(let why)):
            round.refusals.append("\(fetch): \(why)")
        case (.futures, .refused(let why)), (_, .failed(let why)):
            round.failures.append("\(fetch): \(why)")
        }
        guard pending.isEmpty else { return nil }
        phase = .storing
        return .store(round)
    }

    /// The round's rows are written (`success`: every request answered, every body read,
    /// the database took them), or the attempt failed.
    mutating func stored(success: Bool, nowNs: Int64) {
        guard phase == .storing else { return }
        phase = .idle
        dueNs = success ? startedNs + periodNs : min(nowNs + retryNs, startedNs + periodNs)
        round = Round()
    }
}
