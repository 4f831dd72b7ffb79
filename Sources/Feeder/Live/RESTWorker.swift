import Glibc
import Market
import Net
import Posix
import Runtime
import ShmRing
import TLS

/// What the feeder asks Binance's REST API for: book snapshots, candles (history at start and
/// backfill after a drop) and the trades of a gap.
enum RESTRequest: Sendable, Equatable {
    case depth(symbol: SymbolID, market: MarketKind)
    case klines(symbol: SymbolID, market: MarketKind, interval: KlineInterval, startTime: Int64?, limit: Int)
    /// Trades with ids in `range` (spot: trade ids; futures: aggregate ids).
    case trades(symbol: SymbolID, market: MarketKind, range: ClosedRange<Int64>)
    /// Symbol rules (`SymbolSync`): spot for every configured symbol (nil) or one; futures
    /// for all of its symbols (`symbol` is ignored there: `/fapi/v1/exchangeInfo` takes none).
    case exchangeInfo(market: MarketKind, symbol: SymbolID?)
    /// Whether `market` lists a symbol not streamed yet (`add-symbol`): spot is asked for it
    /// alone, futures for all of its symbols.
    case listing(market: MarketKind, name: String)

    var market: MarketKind {
        switch self {
        case .depth(_, let m), .klines(_, let m, _, _, _), .trades(_, let m, _), .exchangeInfo(let m, _), .listing(let m, _): m
        }
    }
}

/// Counters of the REST side, read by the main loop for status.
struct RESTCounters: Sendable, Equatable {
    var requests: UInt64 = 0
    var failures: UInt64 = 0
    var rateLimited: UInt64 = 0
    var banned: UInt64 = 0
    var usedWeight: UInt64 = 0
}

/// One thread per market that performs its REST requests in order on the market's endpoint
/// list with failover, keeping Binance's rules: a 429 or 418 stops every request to that market
/// until its `Retry-After` has passed. The markets never wait for each other: a spot endpoint
/// that hangs, or a spot ban, leaves futures snapshots and backfills going. Results go to the
/// publisher, which may queue more.
final class RESTWorker: @unchecked Sendable {
    /// One market's side: its queue (under the worker's lock) and what only its thread touches.
    private final class Lane: @unchecked Sendable {
        let market: MarketKind
        let endpoints: [Endpoint]
        let wakeFD: Int32
        var queue: [RESTRequest] = []
        /// Its thread's connection, and the index of the endpoint it uses.
        var client: HTTPClient?
        var current = 0

        init(market: MarketKind, endpoints: [Endpoint]) throws {
            self.market = market
            self.endpoints = endpoints
            wakeFD = try EventFD.make()
        }
    }

    private let symbols: FeedSymbols
    private let tls: TLSContext?
    private let log: Logger
    private let lock = Mutex()
    private let lanes: [MarketKind: Lane]
    private var counters = RESTCounters()
    private var pausedUntilNs: [MarketKind: Int64] = [:]
    /// Binance's per-minute weight limits (binance-protocol.md §3.2, §3.4) until exchangeInfo states them.
    private var budgets: [MarketKind: WeightBudget] = [.spot: WeightBudget(limit: 6000), .futures: WeightBudget(limit: 2400)]
    /// Where results go; set once before `start`.
    var deliver: (@Sendable (RESTRequest, Result<[UInt8], NetError>) -> Void)?

    static let timeoutNs: Int64 = 10_000_000_000
    static let attempts = 3
    init(symbols: FeedSymbols, spot: [Endpoint], futures: [Endpoint], tls: TLSContext?, log: Logger) throws {
        self.symbols = symbols
        lanes = [.spot: try Lane(market: .spot, endpoints: spot), .futures: try Lane(market: .futures, endpoints: futures)]
        self.tls = tls
        self.log = log
    }

    func start() {
        for lane in lanes.values {
            let worker = self
            DetachedThread.start { worker.run(lane) }
        }
    }

    /// Queues `request` on its market (once); `first`: ahead of the others (a client waits for it).
    func enqueue(_ request: RESTRequest, first: Bool = false) {
        guard let lane = lanes[request.market] else { return }
        lock.withLock {
            if !lane.queue.contains(request) { lane.queue.insert(request, at: first ? 0 : lane.queue.count) }
        }
        EventFD.signal(lane.wakeFD)
    }

    var snapshot: (counters: RESTCounters, queued: Int) {
        lock.withLock { (counters, lanes.values.reduce(0) { $0 + $1.queue.count }) }
    }

    /// The REQUEST_WEIGHT per minute `market` states (exchangeInfo's `rateLimits`).
    func setWeightLimit(_ market: MarketKind, _ perMinute: Int) {
        lock.withLock { budgets[market]?.setLimit(perMinute) }
    }

    private func run(_ lane: Lane) {
        while true {
            guard let request = lock.withLock({ lane.queue.isEmpty ? nil : lane.queue.removeFirst() }) else {
                _ = EventFD.wait(lane.wakeFD, timeoutMillis: 1000)
                _ = EventFD.drain(lane.wakeFD)
                continue
            }
            let result = perform(request, on: lane)
            deliver?(request, result)
        }
    }

