import Glibc
import Testing
@testable import Feeder
import Market
import Posix
import Runtime
import ShmRing
import Store

/// Data collection in the feeder: history runs (`HistoryRuns`), the commands workers send
/// (`CollectionControl` through `FeederRequests`) and their state in the control block.
@Suite("Data collection control")
struct CollectionTests {
    static let minute: Int64 = 60_000
    /// 2024-01-01 00:00:30 UTC.
    static let now: Int64 = 1_704_067_230_000

    @Test("a run ends when every request is answered; one failure fails it; overlapping runs share an answer")
    func runs() {
        var runs = HistoryRuns()
        let a = RESTRequest.klines(symbol: 0, market: .spot, interval: .m1, startTime: 1, limit: 120)
        let b = RESTRequest.klines(symbol: 1, market: .spot, interval: .m1, startTime: 1, limit: 120)
        runs.begin([a, b], nowMs: 10)
        runs.begin([a], nowMs: 20)
        #expect(runs.figures.total == 2 && runs.figures.lastRunMs == 20 && runs.activeCount == 2)
        let foreign = runs.answered(.depth(symbol: 0, market: .spot), ok: true, nowMs: 25)
        let own = runs.answered(a, ok: true, nowMs: 30)
        #expect(!foreign && own, "only a run's own requests settle it")
        #expect(runs.figures.succeeded == 1 && runs.figures.lastSuccessMs == 30 && runs.activeCount == 1)
        runs.answered(b, ok: false, nowMs: 40)
        #expect(runs.figures == RunFigures(total: 2, succeeded: 1, failed: 1, lastRunMs: 20, lastSuccessMs: 30, lastErrorMs: 40,
                                           lastErrors: 1, lastOperations: 2))
        runs.begin([], nowMs: 50)
        #expect(runs.figures.succeeded == 2 && runs.activeCount == 0, "a run with nothing to ask succeeds at once")
    }

    @Test("a run asks the original's limits from an aligned start, more to cover a pause, at most a page")
    func requests() {
        let plain = HistoryRuns.requests(symbols: [3], intervals: [.m1, .h1, .h2], nowMs: Self.now)
        #expect(plain.count == 6, "both markets")
        #expect(plain.contains(.klines(symbol: 3, market: .futures, interval: .m1, startTime: Self.now - 30_000 - 119 * Self.minute, limit: 120)))
        #expect(plain.contains(.klines(symbol: 3, market: .spot, interval: .h1, startTime: 1_704_067_200_000 - 71 * 3_600_000, limit: 72)))
        #expect(plain.contains { if case .klines(_, .spot, .h2, _, 24) = $0 { true } else { false } }, "two days of an unlisted interval")
        let paused = HistoryRuns.requests(symbols: [0], intervals: [.m1], nowMs: Self.now, coverMs: 300 * Self.minute)
        #expect(paused.contains { if case .klines(_, .spot, .m1, _, 301) = $0 { true } else { false } })
        let long = HistoryRuns.requests(symbols: [0], intervals: [.m1], nowMs: Self.now, coverMs: 3_000 * Self.minute)
        #expect(long.map { if case .klines(_, let m, _, _, let limit) = $0 { limit == (m == .spot ? 1000 : 1500) } else { false } } == [true, true])
    }

    /// A control over a fresh segment, its requests server (not listening: answered directly)
    /// and what it queued.
    final class Harness: @unchecked Sendable {
        let segment: Segment
        let requests = FeederRequests(log: Logger(role: "test", level: .critical, path: nil))
        let control: CollectionControl
        let lock = Mutex()
        var queued: [RESTRequest] = []

        init(stores: Bool, attached: Bool = true) throws {
            let fd = try SharedMemory.anonymous(size: Layout.segmentSize(ringCapacity: 1 << 16, symbolCapacity: 4))
            defer { close(fd) }
            segment = try Segment.format(fd: fd, ringCapacity: 1 << 16, symbolCapacity: 4)
            control = CollectionControl(control: segment.control, symbols: FeedSymbols(["BTCUSDT", "ETHUSDT"]), stores: stores,
                                        log: Logger(role: "test", level: .critical, path: nil))
            control.register(on: requests)
            if attached { control.attach(intervals: [.m1, .m5]) { [self] r in lock.withLock { queued.append(r) } } }
        }

        func ask(_ line: String) -> String { requests.answer(line) }
        var taken: [RESTRequest] { lock.withLock { defer { queued.removeAll() }; return queued } }
    }

    @Test("without a database nothing runs: collect, stop and start are refused with the original's codes")
    func noDatabase() throws {
        let h = try Harness(stores: false)
        #expect(h.ask("collect").contains(#""error":"service_not_running""#))
        #expect(h.ask("collection-stop").contains(#""error":"not_running""#))
        #expect(h.ask("collection-start").contains(#""error":"start_failed""#))
        #expect(h.taken.isEmpty)
    }

    @Test("stop pauses in the control block, start resumes with a run over the pause, runs count in the storage figures")
    func pauseAndResume() throws {
        let h = try Harness(stores: true)
        let c = h.segment.control
        #expect(h.ask("collection-start").contains("already_running"))
        #expect(h.ask("collect").hasPrefix(#"{"ok":true"#))
        let first = h.taken
        #expect(first.count == 8 && c.storageCounter(.runsTotal).loadRelaxed() == 1, "2 symbols × 2 markets × 2 intervals")
        for (i, r) in first.enumerated() { h.control.answered(r, ok: i != 0) }
        #expect(c.storageCounter(.runsFailed).loadRelaxed() == 1 && c.storageCounter(.lastRunErrors).loadRelaxed() == 1
            && c.storageCounter(.lastRunOperations).loadRelaxed() == 8 && c.storageCounter(.lastRunErrorRealtimeNs).loadRelaxed() > 0)

        #expect(h.ask("collection-stop") == #"{"ok":true}"#)
        #expect(c.collectionPaused && c.collectionPausedSinceMs > 0)
        #expect(h.ask("collection-stop").contains("not_running") && h.ask("collect").contains("service_not_running"))
        // A pause that began three hours ago: the 1m requests reach back over it.
        c.setCollectionPaused(true, sinceMs: Clock.realtimeMillis() - 180 * Self.minute)
        #expect(h.ask("collection-start").hasPrefix(#"{"ok":true"#) && !c.collectionPaused)
        let resumed = h.taken
        #expect(resumed.contains { if case .klines(_, _, .m1, _, let limit) = $0 { limit >= 182 } else { false } }, "\(resumed)")
        for r in resumed { h.control.answered(r, ok: true) }
        #expect(c.storageCounter(.runsTotal).loadRelaxed() == 2 && c.storageCounter(.runsSucceeded).loadRelaxed() == 1)
    }

    @Test("commands asked at once take turns: of concurrent starts after a pause one resumes (one run), the rest are told already_running")
    func concurrentStarts() throws {
        let h = try Harness(stores: true)
        let c = h.segment.control
        for round in 0..<100 {
            c.setCollectionPaused(true, sinceMs: Clock.realtimeMillis() - Self.minute)
            let answers = FeederRequestsTests.together(h.requests, "collection-start", count: 4)
            let resumed = answers.filter { $0.hasPrefix(#"{"ok":true"#) }.count
            #expect(resumed == 1 && answers.filter { $0.contains("already_running") }.count == 3, "round \(round): \(answers)")
            #expect(c.storageCounter(.runsTotal).loadRelaxed() == UInt64(round + 1))
            if resumed != 1 { break }
        }
    }

    @Test("symbols: uncollected in the mask (idempotent), collected again with a run of their own; unknown ones are no error")
    func symbols() throws {
        let h = try Harness(stores: true)
        let c = h.segment.control
        #expect(h.ask("uncollect-symbol ETHUSDT").contains(#""changed":true"#) && c.uncollectedMask == 0b10)
        #expect(h.ask("uncollect-symbol ETHUSDT").contains(#""changed":false"#) && c.uncollectedMask == 0b10)
        #expect(h.ask("collect").hasPrefix(#"{"ok":true"#))
        #expect(h.taken.allSatisfy { if case .klines(0, _, _, _, _) = $0 { true } else { false } }, "ETHUSDT is not fetched")
        #expect(h.ask("collect-symbol ETHUSDT").contains(#""changed":true"#) && c.uncollectedMask == 0)
        #expect(h.taken.count == 4 && c.storageCounter(.runsTotal).loadRelaxed() == 2)
        #expect(h.ask("uncollect-symbol DOGEUSDT").contains(#""streamed":false"#) && c.uncollectedMask == 0)
    }

    @Test("a replayed feed has no history source: collect says so")
    func noSource() throws {
        let h = try Harness(stores: true, attached: false)
        #expect(h.ask("collect").contains("no_history_source"))
    }

    @Test("a batch loses the rows of the symbols named, and says how many")
    func removeRows() {
        var rows = RowBatch()
        for (i, s) in ["BTCUSDT", "ETHUSDT", "ETHUSDT"].enumerated() {
            rows.trades.append(TradeRow(symbol: s, market: .spot, tradeId: Int64(i), price: 1, quantity: 1, buyerIsMaker: false,
                                        tradeTimeMs: 0))
        }
        #expect(rows.removeRows { $0 == "ETHUSDT" } == 2 && rows.trades.map(\.symbol) == ["BTCUSDT"])
    }
}
