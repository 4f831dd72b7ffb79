import Glibc
import Posix
import Runtime
import ShmRing
import Supervisor

/// The worker process around `WorkerServer`: reads the ring when the feeder wakes it,
/// beats its heartbeat, publishes its counters in its control-block slot, and answers
/// health from shared memory.
public final class WorkerProcess: WorkerHooks {
    let config: Config
    let log: Logger
    let segment: Segment
    let slot: ChildSlot
    var reader: RingReader
    let buffer: UnsafeMutableRawBufferPointer
    var recordsSeen: UInt64 = 0
    /// Records too large for the read buffer (none are written today).
    var recordsTooLarge: UInt64 = 0
    let directory: StateTableDirectory
    /// Ring records → terminal messages, and the books of subscribed symbols.
    var feed: TerminalFeed
    var lastLaps: UInt64 = 0
    /// A tick passed since the feed's last tick.
    var tickDue = false
    var healthCache: (status: Int, body: [UInt8], madeNs: Int64) = (0, [], 0)
    /// The last `/metrics` body and when it was rendered.
    var metricsCache: (body: [UInt8], madeNs: Int64) = ([], 0)
    /// Where records start, sampled as the ring is read: resumes start replaying there.
    var replayIndex = ReplayIndex()
    /// Whether the index covers the ring from its oldest record (see `indexFromOldest`).
    var replayIndexFromOldest = false
    /// The replay reader's copy buffer.
    let replayBuffer: UnsafeMutableRawBufferPointer
    /// A resume needing more messages than this is refused (`WS_REPLAY_MAX`).
    let replayMax: Int
    /// Resumes served and refused, messages replayed (published with the loop's counters).
    var replayCounts = (recovered: 0, refused: 0, replayed: 0)
    /// The REST API (made in `run`, which knows the wake-up descriptor its thread signals).
    var rest: MarketREST?
    /// Health is rebuilt at most this often; within it, the same bytes are served.
    static let healthCacheNs: Int64 = 5_000_000

    public init(config: Config, logger: Logger, segment: Segment, slot: Int) {
        self.config = config
        self.log = logger
        self.segment = segment
        self.slot = segment.control.slot(slot)
        reader = RingReader(segment: segment, start: .latest)
        buffer = .allocate(byteCount: 64 * 1024, alignment: 8)
        replayBuffer = .allocate(byteCount: 64 * 1024, alignment: 8)
        replayMax = config.wsReplayMax
        let tables = StateTables(segment: segment)
        directory = StateTableDirectory(tables: tables, configured: config.symbols)
        feed = TerminalFeed(directory: directory, bookSource: StateTableBooks(tables: tables),
                            nowMillis: { Clock.realtimeNanos() / 1_000_000 })
    }

    deinit {
        buffer.deallocate()
        replayBuffer.deallocate()
    }

    /// Serves on the inherited socket until TERM/INT/QUIT; returns the exit code.
    public func run(listenFD: Int32, wakeFD: Int32) -> Int32 {
        var options = WorkerOptions()
        options.shutdownTimeout = .milliseconds(Int64(config.shutdownTimeoutSeconds * 1000))
        options.tickInterval = .milliseconds(Int64(max(10, min(100, config.heartbeatIntervalMs / 2))))
        options.maxConnections = config.wsMaxConnections
        options.maxConnectionsPerAddress = config.maxConnectionsPerAddress
        options.wsQueueBytes = config.wsQueueBytes
        options.wsEchoMaxMessage = config.wsEchoMaxBytes
        options.maxSendsPerTurn = config.wsSendsPerTurn
        options.coalesceWindow = .microseconds(Int64(config.wsCoalesceMicros))
        options.coalesceMinClients = config.wsCoalesceMinClients
        options.acceptLead = config.acceptLead
        options.slowClientPolicy = config.wsSlowClientClose ? .close : .gapNotice
        options.klineIntervals = config.intervals
        options.corsOrigins = config.corsOrigins
        options.rateLimitPerSecond = config.rateLimitPerSecond
        options.rateLimitBurst = config.rateLimitBurst
        options.wsMessageLimits = MessageBudget.Limits(perSecond: config.wsMessageRate, burst: config.wsMessageBurst,
                                                       closeAfter: .seconds(config.wsRateLimitCloseSeconds))
        let queries = QueryThread(databaseURL: config.databaseURL, redisURL: config.redisURL, wakeFD: wakeFD,
                                  cacheEvents: { [log] in Self.log($0, to: log) })
        rest = MarketREST(tables: directory.tables, directory: directory, served: config.intervals, queries: queries)
        rest?.workers = config.workers
        rest?.feeder = FeederLink(name: config.feederRequestsName)
        do {
            let server = try WorkerServer(listenFD: listenFD, wakeFD: wakeFD, options: options, hooks: self)
            publishIdentity()
            log.info("worker serving", ["slot": "\(slot.index)", "epoch": "\(reader.epoch)"])
            try server.run()
            log.info("worker stopped", ["requests": "\(server.counters.requestsServed)"])
            return ProcessExit.ok
        } catch {
            log.critical("worker failed: \(error)")
            return error.errno == ENOSYS || error.errno == EPERM ? ProcessExit.fatal : ProcessExit.failure
        }
    }

