import Testing
@testable import Store

@Suite("Persister buffer")
struct PersisterBufferTests {
    func trades(_ ids: ClosedRange<Int64>) -> RowBatch {
        var b = RowBatch()
        b.trades = ids.map { Rows.trade($0) }
        return b
    }

    @Test("rows fill an open chunk that is sealed at chunkRows; chunks come out oldest first")
    func chunks() {
        var buffer = PersisterBuffer(capacity: 100, chunkRows: 10)
        var rows = trades(1...6)
        let sealedEarly = buffer.add(&rows)
        #expect(!sealedEarly && rows.isEmpty, "the caller's batch is emptied")
        #expect(buffer.take(includeOpen: false) == nil, "nothing sealed yet")
        rows = trades(7...12)
        let sealed = buffer.add(&rows)
        #expect(sealed, "12 rows seal a chunk")
        rows = trades(13...14)
        buffer.add(&rows)
        #expect(buffer.pending == 14)
        let first = buffer.take(includeOpen: true)
        #expect(first?.trades.map(\.tradeId) == Array(1...12))
        #expect(buffer.take(includeOpen: true) == nil, "one chunk in flight at a time")
        buffer.settle(12)
        #expect(buffer.take(includeOpen: true)?.trades.map(\.tradeId) == [13, 14])
        buffer.settle(2)
        #expect(buffer.pending == 0)
    }

    @Test("over the bound the oldest chunks are dropped and counted; the chunk in flight is kept")
    func dropOldest() {
        var buffer = PersisterBuffer(capacity: 30, chunkRows: 10)
        var rows = trades(1...10)
        buffer.add(&rows)
        let inFlight = buffer.take(includeOpen: false)
        #expect(inFlight?.count == 10)
        for start in stride(from: Int64(11), through: 51, by: 10) {
            rows = trades(start...(start + 9))
            buffer.add(&rows)
        }
        #expect(buffer.pending == 30, "the bound holds")
        #expect(buffer.dropped.trades == 30 && buffer.dropped.total == 30)
        buffer.settle(10)
        #expect(buffer.take(includeOpen: true)?.trades.first?.tradeId == 41, "the newest rows are what is left")
        #expect(buffer.take(includeOpen: true) == nil)
    }

    @Test("a delivery bigger than the room left keeps what fits (candles first) and counts the rest")
    func truncateIncoming() {
        var buffer = PersisterBuffer(capacity: 5, chunkRows: 100)
        var rows = trades(1...3)
        rows.candles = [Rows.candle(), Rows.candle(minute: 1)]
        rows.liquidations = [Rows.liquidation()]
        buffer.add(&rows)
        #expect(buffer.pending == 5)
        #expect(buffer.dropped.liquidations == 1 && buffer.dropped.total == 1)
        rows = trades(10...11)
        buffer.add(&rows)
        #expect(buffer.pending == 2, "the open chunk (older) went for the newer rows")
        #expect(buffer.dropped.total == 6)
    }

    @Test("dropAll and dropInFlight count what is left at shutdown")
    func shutdown() {
        var buffer = PersisterBuffer(capacity: 1000, chunkRows: 10)
        var rows = trades(1...25)
        buffer.add(&rows)
        let held = buffer.take(includeOpen: true)!
        buffer.dropInFlight(held.counts)
        #expect(buffer.dropAll() == 0, "the 25-row delivery became one chunk")
        #expect(buffer.dropped.trades == 25 && buffer.pending == 0)
    }

    @Test("backoff doubles up to its cap and resets")
    func backoff() {
        var b = Backoff(initialNs: 500, maxNs: 5000)
        #expect((0..<6).map { _ in b.take() } == [500, 1000, 2000, 4000, 5000, 5000])
        b.reset()
        #expect(b.take() == 500)
    }
}
