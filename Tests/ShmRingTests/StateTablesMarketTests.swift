import Testing
@testable import ShmRing

/// Per-market sections: spot and futures apart, the book's top, recent trades and liquidations.
@Suite("State tables per market")
struct StateTablesMarketTests {
    static func tables(_ geometry: StateGeometry = StateGeometry(symbolCapacity: 4)) throws -> StateTables {
        StateTables(segment: try TestSupport.segment(geometry: geometry))
    }

    @Test("spot and futures entries of one symbol are independent")
    func marketsApart() throws {
        let tables = try Self.tables()
        var spot = RecordSamples.trade
        spot.symbolIndex = 2
        var futures = spot
        futures.flags |= RecordFlags.futures
        futures.price = 1
        tables.updateTrade(spot)
        #expect(tables.latestTrade(symbolIndex: 2) == spot)
        #expect(tables.latestTrade(symbolIndex: 2, market: .futures) == nil)
        tables.updateTrade(futures)
        tables.updateTrade(futures)
        #expect(tables.latestTrade(symbolIndex: 2, market: .spot) == spot)
        #expect(tables.latestTrade(symbolIndex: 2, market: .futures) == futures)
        #expect(tables.tradeCount(symbolIndex: 2, market: .spot) == 1)
        #expect(tables.tradeCount(symbolIndex: 2, market: .futures) == 2)

        var ticker = RecordSamples.ticker
        ticker.symbolIndex = 2
        tables.updateTicker(ticker)
        #expect(tables.ticker(symbolIndex: 2, market: .futures) == ticker)
        #expect(tables.ticker(symbolIndex: 2, market: .spot) == nil)

        var bookTicker = RecordSamples.bookTicker
        bookTicker.symbolIndex = 2
        tables.updateBookTicker(bookTicker)
        #expect(tables.bookTicker(symbolIndex: 2, market: .spot) == bookTicker)
        #expect(tables.bookTicker(symbolIndex: 2, market: .futures) == nil)

        var mark = RecordSamples.markPrice
        mark.symbolIndex = 2
        tables.updateMarkPrice(mark)
        #expect(tables.markPrice(symbolIndex: 2) == mark)
        #expect(tables.markPrice(symbolIndex: 2, market: .spot) == nil)
        #expect(tables.markPrice(symbolIndex: 1) == nil)
    }

    @Test("a futures aggTrade is kept as the futures latest trade")
    func aggTradeAsTrade() throws {
        let tables = try Self.tables(StateGeometry(symbolCapacity: 8))
        tables.updateTrade(RecordSamples.aggTrade)
        let t = try #require(tables.latestTrade(symbolIndex: 4, market: .futures))
        #expect(t.tradeId == RecordSamples.aggTrade.aggregateId && t.price == RecordSamples.aggTrade.price)
    }

    @Test("recent trades keep a futures aggTrade's first and last trade ids and event time; a spot trade its own id")
    func recentTradeIds() throws {
        let tables = try Self.tables(StateGeometry(symbolCapacity: 8))
        let agg = RecordSamples.aggTrade
        tables.updateTrade(agg)
        var spot = RecordSamples.trade
        spot.symbolIndex = 4
        tables.updateTrade(spot)
        let futures = try #require(tables.recentTrades(symbolIndex: 4, market: .futures, limit: 10).first)
        #expect(futures.trade == agg.trade && futures.eventTimeMs == agg.eventTimeMs)
        #expect(futures.firstTradeId == 5_188_000_001 && futures.lastTradeId == 5_188_000_004)
        let kept = try #require(tables.recentTrades(symbolIndex: 4, market: .spot, limit: 10).first)
        #expect(kept.trade == spot && kept.firstTradeId == spot.tradeId && kept.lastTradeId == spot.tradeId)
        #expect(kept.eventTimeMs == spot.tradeTimeMs)
    }

