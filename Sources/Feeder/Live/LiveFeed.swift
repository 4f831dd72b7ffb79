import Glibc
import Market
import Net
import Posix
import Runtime
import ShmRing
import Store
import TLS

/// Wakes the workers from any thread: the eventfds of live worker slots, refreshed by the
/// main loop.
final class WorkerWaker: @unchecked Sendable {
    private let lock = Mutex()
    private var fds: [Int32] = []

    func update(_ list: [Int32]) { lock.withLock { fds = list } }

    func wake() {
        lock.withLock { for fd in fds { EventFD.signal(fd) } }
    }
}

/// A live feed that cannot start (a bad endpoint, no trust store): the feeder exits fatally.
struct FeedSetupError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// The live feed's main loop: runs the connection policy (`FeedManagerCore`), starts and stops
/// connection threads, answers signals, beats, and publishes the feed's figures in the control
/// block. Everything that touches the ring happens in `Publisher`.
final class LiveFeed {
    let config: Config
    let log: Logger
    let segment: Segment
    /// Grows when a symbol is added at run time (`LiveFeed+Symbols`).
    var plan: FeedPlan
    let symbols: FeedSymbols
    let publisher: Publisher
    let rest: RESTWorker
    let inbox: FeedInbox
    let waker: WorkerWaker
    let tls: TLSContext
    /// Persistence, when `DATABASE_URL` is set: it gets REST candles, and a longer history.
    let persist: PersistPipeline?
    /// Candle history runs: the start-up one, and those workers trigger.
    let collection: CollectionControl?
    /// The `symbols` table from exchangeInfo, when `DATABASE_URL` is set.
    let symbolSync: SymbolSync?
    let spotStreams: [Endpoint]
    let futuresStreams: [Endpoint]
    /// `add-symbol` requests (served on the feeder's requests thread).
    let adder: SymbolAdder
    var core: FeedManagerCore
    /// Markets whose stream connections wait out a 429 or 418 (shared with the connection threads).
    let pauses = ConnectPauses()
    var connections: [Int: StreamConnection] = [:]
    private var lines: [Int: Int] = [:]  // connection id → control-block line

    init(config: Config, log: Logger, segment: Segment, symbols: FeedSymbols, writer: RingWriter, tables: StateTables,
         waker: WorkerWaker, persist: PersistPipeline? = nil, collection: CollectionControl? = nil) throws {
        self.config = config
        self.persist = persist
        self.collection = collection
        self.log = log
        self.segment = segment
        self.waker = waker
        func endpoints(_ urls: [String], _ name: String) throws -> [Endpoint] {
            do {
                return try urls.map { url throws(NetError) in try Endpoint(parsing: url) }
            } catch {
                throw FeedSetupError(message: "\(name): \(error)")
            }
        }
        spotStreams = try endpoints(config.spotStreamURLs, "SPOT_WS_URLS")
        futuresStreams = try endpoints(config.futuresStreamURLs, "FUTURES_WS_URLS")
        let spotREST = try endpoints(config.spotRESTURLs, "SPOT_REST_URLS")
        let futuresREST = try endpoints(config.futuresRESTURLs, "FUTURES_REST_URLS")
        tls = try TLSContext.client(trusting: config.tlsTrustFile)
        self.symbols = symbols
        plan = FeedPlan(symbols: symbols.names, intervals: config.intervals,
                        streamsPerConnection: config.feedStreamsPerConnection)
        inbox = try FeedInbox()
        let workers = waker
        let wakeAll: @Sendable () -> Void = { workers.wake() }
        publisher = Publisher(symbols: symbols, writer: writer, tables: tables, control: segment.control, log: log,
                              wake: wakeAll)
        rest = try RESTWorker(symbols: symbols, spot: spotREST, futures: futuresREST, tls: tls, log: log)
        adder = SymbolAdder(symbols: symbols, rest: rest, inbox: inbox, capacity: min(Config.maxSymbols, tables.capacity), log: log)
        let p = publisher
        let worker = rest
        let names = symbols.names
        let logger = log
        let symbolAdder = adder
        let sync = config.databaseURL.map { url in
            SymbolSync(symbols: names, connect: Persister.connector(url: url), log: logger, nowNs: Clock.monotonicNanos(),
                       enqueue: { worker.enqueue($0) }, weightLimit: { worker.setWeightLimit($0, $1) })
        }
        symbolSync = sync
        rest.deliver = { request, result in
            switch request {
            case .exchangeInfo:
                sync?.answered(request, result)
            case .listing:
                symbolAdder.answered(request, result)
            default:
                p.restResult(request, result, persist: persist)
                let ok = if case .success = result { true } else { false }
                collection?.answered(request, ok: ok)
            }
        }
        collection?.attach(intervals: config.intervals, enqueue: { worker.enqueue($0) })
        publisher.rest = rest
        let now = Clock.monotonicNanos()
        let (spotCount, futuresCount) = (spotStreams.count, futuresStreams.count)
        core = FeedManagerCore(
            endpointCounts: plan.connections.map { $0.route == .spot ? spotCount : futuresCount },
            markets: plan.connections.map(\.route.market),
            maxAgeNs: Int64(config.feedMaxConnectionAgeSeconds) * 1_000_000_000,
            seed: UInt64(bitPattern: now) ^ UInt64(getpid()), nowNs: now)
    }

