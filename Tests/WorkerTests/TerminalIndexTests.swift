import ShmRing
import Testing
@testable import Worker

/// The subscription index, the terminal requests and the worker's books, as values.
@Suite("Subscription index, terminal requests and local books")
struct TerminalIndexTests {
    @Test("the index keeps slots per (symbol, market), once each, and forgets a key with its last slot")
    func index() {
        var index = SubscriptionIndex()
        let added = [index.add(1, to: btcFutures), index.add(2, to: btcFutures), index.add(1, to: btcFutures), index.add(1, to: btcSpot)]
        #expect(added == [true, true, false, true])
        #expect(index.subscribers(of: btcFutures).sorted() == [1, 2] && index.subscribers(of: btcSpot) == [1])
        #expect(index.count(of: ethSpot) == 0 && index.subscribers(of: ethSpot).isEmpty)
        let left = [index.remove(1, from: btcFutures), index.remove(9, from: btcFutures)]
        #expect(left == [1, 1] && index.subscribers(of: btcFutures) == [2])
        let last = [index.remove(2, from: btcFutures), index.remove(1, from: btcSpot), index.remove(1, from: btcSpot)]
        #expect(last == [0, 0, 0] && index.isEmpty)
    }

    @Test("subscribe takes futures by default, a market by name in any case, and refuses another market or a market that is not a string")
    func parseMarkets() {
        func parse(_ text: String) -> Result<TerminalProtocol.Request, TerminalProtocol.ProtocolError> {
            TerminalProtocol.parse(Array(text.utf8))
        }
        #expect(parse(#"{"type":"subscribe","symbol":"btcusdt"}"#) == .success(.subscribe(symbol: "BTCUSDT", market: .futures)))
        #expect(parse(#"{"type":"subscribe","symbol":"BTCUSDT","market":"spot"}"#) == .success(.subscribe(symbol: "BTCUSDT", market: .spot)))
        #expect(parse(#"{"type":"subscribe","symbol":"BTCUSDT","market":"FUTURES"}"#) == .success(.subscribe(symbol: "BTCUSDT", market: .futures)))
        for bad in [#""options""#, "1", "false", #"{"m":"spot"}"#] {
            let result = parse(#"{"type":"subscribe","symbol":"BTCUSDT","market":\#(bad)}"#)
            #expect(result == .failure(.badMarket(symbol: "BTCUSDT")), "\(bad)")
        }
        #expect(parse(#"{"type":"unsubscribe","symbol":"ethusdt","market":"spot"}"#) == .success(.unsubscribe(symbol: "ETHUSDT")))
        #expect(parse(#"{"type":"subscribe"}"#) == .failure(.init("subscribe needs a symbol of letters and digits")))
        #expect(parse("[1]") == .failure(.init("invalid JSON")))
        #expect(TerminalProtocol.ProtocolError.badMarket(symbol: "X").reply == #"{"type":"error","message":"market must be \"spot\" or \"futures\"","symbol":"X"}"#)
    }

    @Test("an optional field sent as null counts as left out: market null is futures, channels and epoch with seq null are the plain subscribe; a required one stays required")
    func nullIsAbsent() {
        func parse(_ text: String) -> Result<TerminalProtocol.Request, TerminalProtocol.ProtocolError> {
            TerminalProtocol.parse(Array(text.utf8))
        }
        #expect(parse(#"{"type":"subscribe","symbol":"SOLUSDT","market":null}"#) == .success(.subscribe(symbol: "SOLUSDT", market: .futures)))
        #expect(parse(#"{"type":"subscribe","symbol":"SOLUSDT","market": null ,"channels":null,"epoch":null,"seq":null}"#)
                == .success(.subscribe(symbol: "SOLUSDT", market: .futures)))
        #expect(parse(#"{"type":"subscribe","symbol":"SOLUSDT","market":"spot","channels":["trades"],"epoch":null,"seq":null}"#)
                == .success(.subscribeChannels(.init(symbol: "SOLUSDT", market: .spot, channels: ["trades"], resume: nil))))
        #expect(parse(#"{"type":"subscribe","symbol":"SOLUSDT","channels":null,"epoch":5,"seq":7}"#)
                == .success(.subscribeChannels(.init(symbol: "SOLUSDT", market: .futures, channels: nil,
                                                     resume: ResumePoint(epoch: 5, sequence: 7)))))
        #expect(parse(#"{"type":"subscribe","symbol":"SOLUSDT","epoch":5,"seq":null}"#)
                == .failure(.init("resuming needs both epoch and seq", symbol: "SOLUSDT")))
        #expect(parse(#"{"type":"subscribe","symbol":null}"#) == .failure(.init("subscribe needs a symbol of letters and digits")))
        #expect(parse(#"{"type":null}"#) == .failure(.init("message has no string field \"type\"")))
        #expect(parse(#"{"type":"subscribe","symbol":"SOLUSDT","market":nul}"#) == .failure(.badMarket(symbol: "SOLUSDT")))
    }

    @Test("a book continues the chain by U ≤ id + 1 ≤ u or by futures' pu, skips what it holds, and stops at a gap")
    func chain() {
        var book = LocalBook()
        func apply(_ first: Int64, _ last: Int64, _ previous: Int64 = 0) -> LocalBook.DiffResult {
            book.apply(firstUpdateId: first, finalUpdateId: last, previousFinalUpdateId: previous, bids: [], asks: [])
        }
        #expect(apply(1, 2) == .waiting)
        book.replace(lastUpdateId: 10, bids: levels([(100, 1)]), asks: levels([(101, 1)]))
        let results = [apply(5, 10), apply(8, 12), apply(20, 25, 12)]
        #expect(results == [.stale, .applied, .applied] && book.lastUpdateId == 25)
        #expect(apply(30, 31, 28) == .gap)
        #expect(!book.synced && book.newestSeenUpdateId == 31)
        #expect(apply(32, 33, 31) == .waiting)
        #expect(book.newestSeenUpdateId == 33 && book.bids == levels([(100, 1)]), "a waiting book keeps what subscribers hold")
    }

    @Test("levels are set, replaced and removed in best-first order, and a side keeps only its best levels")
    func levelsAndCap() {
        var book = LocalBook()
        book.replace(lastUpdateId: 0, bids: levels([(100, 1), (98, 1)]), asks: levels([(101, 1), (0, 0)]))
        #expect(book.asks == levels([(101, 1)]), "zero quantities are not levels")
        _ = book.apply(firstUpdateId: 1, finalUpdateId: 1, previousFinalUpdateId: 0,
                       bids: levels([(99, 5), (100, 0), (98, 2), (97, 0)]), asks: levels([(103, 1), (102, 1)]))
        #expect(book.bids == levels([(99, 5), (98, 2)]) && book.asks == levels([(101, 1), (102, 1), (103, 1)]))
        let many = (0..<Int64(LocalBook.maxLevels + 10)).map { BookLevel(price: 1_000 + $0, quantity: 1) }
        _ = book.apply(firstUpdateId: 2, finalUpdateId: 2, previousFinalUpdateId: 0, bids: [], asks: many)
        #expect(book.asks.count == LocalBook.maxLevels && book.asks.first?.price == 1_000)
        #expect(book.asks.last?.price == 1_000 + Int64(LocalBook.maxLevels) - 1)
    }

    @Test("a snapshot's side is the new levels merged best first with zeros for the old levels it lacks")
    func merge() {
        var out: [BookLevel] = []
        LocalBook.merge(new: levels([(100, 2), (98, 1)]), old: levels([(101, 1), (100, 1), (99, 1)]), better: >, into: &out)
        #expect(out == levels([(101, 0), (100, 2), (99, 0), (98, 1)]))
        LocalBook.merge(new: levels([(5, 1)]), old: [], better: <, into: &out)
        #expect(out == levels([(5, 1)]))
    }
}
