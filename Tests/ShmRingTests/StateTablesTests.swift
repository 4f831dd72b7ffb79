import Glibc
import Posix
import Testing
@testable import ShmRing

/// The per-symbol state tables and their seqlocks.
@Suite("State tables")
struct StateTablesTests {
    static func trade(_ symbol: UInt32, _ n: Int64) -> TradeRecord {
        TradeRecord(symbolIndex: symbol, flags: UInt32(truncatingIfNeeded: n) & 1, price: n, quantity: n,
                    tradeId: n, tradeTimeMs: n, receivedNs: n)
    }

    @Test("names, market flags and the latest trade round-trip")
    func roundTrip() throws {
        let tables = StateTables(segment: try TestSupport.segment(symbols: 4))
        tables.registerSymbol(index: 0, name: "BTCUSDT")
        tables.registerSymbol(index: 2, name: "1000SHIBUSDCPERP", marketFlags: UInt64(TradeRecord.futures))
        #expect(tables.symbolName(index: 0) == "BTCUSDT")
        #expect(tables.symbolName(index: 1) == nil)
        #expect(tables.symbolName(index: 2) == "1000SHIBUSDCPERP")
        #expect(tables.marketFlags(index: 2) == UInt64(TradeRecord.futures))
        #expect(tables.marketFlags(index: 1) == nil)
        #expect(tables.index(of: "1000SHIBUSDCPERP") == 2)
        #expect(tables.index(of: "ETHUSDT") == nil)
        #expect(tables.latestTrade(symbolIndex: 0) == nil)
        tables.updateTrade(Self.trade(0, 7))
        tables.updateTrade(Self.trade(0, 8))
        #expect(tables.latestTrade(symbolIndex: 0) == Self.trade(0, 8))
        #expect(tables.tradeCount(symbolIndex: 0) == 2)
        #expect(tables.latestTrade(symbolIndex: 2) == nil)
    }

    @Test("re-registering a shorter name leaves no trace of the longer one")
    func reRegister() throws {
        let tables = StateTables(segment: try TestSupport.segment(symbols: 2))
        tables.registerSymbol(index: 1, name: "ETHUSDT_LONGER")
        tables.registerSymbol(index: 1, name: "ETH")
        #expect(tables.symbolName(index: 1) == "ETH")
    }

    @Test("an entry a dead writer left odd reads as absent until repaired, then as cleared")
    func seqlockRepair() throws {
        let tables = StateTables(segment: try TestSupport.segment(symbols: 4))
        tables.registerSymbol(index: 1, name: "BNBUSDT")
        tables.updateTrade(Self.trade(1, 5))
        let lock = SharedWord(at: tables.base + tables.layout.marketEntry(1, .spot) + Layout.MarketEntry.trade)
        lock.storeReleasing(lock.loadRelaxed() + 1)
        #expect(tables.latestTrade(symbolIndex: 1) == nil)
        #expect(tables.repairAfterCrash() == 1)
        #expect(lock.loadRelaxed() & 1 == 0)
        #expect(tables.latestTrade(symbolIndex: 1) == nil)
        #expect(tables.symbolName(index: 1) == "BNBUSDT")
        #expect(tables.repairAfterCrash() == 0)
        tables.updateTrade(Self.trade(1, 6))
        #expect(tables.latestTrade(symbolIndex: 1) == Self.trade(1, 6))
    }

    @Test("a reader racing the writer never sees a torn trade")
    func seqlockUnderContention() throws {
        let tables = StateTables(segment: try TestSupport.segment(symbols: 1))
        tables.updateTrade(Self.trade(0, 1))
        let updates: Int64 = 200_000
        let writer = JoinableThread {
            for n in 2...updates { tables.updateTrade(Self.trade(0, n)) }
        }
        var reads = 0
        var last: Int64 = 0
        while last < updates {
            guard let t = tables.latestTrade(symbolIndex: 0) else { continue }
            reads += 1
            #expect(t.price == t.tradeId && t.quantity == t.receivedNs && t.tradeTimeMs == t.price)
            #expect(t.price >= last)
            last = t.price
        }
        writer.join()
        #expect(reads > 0)
    }
}