    /// Runs until `shouldStop` says so; `tick` is called at least every 100 ms (signals, beats).
    func run(signalFD: Int32, tick: () -> Bool) {
        let c = segment.control
        c.word(Layout.Control.feedSourceKind).storeRelaxed(
            (config.feedSource == .simulator ? FeedSourceCode.simulated : FeedSourceCode.binance).rawValue)
        log.info("live feed starting", [
            "symbols": symbols.names.joined(separator: ","), "intervals": config.intervals.map(\.name).joined(separator: ","),
            "connections": "\(plan.connections.count)", "spot": config.spotStreamURLs.joined(separator: ","),
            "futures": config.futuresStreamURLs.joined(separator: ",")])
        rest.start()
        requestHistory(of: (0..<symbols.count).map { SymbolID($0) })
        execute(core.start(nowNs: Clock.monotonicNanos()))
        var lastHousekeeping: Int64 = 0
        while true {
            let woken = (try? Poll.wait(signalFD, events: Int16(POLLIN), wakeFD: inbox.wakeFD, timeoutMillis: 50))
            _ = woken
            if !tick() { break }
            for event in inbox.drain() { handle(event) }
            let now = Clock.monotonicNanos()
            if now - lastHousekeeping >= 250_000_000 {
                lastHousekeeping = now
                execute(core.tick(nowNs: now))
                publisher.maintain()
                symbolSync?.tick(nowNs: now)
                publishFigures()
            }
        }
        for conn in connections.values { conn.stop() }
        let deadline = Clock.monotonicNanos() + 1_000_000_000
        while !connections.isEmpty && Clock.monotonicNanos() < deadline {
            _ = EventFD.wait(inbox.wakeFD, timeoutMillis: 50)
            for case .closed(let id) in inbox.drain() { forget(id) }
        }
        c.word(Layout.Control.feedState).storeRelaxed(FeedState.down.rawValue)
    }

    /// Candles of every served interval, so REST and new subscribers have history at once
    /// (and, when persisting, the database gets `PersistPipeline.historyCandles` of each).
    func requestHistory(of list: [SymbolID]) {
        let perInterval = max(1, min(1000, StateTables(segment: segment).geometry.candlesPerInterval))
        var requests: [RESTRequest] = []
        for s in list {
            for market in MarketKind.allCases {
                let limit = persist == nil ? perInterval : max(perInterval, PersistPipeline.historyLimit(market))
                for interval in config.intervals {
                    requests.append(.klines(symbol: s, market: market, interval: interval, startTime: nil, limit: limit))
                }
            }
        }
        // A run in the collection's stats: the start-up one, or an added symbol's (the older pages it
        // causes are not counted).
        collection?.track(requests)
        for r in requests { rest.enqueue(r) }
    }

