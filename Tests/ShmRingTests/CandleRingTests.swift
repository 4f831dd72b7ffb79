import Posix
import Testing
@testable import ShmRing

/// The candle rings: the open candle in place, closes and appends, the last K, back-fill.
@Suite("Candle rings")
struct CandleRingTests {
    static let m1: UInt8 = 1
    static let minute: Int64 = 60_000

    /// Candle `n` of a one-minute series; its numbers all derive from `n` and `close`.
    static func candle(_ n: Int64, close: Int64 = 0, closed: Bool = false) -> Candle {
        let open = n * minute
        return Candle(openTimeMs: open, closeTimeMs: open + minute - 1, firstTradeId: n * 10,
                      lastTradeId: n * 10 + close, open: n, high: n + close, low: n, close: n + close,
                      volume: n + close, quoteVolume: n + close, tradeCount: n + close, takerBuyBase: n + close,
                      takerBuyQuote: n + close, closed: closed)
    }

    static func tables(candles: Int = 5) throws -> StateTables {
        StateTables(segment: try TestSupport.segment(geometry: StateGeometry(symbolCapacity: 2, candlesPerInterval: candles)))
    }

    @Test("the open candle updates in place, closes in place, and the next one appends")
    func openThenClose() throws {
        let tables = try Self.tables()
        #expect(tables.latestCandle(symbolIndex: 0, market: .spot, interval: Self.m1) == nil)
        #expect(tables.updateCandle(symbolIndex: 0, market: .spot, interval: Self.m1, candle: Self.candle(10)) == .appended)
        #expect(tables.updateCandle(symbolIndex: 0, market: .spot, interval: Self.m1, candle: Self.candle(10, close: 3)) == .updatedLatest)
        #expect(tables.candles(symbolIndex: 0, market: .spot, interval: Self.m1, limit: 10) == [Self.candle(10, close: 3)])
        let closed = Self.candle(10, close: 4, closed: true)
        #expect(tables.updateCandle(symbolIndex: 0, market: .spot, interval: Self.m1, candle: closed) == .updatedLatest)
        #expect(tables.latestCandle(symbolIndex: 0, market: .spot, interval: Self.m1)?.isClosed == true)
        #expect(tables.updateCandle(symbolIndex: 0, market: .spot, interval: Self.m1, candle: Self.candle(11)) == .appended)
        #expect(tables.candles(symbolIndex: 0, market: .spot, interval: Self.m1, limit: 10) == [closed, Self.candle(11)])
        #expect(tables.candles(symbolIndex: 0, market: .futures, interval: Self.m1, limit: 10) == [])
        #expect(tables.candles(symbolIndex: 1, market: .spot, interval: Self.m1, limit: 10) == [])
    }

    @Test("the last K candles come oldest first, and a full ring keeps the newest")
    func lastK() throws {
        let tables = try Self.tables(candles: 5)
        for n in Int64(1)...12 {
            tables.updateCandle(symbolIndex: 1, market: .futures, interval: 6, candle: Self.candle(n, closed: true))
        }
        #expect(tables.candles(symbolIndex: 1, market: .futures, interval: 6, limit: 100).map(\.open) == [8, 9, 10, 11, 12])
        #expect(tables.candles(symbolIndex: 1, market: .futures, interval: 6, limit: 2).map(\.open) == [11, 12])
        #expect(tables.candles(symbolIndex: 1, market: .futures, interval: 6, limit: 0) == [])
        #expect(tables.latestCandle(symbolIndex: 1, market: .futures, interval: 6) == Self.candle(12, closed: true))
    }

    @Test("an older candle updates its slot, a missing one is inserted in order, one older than a full ring is refused")
    func backFill() throws {
        let tables = try Self.tables(candles: 5)
        for n: Int64 in [1, 2, 4, 6] {
            tables.updateCandle(symbolIndex: 0, market: .spot, interval: 12, candle: Self.candle(n))
        }
        #expect(tables.updateCandle(symbolIndex: 0, market: .spot, interval: 12, candle: Self.candle(2, close: 1)) == .updatedEarlier)
        #expect(tables.updateCandle(symbolIndex: 0, market: .spot, interval: 12, candle: Self.candle(3)) == .inserted)
        #expect(tables.candles(symbolIndex: 0, market: .spot, interval: 12, limit: 9).map(\.open) == [1, 2, 3, 4, 6])
        #expect(tables.candles(symbolIndex: 0, market: .spot, interval: 12, limit: 9)[1] == Self.candle(2, close: 1))
        // Full now: inserting 5 drops 1; 0 is older than everything kept.
        #expect(tables.updateCandle(symbolIndex: 0, market: .spot, interval: 12, candle: Self.candle(5)) == .inserted)
        #expect(tables.candles(symbolIndex: 0, market: .spot, interval: 12, limit: 9).map(\.open) == [2, 3, 4, 5, 6])
        #expect(tables.updateCandle(symbolIndex: 0, market: .spot, interval: 12, candle: Self.candle(0)) == .tooOld)
        #expect(tables.updateCandle(symbolIndex: 0, market: .spot, interval: 12, candle: Self.candle(7)) == .appended)
        #expect(tables.candles(symbolIndex: 0, market: .spot, interval: 12, limit: 9).map(\.open) == [3, 4, 5, 6, 7])
    }

    @Test("an interval the segment was not formatted for is refused")
    func intervalNotServed() throws {
        let tables = try Self.tables()
        #expect(tables.updateCandle(symbolIndex: 0, market: .spot, interval: 0, candle: Self.candle(1)) == .intervalNotServed)
        #expect(tables.candles(symbolIndex: 0, market: .spot, interval: 0, limit: 5) == [])
    }

    @Test("a kline record lands in its symbol, market and interval")
    func klineRecord() throws {
        let tables = StateTables(segment: try TestSupport.segment(geometry: StateGeometry(symbolCapacity: 8)))
        #expect(tables.updateCandle(RecordSamples.kline) == .appended)
        #expect(tables.latestCandle(symbolIndex: 5, market: .futures, interval: 1) == RecordSamples.candle)
        #expect(tables.latestCandle(symbolIndex: 5, market: .spot, interval: 1) == nil)
    }

    @Test("a reader copying the last candles while the writer updates and appends never sees a torn view")
    func consistentUnderContention() throws {
        let tables = try Self.tables(candles: 64)
        let rounds: Int64 = 3_000
        let writer = JoinableThread {
            for n in Int64(1)...rounds {
                for tick in Int64(0)..<20 {
                    tables.updateCandle(symbolIndex: 0, market: .spot, interval: Self.m1, candle: Self.candle(n, close: tick))
                }
            }
        }
        var reads = 0
        var buffer = [Candle](repeating: Self.candle(0), count: 32)
        while true {
            let n = buffer.withUnsafeMutableBufferPointer {
                tables.candles(symbolIndex: 0, market: .spot, interval: Self.m1, into: $0)
            } ?? 0
            guard n > 0 else { continue }
            reads += 1
            let view = buffer[0..<n]
            for (i, c) in view.enumerated() {
                let tick = c.close - c.open
                #expect(c.high == c.close && c.volume == c.close && c.takerBuyQuote == c.close && tick >= 0 && tick < 20)
                if i > 0 { #expect(c.open == view[view.startIndex + i - 1].open + 1) }
            }
            if view.last!.open == rounds && view.last!.close - view.last!.open == 19 { break }
        }
        writer.join()
        #expect(reads > 0)
    }
}
