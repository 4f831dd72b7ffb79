import Testing
@testable import Market

/// The order book over real Binance recordings: every depth event of a session, the REST
/// snapshot where it was taken, and the bookTicker stream as an independent check.
@Suite("Order book on recorded Binance data")
struct OrderBookRecordingTests {
    /// What one replay saw.
    struct Replay {
        var results: [String: Int] = [:]
        var snapshots: [SnapshotResult] = []
        var crossedAfterApply = 0
        var tickerChecks = 0
        var tickerMismatches = 0
        var depthEvents = 0
    }

    /// Replays `files` in order through one parser and one book.
    static func replay(_ files: [String], book: inout OrderBook) throws -> Replay {
        var parser = BinanceParser(symbols: BinanceSymbolTable(["BTCUSDT"]))
        var seen = Replay()
        for file in files {
            try forEachRecordedFrame(file) { frame in
                switch parser.parse(frame) {
                case .depthUpdate(let d):
                    seen.depthEvents += 1
                    let result = book.apply(d, from: parser)
                    seen.results[Self.name(result), default: 0] += 1
                    if let bid = book.bestBid, let ask = book.bestAsk, book.isSynced, bid.price >= ask.price {
                        seen.crossedAfterApply += 1
                    }
                case .depthSnapshot(let s):
                    seen.snapshots.append(book.applySnapshot(s, from: parser))
                case .bookTicker(let t) where book.isSynced && t.updateId == book.lastUpdateId:
                    seen.tickerChecks += 1
                    if book.bestBid != PriceLevel(price: t.bidPrice, quantity: t.bidQuantity)
                        || book.bestAsk != PriceLevel(price: t.askPrice, quantity: t.askQuantity) {
                        seen.tickerMismatches += 1
                    }
                default:
                    break
                }
            }
        }
        return seen
    }

    static func name(_ r: DepthApplyResult) -> String {
        switch r {
        case .applied: "applied"
        case .buffered: "buffered"
        case .stale: "stale"
        case .gap: "gap"
        case .crossed: "crossed"
        }
    }

    @Test("spot BTCUSDT over two days' files: every depth event applies after the snapshot, no gap, never crossed")
    func spot() throws {
        var book = OrderBook(procedure: .spot)
        let seen = try Self.replay(["spot_btcusdt_20240808.gz", "spot_btcusdt_20240809.gz"], book: &book)
        #expect(seen.depthEvents == 6_495)
        #expect(seen.snapshots.count == 1)
        guard case .synced(let replayed, let stale)? = seen.snapshots.first else {
            Issue.record("snapshot: \(seen.snapshots)")
            return
        }
        #expect(stale == 2 && replayed == 1)
        #expect(seen.results["gap", default: 0] == 0 && seen.results["crossed", default: 0] == 0)
        #expect(seen.results["stale", default: 0] == 0)
        #expect(replayed + seen.results["applied", default: 0] == seen.depthEvents - stale)
        #expect(seen.crossedAfterApply == 0)
        #expect(book.isSynced && book.counters.gaps == 0 && book.droppedLevels == 0)
    }

    @Test("USD-M BTCUSDT: no gap, never crossed, and the book's best levels equal bookTicker whenever their ids match")
    func futures() throws {
        var book = OrderBook(procedure: .futures)
        let seen = try Self.replay(["usdm_btcusdt_20240808.gz"], book: &book)
        #expect(seen.snapshots.count == 1)
        guard case .synced? = seen.snapshots.first else {
            Issue.record("snapshot: \(seen.snapshots)")
            return
        }
        #expect(seen.results["gap", default: 0] == 0 && seen.results["crossed", default: 0] == 0)
        #expect(seen.crossedAfterApply == 0)
        #expect(seen.tickerChecks == 126 && seen.tickerMismatches == 0)
        #expect(book.isSynced && book.counters.gaps == 0)
    }

    @Test("a book far smaller than the snapshot keeps the top right: drops only far levels, still matches bookTicker")
    func futuresSmallCapacity() throws {
        var book = OrderBook(procedure: .futures, levelCapacity: 400)
        let seen = try Self.replay(["usdm_btcusdt_20240808.gz"], book: &book)
        #expect(book.droppedLevels > 0)
        #expect(seen.results["gap", default: 0] == 0 && seen.results["crossed", default: 0] == 0)
        #expect(seen.tickerChecks == 126 && seen.tickerMismatches == 0)
    }
}
