import Glibc
import Market
import Posix
import Runtime
import ShmRing
import Store

/// Persistence beside the ring writer (DESIGN.md §3, §5): a thread of the feeder reads the
/// ring with its own `RingReader`, like a worker (so the writer never waits on it; a lap is
/// counted), turns records into rows (`PersistConverter`), samples the books for the
/// heatmap (`BookSampler`), and hands the rows to a `Persister`, whose own thread writes
/// them to PostgreSQL. Candles the feeder gets from REST, which reach the state tables but
/// not the ring, come in through `restCandles`. The figures go to the control block.
final class PersistPipeline: @unchecked Sendable {
    let persister: Persister
    let log: Logger
    let segment: Segment
    let symbols: FeedSymbols
    let bookSnapshotSeconds: Int
    private let stopFD: Int32
    private let doneFD: Int32
    private var reader: RingReader

    /// Candles per interval the database gets at start (REST serves `limit=1500` from it).
    static let historyCandles = 1500
    /// Open-candle updates are conflated to at most one row per candle this often.
    static let openCandleEveryMs: Int64 = 1000
    /// Records converted between two hand-overs to the persister.
    static let drainLimit = 10_000

    /// Starts persisting when `config.databaseURL` is set; nil (and the storage figures say
    /// "not configured") otherwise, or when it cannot start.
    static func start(config: Config, symbols: FeedSymbols, segment: Segment, log: Logger) -> PersistPipeline? {
        segment.control.resetStorage()
        guard let url = config.databaseURL else { return nil }
        do {
            let p = try PersistPipeline(config: config, symbols: symbols, url: url, segment: segment, log: log)
            p.run()
            return p
        } catch {
            log.error("persistence cannot start: \(error)")
            return nil
        }
    }

    private init(config: Config, symbols: FeedSymbols, url: String, segment: Segment, log: Logger) throws {
        self.log = log
        self.segment = segment
        self.symbols = symbols
        bookSnapshotSeconds = config.bookSnapshotSeconds
        stopFD = try EventFD.make()
        doneFD = try EventFD.make()
        // Joins at the writer's position now, before the feed publishes anything.
        reader = RingReader(segment: segment, start: .latest)
        var options = Persister.Options(capacityRows: config.persistBufferRows)
        options.chunkRows = 5_000
        let logger = log
        persister = Persister(options: options, connect: Persister.connector(url: url),
                              events: { PersistPipeline.log($0, to: logger) })
        segment.control.storageCounter(.state).storeRelaxed(StorageStateCode.connecting.rawValue)
    }

    private func run() {
        persister.start()
        let me = self
        DetachedThread.start { me.readLoop() }
        log.info("persisting to PostgreSQL", ["buffer_rows": "\(persister.snapshot.capacity)",
                                              "book_snapshot_s": "\(bookSnapshotSeconds)"])
    }

    /// Stops reading, writes what is buffered for up to `drainNs`, and publishes the final
    /// figures; what could not be written is counted as dropped.
    func stop(drainNs: Int64 = 2_000_000_000) {
        EventFD.signal(stopFD)
        _ = EventFD.wait(doneFD, timeoutMillis: 2_000)
        persister.stop(drainNs: drainNs)
        let s = persister.snapshot
        publish(s, reader: nil)
        log.info("persistence stopped", ["written": "\(s.written.total)", "dropped": "\(s.dropped.total)",
                                         "rejected": "\(s.rejected.total)"])
    }

    // MARK: - The reading thread