    private func perform(_ request: RESTRequest, on lane: Lane) -> Result<[UInt8], NetError> {
        let market = request.market
        var lastError = NetError(.closed, "no attempt made")
        for attempt in 0..<Self.attempts {
            waitWhilePaused(market)
            waitForWeight(market, request.weight)
            let path = self.path(request)
            do {
                let response = try client(lane).get(path)
                lock.withLock {
                    counters.requests += 1
                    if let w = response.header("x-mbx-used-weight-1m").flatMap({ UInt64($0) }) {
                        counters.usedWeight = w
                        budgets[market]?.observed(Int(clamping: w), nowMs: Clock.realtimeMillis())
                    }
                }
                switch response.status {
                case 200:
                    return .success(response.body)
                case 429, 418:
                    // The stream connections' rule: 60 s without one, within 1 s and 3 days.
                    let seconds = RateLimitAnswer.seconds(retryAfter: response.header("retry-after"))
                    lock.withLock {
                        if response.status == 418 { counters.banned += 1 } else { counters.rateLimited += 1 }
                        pausedUntilNs[market] = Clock.monotonicNanos() + seconds * 1_000_000_000
                    }
                    log.warning("Binance REST rate limit: pausing \(market) requests", [
                        "status": "\(response.status)", "retry_after_s": "\(seconds)", "path": path])
                    lastError = NetError(.protocolViolation, "HTTP \(response.status) on \(path)")
                case 500...599:
                    lastError = NetError(.protocolViolation, "HTTP \(response.status) on \(path)")
                    failover(lane)
                default:
                    let text = String(decoding: response.body.prefix(200), as: UTF8.self)
                    // A listing's 400 is the exchange's answer (no such symbol), not a failure.
                    if case .listing = request, response.status == 400 {} else { lock.withLock { counters.failures += 1 } }
                    return .failure(NetError(.protocolViolation, "HTTP \(response.status) on \(path): \(text)"))
                }
            } catch {
                lastError = error
                failover(lane)
            }
            if attempt + 1 < Self.attempts { usleep(UInt32(200_000 << attempt)) }
        }
        lock.withLock { counters.failures += 1 }
        log.warning("Binance REST request failed", ["path": path(request), "error": "\(lastError)"])
        return .failure(lastError)
    }

    private func waitWhilePaused(_ market: MarketKind) {
        while true {
            let until = lock.withLock { pausedUntilNs[market] ?? 0 }
            let left = until - Clock.monotonicNanos()
            if left <= 0 { return }
            usleep(UInt32(min(left / 1_000, 500_000)))
        }
    }

    /// Waits until `weight` fits this minute's budget of `market`, then counts it as spent.
    private func waitForWeight(_ market: MarketKind, _ weight: Int) {
        var said = false
        while true {
            let waitMs = lock.withLock { () -> Int64 in
                let now = Clock.realtimeMillis()
                let ms = budgets[market]?.waitMs(for: weight, nowMs: now) ?? 0
                if ms <= 0 { budgets[market]?.spend(weight, nowMs: now) }
                return ms
            }
            if waitMs <= 0 { return }
            if !said {
                said = true
                log.info("REST weight budget of the minute used: waiting", ["market": "\(market)", "wait_ms": "\(waitMs)"])
            }
            usleep(UInt32(min(waitMs, 500) * 1_000))
        }
    }

    private func client(_ lane: Lane) -> HTTPClient {
        if let c = lane.client { return c }
        let endpoint = lane.endpoints[lane.current % max(1, lane.endpoints.count)]
        let c = HTTPClient(base: endpoint, tls: endpoint.isSecure ? tls : nil, timeoutNs: Self.timeoutNs)
        lane.client = c
        return c
    }

    /// Moves a market to its next REST endpoint (a fresh client on the next request).
    private func failover(_ lane: Lane) {
        lane.client?.close()
        lane.client = nil
        lane.current += 1
    }

    func path(_ request: RESTRequest) -> String {
        switch request {
        case .depth(let s, let m):
            return (m == .spot ? "/api/v3/depth" : "/fapi/v1/depth") + "?symbol=\(symbols.name(s))&limit=1000"
        case .klines(let s, let m, let interval, let start, let limit):
            var p = (m == .spot ? "/api/v3/klines" : "/fapi/v1/klines") + "?symbol=\(symbols.name(s))&interval=\(interval.name)&limit=\(limit)"
            if let start { p += "&startTime=\(start)" }
            return p
        case .trades(let s, let m, let range):
            if m == .spot { return "/api/v3/trades?symbol=\(symbols.name(s))&limit=1000" }
            return "/fapi/v1/aggTrades?symbol=\(symbols.name(s))&fromId=\(range.lowerBound)&limit=1000"
        case .exchangeInfo(let m, let s):
            if m == .futures { return "/fapi/v1/exchangeInfo" }
            if let s { return "/api/v3/exchangeInfo?symbol=\(symbols.name(s))" }
            // symbols=["A","B"], URL-encoded (names are A–Z and 0–9 only).
            let names = symbols.names.map { "%22\($0)%22" }
            return "/api/v3/exchangeInfo?symbols=%5B" + names.joined(separator: "%2C") + "%5D"
        case .listing(let m, let name):
            return m == .futures ? "/fapi/v1/exchangeInfo" : "/api/v3/exchangeInfo?symbol=\(name)"
        }
    }
}
