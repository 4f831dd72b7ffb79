@testable import Market
@testable import Simulator
import Testing

@Suite("Stream names and the order book ladder")
struct StreamNameTests {
    @Test("stream names are the lower-case symbol and Binance's suffixes")
    func names() {
        var market = makeMarket(seed: 2)
        let events = run(&market, steps: 600)
        var names = Set<String>()
        for e in events { names.formUnion(BinanceFrames.streams(for: e)) }
        for n in ["btcusdt@trade", "btcusdt@aggTrade", "btcusdt@depth@100ms", "btcusdt@bookTicker", "btcusdt@ticker",
                  "btcusdt@kline_1m", "btcusdt@kline_5m", "btcusdt@kline_15m", "btcusdt@kline_1h", "btcusdt@kline_4h",
                  "btcusdt@kline_1d", "btcusdt@markPrice", "ethusdt@markPrice", "!forceOrder@arr"] {
            #expect(names.contains(n), "missing \(n)")
        }
        let symbols = names.filter { !$0.hasPrefix("!") }.map { String($0.split(separator: "@")[0]) }
        #expect(symbols.allSatisfy { $0 == $0.lowercased() })
    }

    @Test("setting a level inserts in price order, replaces, and quantity zero removes it")
    func ladder() {
        var book = SimOrderBook()
        book.set(bid: true, price: 100, quantity: 1)
        book.set(bid: true, price: 300, quantity: 3)
        book.set(bid: true, price: 200, quantity: 2)
        book.set(bid: false, price: 500, quantity: 5)
        book.set(bid: false, price: 400, quantity: 4)
        book.set(bid: true, price: 200, quantity: 7)
        book.set(bid: true, price: 100, quantity: 0)
        book.set(bid: false, price: 999, quantity: 0)  // removing an unknown level is a no-op
        #expect(book.bids == [PriceLevel(price: 300, quantity: 3), PriceLevel(price: 200, quantity: 7)])
        #expect(book.asks == [PriceLevel(price: 400, quantity: 4), PriceLevel(price: 500, quantity: 5)])
        #expect(!book.isCrossed)
        book.set(bid: true, price: 400, quantity: 1)
        #expect(book.isCrossed)
    }
}
