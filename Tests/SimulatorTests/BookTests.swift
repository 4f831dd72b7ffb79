@testable import Market
@testable import Simulator
import Testing

@Suite("A local book built from the REST snapshot and the diffs equals the generator's")
struct BookTests {
    @Test("the spot procedure (drop u <= lastUpdateId, first kept has U <= lastUpdateId+1 <= u) rebuilds the book",
          arguments: ["BTCUSDT", "ETHUSDT"])
    func spotLocalBook(symbol: String) {
        localBook(symbol: symbol, venue: .spot)
    }

    @Test("the futures procedure (drop u < lastUpdateId, first has U <= lastUpdateId <= u, pu chains) rebuilds it",
          arguments: ["BTCUSDT", "ETHUSDT"])
    func futuresLocalBook(symbol: String) {
        localBook(symbol: symbol, venue: .futures)
    }

    func localBook(symbol: String, venue: Venue) {
        var market = makeMarket(seed: 11)
        var buffered = run(&market, steps: 300)
        // The snapshot is taken while events keep arriving: the buffer holds some before it.
        let body = BinanceREST.depth(market, symbol: symbol, venue: venue, limit: 1000, nowMs: startMs + 30_000).body
        var parser = BinanceParser(symbols: testSymbols)
        guard case .depthSnapshot(let snap) = body.withUnsafeBytes({ parser.parse($0) }) else {
            Issue.record("snapshot did not parse")
            return
        }
        #expect((snap.eventTime != nil) == (venue == .futures))
        var book = LocalBook()
        book.apply(bids: Array(parser.bids), asks: Array(parser.asks))
        buffered += run(&market, steps: 700, from: startMs + 30_000)
        var bookId = snap.lastUpdateId
        var first = true
        var applied = 0
        for e in buffered {
            switch e {
            case .depthUpdate(let d) where d.symbol == symbol && d.venue == venue:
                if venue == .spot ? d.finalUpdateId <= bookId : d.finalUpdateId < bookId { continue }
                if first {
                    let target = venue == .spot ? bookId + 1 : bookId
                    #expect(d.firstUpdateId <= target && target <= d.finalUpdateId)
                    first = false
                } else if venue == .spot {
                    #expect(d.firstUpdateId == bookId + 1)
                } else {
                    #expect(d.previousFinalUpdateId == bookId)
                }
                book.apply(bids: d.bids, asks: d.asks)
                bookId = d.finalUpdateId
                applied += 1
                #expect(!book.crossed)
            case .bookTicker(let b) where b.symbol == symbol && b.venue == venue && !first:
                #expect(b.updateId == bookId)
                #expect(book.sortedBids.first == PriceLevel(price: b.bidPrice, quantity: b.bidQuantity))
                #expect(book.sortedAsks.first == PriceLevel(price: b.askPrice, quantity: b.askQuantity))
            default: break
            }
        }
        #expect(applied > 100)
        let truth = market.book(symbol: symbol, venue: venue)!
        #expect(book.sortedBids == truth.bids)
        #expect(book.sortedAsks == truth.asks)
        #expect(!truth.isCrossed)
    }

    @Test("the generator's book never crosses and every level sits on the tick and lot grid")
    func neverCrosses() {
        var market = makeMarket(seed: 12)
        for k in 0..<3_000 {
            _ = market.step(nowMs: startMs + Int64(k) * 100)
            for spec in specs {
                for venue in Venue.allCases {
                    let book = market.book(symbol: spec.symbol, venue: venue)!
                    let c = spec.contract(venue)
                    #expect(!book.isCrossed)
                    #expect(!book.bids.isEmpty && !book.asks.isEmpty)
                    for l in book.bids + book.asks {
                        #expect(l.price % c.tickSize == 0 && l.quantity % c.stepSize == 0 && l.quantity > 0)
                    }
                }
            }
        }
    }
}