    private func handle(_ event: FeedEvent) {
        let now = Clock.monotonicNanos()
        switch event {
        case .connected(let id, let endpoint):
            setLine(id, .subscribed)
            log.info("connected", ["connection": "\(id)", "endpoint": endpoint, "plan": description(of: id)])
        case .firstData(let id):
            setLine(id, .live)
            execute(core.firstData(id: id, nowNs: now))
        case .serverShutdown(let id):
            execute(core.replace(id: id, reason: .serverShutdown, nowNs: now))
        case .stalled(let id):
            setLine(id, .stalled)
            log.warning("connection stalled: opening a replacement", ["connection": "\(id)", "plan": description(of: id),
                                                                      "stall_ms": "\(config.feedStallMs)"])
            execute(core.replace(id: id, reason: .stalled, nowNs: now))
        case .silent(let id):
            setLine(id, .silent)
            log.error("connection delivers nothing it subscribed to (an unrouted futures URL does this): failing over",
                      ["connection": "\(id)", "plan": description(of: id)])
            connections[id]?.stop()
            execute(core.failed(id: id, silent: true, nowNs: now))
        case .failed(let id, let reason):
            log.warning("connection lost", ["connection": "\(id)", "plan": description(of: id), "error": reason])
            execute(core.failed(id: id, silent: false, nowNs: now))
        case .handshakeFailed(let id, let reason, let pause):
            handshakeFailed(id: id, reason: reason, pause: pause, nowNs: now)
        case .closed(let id):
            // A thread that ended on its own (not asked to) failed or went silent first.
            if core.plan(of: id) != nil { execute(core.failed(id: id, silent: false, nowNs: now)) }
            forget(id)
        case .addSymbol(let addition):
            add(addition, nowNs: now)
        }
    }

    func execute(_ actions: [FeedManagerCore.Action]) {
        for action in actions {
            switch action {
            case .open(let id, let planIndex, let endpointIndex, let atNs, let reason):
                let p = plan.connections[planIndex]
                let list = p.route == .spot ? spotStreams : futuresStreams
                let base = list[endpointIndex % list.count]
                let conn = StreamConnection(id: id, plan: p, base: base, tls: base.isSecure ? tls : nil, startAtNs: atNs,
                                            stallNs: Int64(config.feedStallMs) * 1_000_000,
                                            routed: config.futuresRouted, inbox: inbox,
                                            publisher: publisher, pauses: pauses, log: log)
                connections[id] = conn
                assignLine(id, route: p.route, part: p.part, endpoint: endpointIndex)
                if reason != .start {
                    let waitMs = max(0, (atNs - Clock.monotonicNanos()) / 1_000_000)
                    log.info("opening connection", ["connection": "\(id)", "plan": "\(p)", "endpoint": base.description,
                                                    "reason": reason.rawValue, "in_ms": "\(waitMs)"])
                }
                conn.start()
            case .close(let id, let reason):
                setLine(id, .retiring)
                log.info("closing connection", ["connection": "\(id)", "reason": reason.rawValue])
                connections[id]?.stop()
            case .backfill(let planIndex):
                let p = plan.connections[planIndex]
                let klines = p.route != .futuresPublic
                publisher.backfill(symbols: (0..<symbols.count).map { SymbolID($0) }, market: p.route.market,
                                   intervals: klines ? config.intervals : [])
            }
        }
    }

    func description(of id: Int) -> String {
        core.plan(of: id).map { "\(plan.connections[$0])" } ?? "-"
    }

    // MARK: - Control block