    private func readLoop() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 8)
        defer { buffer.deallocate() }
        var converter = PersistConverter(symbols: symbols.names)
        var symbolsVersion = symbols.version
        var sampler = BookSampler(tables: StateTables(segment: segment), periodSeconds: bookSnapshotSeconds)
        defer { sampler.release() }
        var lastOpenMs: Int64 = 0
        var lastFiguresNs: Int64 = 0
        var laps: UInt64 = 0
        var stopping = false
        while !stopping {
            stopping = EventFD.wait(stopFD, timeoutMillis: 50)
            var delivered = Self.drainLimit
            while delivered >= Self.drainLimit {
                delivered = reader.drain(limit: Self.drainLimit, into: buffer) { result, payload in
                    guard case .record(let type, _, _) = result else { return }
                    if symbols.version != symbolsVersion {
                        // A symbol added at run time: named before any record of it is in the ring.
                        symbolsVersion = symbols.version
                        converter.update(symbols: symbols.names)
                    }
                    converter.handle(type: type, payload: payload)
                }
                admit(&converter.rows)
                persister.add(&converter.rows)
            }
            let nowMs = Clock.realtimeMillis()
            if nowMs - lastOpenMs >= Self.openCandleEveryMs || stopping {
                lastOpenMs = nowMs
                converter.takeOpenCandles()
            }
            sampler.sample(nowMs: nowMs, into: &converter)
            admit(&converter.rows)
            persister.add(&converter.rows)
            if reader.laps != laps {
                laps = reader.laps
                log.warning("persistence lapped by the ring writer: records not stored",
                            ["laps": "\(reader.laps)", "missed": "\(reader.missed)"])
            }
            let now = Clock.monotonicNanos()
            if now - lastFiguresNs >= 250_000_000 {
                lastFiguresNs = now
                publish(persister.snapshot, reader: (reader.laps, reader.missed))
            }
        }
        EventFD.signal(doneFD)
    }

    // MARK: - REST candles

    /// Candles from a REST klines answer (start-up history, backfill): stored as they are,
    /// closed unless the candle is still running.
    func restCandles(_ bars: [KlineBar], symbol: SymbolID, market: MarketKind, interval: KlineInterval) {
        guard Int(symbol) < symbols.count, !bars.isEmpty else { return }
        let name = symbols.name(symbol)
        let nowMs = Clock.realtimeMillis()
        var rows = RowBatch()
        rows.candles.reserveCapacity(bars.count)
        for b in bars {
            rows.candles.append(CandleRow(symbol: name, market: market.store, interval: interval.name, openTimeMs: b.openTime,
                                          closeTimeMs: b.closeTime, open: b.open, high: b.high, low: b.low, close: b.close,
                                          volume: b.volume, quoteVolume: b.quoteVolume, tradeCount: b.tradeCount,
                                          takerBuyBase: b.takerBuyBase, takerBuyQuote: b.takerBuyQuote,
                                          closed: b.closeTime < nowMs))
        }
        admit(&rows)
        persister.add(&rows)
    }

    // MARK: - Collection control

    /// Removes the rows data collection does not store now (`CollectionControl`): all while
    /// storing is paused, else those of symbols not collected; they are counted.
    func admit(_ rows: inout RowBatch) {
        let c = segment.control
        let paused = c.collectionPaused
        let mask = c.uncollectedMask
        guard paused || mask != 0, !rows.isEmpty else { return }
        let removed: Int
        if paused {
            removed = rows.count
            rows.removeAll()
        } else {
            let fed: [String] = symbols.names
            var names = Set<String>()
            for (i, name) in fed.enumerated() where i < Layout.Collection.maskSymbols && mask & (1 << UInt64(i)) != 0 {
                names.insert(name)
            }
            removed = rows.removeRows { names.contains($0) }
        }
        c.storageCounter(.notCollected).increment(by: UInt64(removed))
    }

    // MARK: - Figures and log

    /// Writes the figures; `reader` (laps, missed) only from the reading thread, which owns it.
    private func publish(_ s: PersisterStats, reader: (laps: UInt64, missed: UInt64)?) {
        let c = segment.control
        let values: [(StorageCounter, UInt64)] = [
            (.state, s.state.rawValue), (.capacity, UInt64(s.capacity)), (.pending, UInt64(s.pending)),
            (.candlesWritten, s.written.candles), (.tradesWritten, s.written.trades),
            (.liquidationsWritten, s.written.liquidations), (.bookSnapshotsWritten, s.written.bookSnapshots),
            (.dropped, s.dropped.total), (.rejected, s.rejected.total), (.flushes, s.flushes),
            (.flushErrors, s.flushErrors), (.outages, s.outages),
            (.lastFlushRealtimeNs, UInt64(max(0, s.lastFlushRealtimeNs))),
        ]
        for (counter, value) in values { c.storageCounter(counter).storeRelaxed(value) }
        if let reader {
            c.storageCounter(.readerLaps).storeRelaxed(reader.laps)
            c.storageCounter(.readerMissed).storeRelaxed(reader.missed)
        }
        let lastErrorNs = UInt64(max(0, s.lastErrorRealtimeNs))
        if c.storageCounter(.lastErrorRealtimeNs).loadRelaxed() != lastErrorNs {
            c.storeStorageError(s.lastError)
            c.storageCounter(.lastErrorRealtimeNs).storeRelaxed(lastErrorNs)
        }
    }

    /// The persister's state changes, as log lines.
    static func log(_ event: PersisterEvent, to log: Logger) {
        switch event {
        case .databaseLost(let error, let pending):
            log.error("database lost: rows wait in the buffer", ["error": error, "pending": "\(pending)"])
        case .databaseBack(let downMs, let waiting, let dropped):
            log.notice("database back: writing the rows that waited", [
                "down_ms": "\(downMs)", "waiting": "\(waiting)", "dropped": "\(dropped)"])
        case .dropping(let capacity, let total):
            log.error("storage buffer full: dropping the oldest rows", ["capacity": "\(capacity)", "dropped_total": "\(total)"])
        case .rejected(let table, let rows, let error):
            log.error("database refused rows: not retried", ["table": "\(table)", "rows": "\(rows)", "error": error])
        case .stoppedWithRows(let rows):
            log.warning("persistence stopped with rows unwritten", ["rows": "\(rows)"])
        }
    }
}
