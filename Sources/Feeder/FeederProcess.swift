import Glibc
import Posix
import Runtime
import ShmRing

/// The feeder process: the ring's only writer. For now its source is a recorded replay,
/// published at the recorded pace times `REPLAY_SPEED` (0: as fast as it goes).
public final class FeederProcess {
    let config: Config
    let log: Logger
    let segment: Segment
    let slot: ChildSlot
    let writer: RingWriter
    let tables: StateTables
    let signalFD: Int32
    /// Storage to PostgreSQL when `DATABASE_URL` is set.
    let persist: PersistPipeline?
    var wake = WakeList()
    var published: UInt64 = 0
    var lastBeatNs: Int64 = 0
    var stopping = false
    /// What workers ask of this feeder (collection control, symbols added at run time).
    let requests: FeederRequests
    /// Data collection: storing paused or resumed, per symbol, and candle history runs.
    let collection: CollectionControl
    /// The symbols fed: the configured ones, then those added at run time (kept in the
    /// directory, so a restarted feeder streams them too).
    let symbols: FeedSymbols

    public init(config: Config, logger: Logger, segment: Segment, slot: Int) throws {
        self.config = config
        self.log = logger
        self.segment = segment
        self.slot = segment.control.slot(slot)
        signalFD = try Signals.signalFD([.term, .int, .quit, .hup, .usr1])
        writer = RingWriter(segment: segment)
        tables = StateTables(segment: segment)
        let repaired = tables.repairAfterCrash()
        if repaired > 0 { logger.warning("repaired state-table entries left half-written by a dead feeder", ["entries": "\(repaired)"]) }
        for (i, s) in config.symbols.enumerated() { tables.registerSymbol(index: i, name: s) }
        let names = FeedSymbols.resumed(configured: config.symbols, tables: tables)
        symbols = FeedSymbols(names)
        if names.count > config.symbols.count {
            logger.info("streaming the symbols added at run time before", ["symbols": names.dropFirst(config.symbols.count).joined(separator: ",")])
        }
        let c = segment.control
        c.word(Layout.Control.feedEpoch).storeReleasing(writer.epoch)
        c.word(Layout.Control.feedState).storeRelaxed(FeedState.connecting.rawValue)
        DatabaseProbe.start(url: config.databaseURL, control: c)
        persist = PersistPipeline.start(config: config, symbols: symbols, segment: segment, log: logger)
        requests = FeederRequests(log: logger)
        if config.feedSource == .replay {
            requests.on("add-symbol") { _ in
                FeederAnswer.error("replay_source", "the feeder replays a recording (FEED_SOURCE=replay): symbols cannot be added")
            }
        }
        collection = CollectionControl(control: c, symbols: symbols, stores: persist != nil, log: logger)
        collection.register(on: requests)
        requests.start(name: config.feederRequestsName)
    }

    /// Feeds the ring until TERM/INT/QUIT; returns the exit code.
    public func run() -> Int32 {
        let code = config.feedSource == .replay ? runReplay() : runLive()
        persist?.stop()
        return code
    }

    /// Binance (or the simulator) over WebSocket and REST.
    private func runLive() -> Int32 {
        let waker = WorkerWaker()
        let live: LiveFeed
        do {
            live = try LiveFeed(config: config, log: log, segment: segment, symbols: symbols, writer: writer, tables: tables,
                                waker: waker, persist: persist, collection: collection)
        } catch {
            log.critical("live feed cannot start: \(error)")
            return ProcessExit.fatal
        }
        let adder = live.adder
        requests.on("add-symbol", serial: true) { adder.handle($0) }
        beat(force: true)
        live.run(signalFD: signalFD) {
            handleSignals()
            wake.refresh(control: segment.control, now: Clock.monotonicNanos())
            waker.update(wake.fds)
            return !stopping
        }
        log.info("feeder stopped", ["published": "\(live.publisher.publishedCount)"])
        return ProcessExit.ok
    }