    private func assignLine(_ id: Int, route: FeedRoute, part: Int, endpoint: Int) {
        let c = segment.control
        let used = Set(lines.values)
        guard let line = (0..<Layout.Feed.connectionCount).first(where: { !used.contains($0) }) else { return }
        lines[id] = line
        let code: FeedRouteCode = route == .spot ? .spot : route == .futuresPublic ? .futuresPublic : .futuresMarket
        c.feedConnectionWord(line, Layout.Feed.Connection.id).storeRelaxed(UInt64(id))
        c.feedConnectionWord(line, Layout.Feed.Connection.route).storeRelaxed(code.rawValue | UInt64(part) << 8)
        c.feedConnectionWord(line, Layout.Feed.Connection.endpointIndex).storeRelaxed(UInt64(endpoint))
        c.feedConnectionWord(line, Layout.Feed.Connection.sinceRealtimeNs).storeRelaxed(UInt64(Clock.realtimeNanos()))
        c.feedConnectionWord(line, Layout.Feed.Connection.state).storeReleasing(FeedConnectionState.connecting.rawValue)
    }

    private func setLine(_ id: Int, _ state: FeedConnectionState) {
        guard let line = lines[id] else { return }
        segment.control.feedConnectionWord(line, Layout.Feed.Connection.state).storeReleasing(state.rawValue)
    }

    private func forget(_ id: Int) {
        connections[id] = nil
        if let line = lines.removeValue(forKey: id) {
            segment.control.feedConnectionWord(line, Layout.Feed.Connection.state).storeReleasing(FeedConnectionState.free.rawValue)
        }
    }

    private func publishFigures() {
        let c = segment.control
        let k = core.counters
        let r = rest.snapshot.counters
        let figures: [(FeedCounter, Int)] = [
            (.connectionsOpened, k.opened), (.plannedSwitches, k.plannedSwitches), (.unplannedDrops, k.unplannedDrops),
            (.failovers, k.failovers), (.stalls, k.stalls), (.silentConnections, k.silent),
            (.serverShutdowns, k.serverShutdowns), (.attemptsDelayed, k.attemptsDelayed),
            (.restRequests, Int(r.requests)), (.restFailures, Int(r.failures)), (.restRateLimited, Int(r.rateLimited)),
            (.restBanned, Int(r.banned)), (.restUsedWeight, Int(r.usedWeight)),
            (.handshakeFailures, k.handshakeFailures), (.wsRateLimited, k.rateLimited), (.wsBanned, k.banned),
        ]
        for (counter, value) in figures { c.feedCounter(counter).storeRelaxed(UInt64(value)) }
        let l = publisher.publishLatency
        for (counter, value) in [(FeedCounter.publishLatencyP50Ns, l.p50), (.publishLatencyP99Ns, l.p99),
                                 (.publishLatencyP999Ns, l.p999), (.publishLatencyMaxNs, l.max)] {
            c.feedCounter(counter).storeRelaxed(UInt64(max(0, value)))
        }
        c.feedCounter(.publishLatencyCount).storeRelaxed(l.count)
        var live = 0
        for line in lines.values
        where c.feedConnectionWord(line, Layout.Feed.Connection.state).loadRelaxed() == FeedConnectionState.live.rawValue {
            live += 1
        }
        c.feedCounter(.liveConnections).storeRelaxed(UInt64(live))
        let allLive = (0..<plan.connections.count).allSatisfy { core.plans[$0].current.map { id in lines[id].map { line in
            c.feedConnectionWord(line, Layout.Feed.Connection.state).loadRelaxed() == FeedConnectionState.live.rawValue } ?? false } ?? false }
        let published = publisher.publishedCount
        let state: FeedState = allLive ? .live : published > 0 ? .stalled : .connecting
        c.word(Layout.Control.feedState).storeRelaxed(state.rawValue)
        c.word(Layout.Control.feedRecordsPublished).storeRelaxed(published)
        c.word(Layout.Control.feedLastPublishRealtimeNs).storeReleasing(UInt64(Clock.realtimeNanos()))
    }
}