    private func publishIdentity() {
        segment.control.clearTerminalClients(slot: slot.index)
        slot.word(Layout.Slot.childPid).storeRelaxed(UInt64(getpid()))
        slot.beat()
    }

    public func onWake(broadcaster: Broadcaster) {
        drainRing(into: broadcaster)
        if let rest {
            for (subscriber, response) in rest.queries.takeAnswers() { broadcaster.answer(response, to: subscriber) }
        }
    }

    public func api(_ request: HTTPRequest, subscriber: SubscriberID) -> APIAnswer {
        rest?.answer(request, subscriber: subscriber) ?? .response(.notFound)
    }

    public func onTick(_ counters: WorkerCounters) {
        tickDue = true
        slot.beat()
        slot.word(Layout.Slot.requests).storeRelaxed(UInt64(counters.requestsServed))
        slot.word(Layout.Slot.badRequests).storeRelaxed(UInt64(counters.badRequests + counters.requestTimeouts))
        slot.word(Layout.Slot.rateLimited).storeRelaxed(UInt64(counters.rateLimited))
        var counters = counters
        (counters.wsRecovered, counters.wsRecoveryRefused, counters.wsReplayed) = replayCounts
        for counter in Layout.WorkerCounter.allCases {
            slot.counter(counter.rawValue).storeRelaxed(UInt64(max(0, counters[counter])))
        }
    }

    public func onTerminalClients(_ clients: Int, subscribersPerSymbol: [Int]) {
        segment.control.publishTerminalClients(slot: slot.index, clients: clients, subscribers: subscribersPerSymbol)
    }

    public func onConnectionCount(_ open: Int) {
        slot.word(Layout.Slot.connections).storeRelaxed(UInt64(open))
    }

    public var fewestConnectionsElsewhere: (worker: Int, connections: Int)? {
        segment.control.fewestWorkerConnections(excluding: slot.index).map { ($0.slot, $0.connections) }
    }

    public func nudge(worker: Int) {
        EventFD.signal(ChildDescriptors.wakeBase + Int32(worker))
    }

    public var terminalClientsElsewhere: TerminalClients? {
        segment.control.terminalClientsOfRunningWorkers(excluding: slot.index)
    }

    public func onReopenLogs() {
        log.reopen()
        log.info("log file reopened")
    }

    /// Consumes every record waiting in the ring (the batched read), handing each to the
    /// terminal feed, which encodes it once for its subscribers; tracks position, lag and laps.
    func drainRing(into broadcaster: Broadcaster) {
        replayIndex.note(sequence: reader.lastSequence, position: reader.position)
        reader.drain(into: buffer) { result, payload in
            switch result {
            case .record(let type, let sequence, _):
                recordsSeen += 1
                feed.handle(RingEvent(type: type, payload: payload), sequence: sequence, via: broadcaster)
            case .lapped(let missed):
                feed.lapped(missed: missed, via: broadcaster)
            case .tooLarge:
                recordsTooLarge += 1
            case .empty:
                break
            }
        }
        if tickDue {
            // Books waiting for a snapshot look at the state tables again, once a tick.
            tickDue = false
            feed.tick(via: broadcaster)
        }
        slot.word(Layout.Slot.ringSequence).storeRelaxed(reader.lastSequence)
        if reader.laps != lastLaps {
            lastLaps = reader.laps
            slot.word(Layout.Slot.ringLaps).storeRelaxed(reader.laps)
            log.warning("lapped by the feeder; resynchronised at the latest record and from the state tables",
                        ["laps": "\(reader.laps)", "missed": "\(reader.missed)"])
        }
    }

    public var symbolDirectory: SymbolDirectory? { directory }

    public func onUnsubscribed(_ key: SubscriptionKey, remaining: Int) {
        feed.unsubscribed(key, remaining: remaining)
    }

    public func systemStatus() -> (status: Int, body: [UInt8]) {
        return (200, Array(StatusReport(segment: segment).json().utf8))
    }

    public func health() -> (status: Int, body: [UInt8]) {
        let now = Clock.monotonicNanos()
        if now - healthCache.madeNs < Self.healthCacheNs && !healthCache.body.isEmpty {
            return (healthCache.status, healthCache.body)
        }
        let cache = rest?.queries.cache.map { $0.state.name } ?? "disabled"
        let (status, body) = HealthDocument(segment: segment, slot: slot, reader: reader, cache: cache,
                                            databaseConfigured: config.databaseURL != nil).render()
        healthCache = (status, Array(body.utf8), now)
        return (status, healthCache.body)
    }
}

/// The state tables as the terminal feed's source of books.
struct StateTableBooks: BookSource {
    let tables: StateTables

    func book(_ key: SubscriptionKey, bids: UnsafeMutableBufferPointer<BookLevel>,
              asks: UnsafeMutableBufferPointer<BookLevel>) -> BookTop? {
        guard Int(key.symbol) < tables.capacity else { return nil }
        return tables.book(symbolIndex: Int(key.symbol), market: key.market, bids: bids, asks: asks)
    }
}