    /// Replays until TERM/INT/QUIT.
    private func runReplay() -> Int32 {
        let source: ReplaySource
        do {
            source = try ReplaySource(path: config.replayFile, symbols: config.symbols)
        } catch {
            log.critical("\(error)")
            return ProcessExit.fatal
        }
        log.info("replaying", ["file": config.replayFile, "speed": "\(config.replaySpeed)", "epoch": "\(writer.epoch)"])
        beat(force: true)
        var pacer = Pacer(speed: config.replaySpeed)
        while !stopping {
            let trade: RecordedTrade
            do {
                guard let t = try source.next() else { break }
                trade = t
            } catch {
                log.critical("\(error)")
                return ProcessExit.fatal
            }
            let waitNs = pacer.delay(localNs: trade.localNs, now: Clock.monotonicNanos())
            if waitNs > 0 || published & 255 == 0 {
                wakeWorkers()
                if waitNs > 0 { idle(nanos: waitNs) } else { handleSignals() }
            }
            publish(trade, loops: source.loops)
        }
        wakeWorkers()
        segment.control.word(Layout.Control.feedState).storeRelaxed(FeedState.down.rawValue)
        log.info("feeder stopped", ["published": "\(published)", "malformed": "\(source.malformed)",
                                    "unknown_symbols": "\(source.unknownSymbols)", "loops": "\(source.loops)"])
        return ProcessExit.ok
    }

    private func publish(_ t: RecordedTrade, loops: UInt64) {
        let index = UInt32(t.symbolIndex)
        let now = Clock.realtimeNanos()
        let record = TradeRecord(symbolIndex: index, flags: t.buyerIsMaker ? TradeRecord.buyerIsMaker : 0,
                                 price: t.price, quantity: t.quantity, tradeId: t.tradeId,
                                 tradeTimeMs: t.tradeTimeMs, receivedNs: now)
        writer.publish(type: .trade, record)
        tables.updateTrade(record)
        published += 1
        let c = segment.control
        c.word(Layout.Control.feedRecordsPublished).storeRelaxed(published)
        c.word(Layout.Control.feedLastPublishRealtimeNs).storeReleasing(UInt64(now))
        if published == 1 { c.word(Layout.Control.feedState).storeRelaxed(FeedState.live.rawValue) }
        if published & 1023 == 0 { c.word(Layout.Control.feedReplayLoops).storeRelaxed(loops) }
    }

    /// Sleeps until the next record is due, answering signals and beating meanwhile.
    private func idle(nanos: Int64) {
        let deadline = Clock.monotonicNanos() + nanos
        while !stopping {
            beat(force: false)
            let left = deadline - Clock.monotonicNanos()
            if left <= 0 { break }
            let beatNs = Int64(config.heartbeatIntervalMs) * 1_000_000 / 2
            let ms = Int32(max(1, min(left, beatNs) / 1_000_000))
            if EventFD.wait(signalFD, timeoutMillis: ms) { handleSignals() }
        }
    }

    private func handleSignals() {
        beat(force: false)
        for s in Signals.readPending(signalFD) {
            switch s {
            case .term, .int, .quit:
                log.info("\(s): stopping")
                stopping = true
            case .usr1:
                log.reopen()
                log.info("log file reopened")
            default:
                log.debug("ignored signal", ["signal": "\(s)"])
            }
        }
    }

    private func beat(force: Bool) {
        let now = Clock.monotonicNanos()
        guard force || now - lastBeatNs >= Int64(config.heartbeatIntervalMs) * 1_000_000 / 2 else { return }
        lastBeatNs = now
        slot.beat()
        slot.word(Layout.Slot.childPid).storeRelaxed(UInt64(getpid()))
    }

    /// Wakes every worker whose slot is live (the list is refreshed every 100 ms).
    private func wakeWorkers() {
        wake.refresh(control: segment.control, now: Clock.monotonicNanos())
        for fd in wake.fds { EventFD.signal(fd) }
    }
}

/// Pacing of recorded frames: frame `localNs` deltas divided by the speed.
struct Pacer {
    let speed: Double
    var baseLocal: Int64?
    var baseNow: Int64 = 0

    init(speed: Double) { self.speed = speed }

    /// How long to wait before publishing a frame received at `localNs` (0 when due).
    mutating func delay(localNs: Int64, now: Int64) -> Int64 {
        guard speed > 0 else { return 0 }
        guard let base = baseLocal, localNs >= base else {
            baseLocal = localNs
            baseNow = now
            return 0
        }
        let due = baseNow + Int64(Double(localNs - base) / speed)
        return max(0, due - now)
    }
}

/// The eventfds of live workers, as the control block lists them.
struct WakeList {
    var fds: [Int32] = []
    var refreshedNs: Int64 = -1_000_000_000

    mutating func refresh(control: ControlBlock, now: Int64) {
        guard now - refreshedNs >= 100_000_000 else { return }
        refreshedNs = now
        fds.removeAll(keepingCapacity: true)
        for i in 1..<Layout.Control.slotCount {
            let s = control.slot(i)
            if s.kind == .worker && s.state != .free { fds.append(ChildDescriptors.wakeBase + Int32(i)) }
        }
    }
}
