import Glibc
import Market
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
    /// Symbol names by state-table index, learned on first use.
    var symbolNames: [Int: String] = [:]
    var message = JSONBytes(capacity: 256)
    var lastLaps: UInt64 = 0
    var healthCache: (status: Int, body: [UInt8], madeNs: Int64) = (0, [], 0)
    /// Health is rebuilt at most this often; within it, the same bytes are served.
    static let healthCacheNs: Int64 = 5_000_000

    public init(config: Config, logger: Logger, segment: Segment, slot: Int) {
        self.config = config
        self.log = logger
        self.segment = segment
        self.slot = segment.control.slot(slot)
        reader = RingReader(segment: segment, start: .latest)
        buffer = .allocate(byteCount: 64 * 1024, alignment: 8)
    }

    deinit { buffer.deallocate() }

    /// Serves on the inherited socket until TERM/INT/QUIT; returns the exit code.
    public func run(listenFD: Int32, wakeFD: Int32) -> Int32 {
        var options = WorkerOptions()
        options.shutdownTimeout = .milliseconds(Int64(config.shutdownTimeoutSeconds * 1000))
        options.tickInterval = .milliseconds(Int64(max(10, min(100, config.heartbeatIntervalMs / 2))))
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
        slot.word(Layout.Slot.childPid).storeRelaxed(UInt64(getpid()))
        slot.beat()
    }

    public func onWake(broadcaster: Broadcaster) { drainRing(into: broadcaster) }

    public func onTick(_ counters: WorkerCounters) {
        slot.beat()
        slot.word(Layout.Slot.connections).storeRelaxed(UInt64(counters.connectionsOpen))
        slot.word(Layout.Slot.requests).storeRelaxed(UInt64(counters.requestsServed))
        slot.word(Layout.Slot.badRequests).storeRelaxed(UInt64(counters.badRequests + counters.requestTimeouts))
    }

    public func onReopenLogs() {
        log.reopen()
        log.info("log file reopened")
    }

    /// Consumes every record waiting in the ring, fanning trades out to their subscribers as
    /// `trade_update` (encoded once per record), and tracks position, lag and laps.
    func drainRing(into broadcaster: Broadcaster) {
        while true {
            let result = reader.next(into: buffer)
            if case .record(let type, let sequence, let length) = result, type == RecordType.trade.rawValue,
               length >= MemoryLayout<TradeRecord>.size {
                fanOut(UnsafeRawBufferPointer(buffer).loadUnaligned(as: TradeRecord.self), sequence: sequence, to: broadcaster)
            }
            switch result {
            case .empty:
                slot.word(Layout.Slot.ringSequence).storeRelaxed(reader.lastSequence)
                if reader.laps != lastLaps {
                    lastLaps = reader.laps
                    slot.word(Layout.Slot.ringLaps).storeRelaxed(reader.laps)
                    log.warning("lapped by the feeder; resynchronised at the latest record", ["laps": "\(reader.laps)"])
                }
                return
            case .record:
                recordsSeen += 1
            default:
                continue
            }
        }
    }

    public func systemStatus() -> (status: Int, body: [UInt8]) {
        return (200, Array(StatusReport(segment: segment).json().utf8))
    }

    private func fanOut(_ trade: TradeRecord, sequence: UInt64, to broadcaster: Broadcaster) {
        let index = Int(trade.symbolIndex)
        if symbolNames[index] == nil { symbolNames[index] = StateTables(segment: segment).symbolName(index: index) }
        guard let symbol = symbolNames[index] else { return }
        message.removeAll()
        TerminalMessages.tradeUpdate(&message, symbol: symbol, price: trade.price, quantity: trade.quantity,
                                     buyerIsMaker: trade.isBuyerMaker, tradeTimeMs: trade.tradeTimeMs,
                                     timestampMs: trade.receivedNs / 1_000_000, sequence: sequence)
        message.bytes.withUnsafeBytes { _ = broadcaster.broadcast(text: $0, toSubscribersOf: symbol) }
    }

    public func health() -> (status: Int, body: [UInt8]) {
        let now = Clock.monotonicNanos()
        if now - healthCache.madeNs < Self.healthCacheNs && !healthCache.body.isEmpty {
            return (healthCache.status, healthCache.body)
        }
        let (status, body) = HealthDocument(segment: segment, slot: slot, reader: reader).render()
        healthCache = (status, Array(body.utf8), now)
        return (status, healthCache.body)
    }
}