    @Test("the book's top levels round-trip, cut to the geometry's levels, and can be marked unsynced")
    func bookTop() throws {
        let tables = try Self.tables(StateGeometry(symbolCapacity: 2, bookLevels: 5))
        #expect(tables.book(symbolIndex: 0, market: .spot, depth: 5) == nil)
        let bids = RecordSamples.levels(7, seed: 3)
        let asks = RecordSamples.levels(2, seed: 4)
        let top = BookTop(lastUpdateId: 42, eventTimeMs: 1, transactionTimeMs: 2, receivedNs: 3, synced: true)
        bids.withUnsafeBufferPointer { b in
            asks.withUnsafeBufferPointer { a in tables.updateBook(symbolIndex: 1, market: .futures, top: top, bids: b, asks: a) }
        }
        #expect(tables.book(symbolIndex: 1, market: .spot, depth: 5) == nil)
        let read = try #require(tables.book(symbolIndex: 1, market: .futures, depth: 10))
        #expect(read.top.lastUpdateId == 42 && read.top.isSynced && read.top.bidCount == 5 && read.top.askCount == 2)
        #expect(read.bids == Array(bids.prefix(5)) && read.asks == asks)
        let shallow = try #require(tables.book(symbolIndex: 1, market: .futures, depth: 1))
        #expect(shallow.bids == [bids[0]] && shallow.asks == [asks[0]])
        tables.markBookUnsynced(symbolIndex: 1, market: .futures)
        let unsynced = try #require(tables.book(symbolIndex: 1, market: .futures, depth: 10))
        #expect(!unsynced.top.isSynced && unsynced.bids == read.bids)
    }

    @Test("recent trades and liquidations keep the newest, oldest first, across the wrap")
    func recentRings() throws {
        let tables = try Self.tables(StateGeometry(symbolCapacity: 3, recentTrades: 8, liquidations: 4))
        for n in 1...20 {
            var t = RecordSamples.trade
            t.symbolIndex = 0
            t.tradeId = Int64(n)
            tables.updateTrade(t)
        }
        #expect(tables.recentTrades(symbolIndex: 0, market: .spot, limit: 100).map(\.trade.tradeId) == Array(13...20))
        #expect(tables.recentTrades(symbolIndex: 0, market: .spot, limit: 3).map(\.trade.tradeId) == [18, 19, 20])
        #expect(tables.recentTrades(symbolIndex: 0, market: .futures, limit: 3).isEmpty)
        #expect(tables.recentLiquidations(symbolIndex: 2, limit: 4).isEmpty)
        for n in 1...3 {
            var l = RecordSamples.liquidation
            l.tradeTimeMs = Int64(n)
            tables.appendLiquidation(l)
        }
        #expect(tables.recentLiquidations(symbolIndex: 2, limit: 10).map(\.tradeTimeMs) == [1, 2, 3])
        for n in 4...9 {
            var l = RecordSamples.liquidation
            l.tradeTimeMs = Int64(n)
            tables.appendLiquidation(l)
        }
        #expect(tables.recentLiquidations(symbolIndex: 2, limit: 10).map(\.tradeTimeMs) == [6, 7, 8, 9])
    }

    @Test("a section a dead writer left odd is emptied by repair; the other market and sections stay")
    func repairOneSection() throws {
        let tables = try Self.tables()
        var futures = RecordSamples.ticker
        futures.symbolIndex = 1
        var spot = futures
        spot.flags = 0
        tables.updateTicker(futures)
        tables.updateTicker(spot)
        tables.updateTrade(RecordSamples.trade)
        let lock = SharedWord(at: tables.base + tables.layout.marketEntry(1, .futures) + Layout.MarketEntry.ticker)
        lock.storeReleasing(lock.loadRelaxed() + 1)
        #expect(tables.ticker(symbolIndex: 1, market: .futures) == nil)
        #expect(tables.ticker(symbolIndex: 1, market: .spot) == spot)
        #expect(tables.repairAfterCrash() == 1)
        #expect(tables.ticker(symbolIndex: 1, market: .futures) == nil)
        #expect(tables.ticker(symbolIndex: 1, market: .spot) == spot)
        #expect(tables.latestTrade(symbolIndex: 3) == RecordSamples.trade)
        tables.updateTicker(futures)
        #expect(tables.ticker(symbolIndex: 1, market: .futures) == futures)
    }
}
