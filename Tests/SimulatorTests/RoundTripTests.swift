@testable import Market
@testable import Simulator
import Testing

@Suite("Every generated frame parses back to the generator's values")
struct RoundTripTests {
    @Test("every event type, spot and futures, raw and combined, parses to exactly the generated values")
    func everyFrameRoundTrips() {
        var market = makeMarket()
        market.inject(.malformedFrame, symbol: "BTCUSDT", venue: .spot)
        let events = run(&market, steps: 1_300)  // 130 s: two 1m closes
        var parser = BinanceParser(symbols: testSymbols)
        var seen = Set<String>()
        for e in events {
            seen.insert(kind(e))
            for combined in [false, true] {
                let frame = BinanceFrames.frame(e, stream: combined ? BinanceFrames.stream(for: e) : nil, specs: specs)
                let parsed = frame.withUnsafeBytes { parser.parse($0) }
                if case .malformed = e {
                    guard case .malformed = parsed else { Issue.record("fault frame parsed: \(parsed)"); continue }
                    continue
                }
                #expect(parsed == expected(e), "\(String(decoding: frame, as: UTF8.self))")
                if case .depthUpdate(let d) = e {
                    #expect(Array(parser.bids) == d.bids)
                    #expect(Array(parser.asks) == d.asks)
                }
            }
        }
        for k in ["trade/spot", "trade/futures", "aggTrade/spot", "aggTrade/futures", "depth/spot", "depth/futures",
                  "bookTicker/spot", "bookTicker/futures", "kline/spot/false", "kline/spot/true", "kline/futures/true",
                  "ticker/spot", "ticker/futures", "markPrice", "forceOrder", "malformed"] {
            #expect(seen.contains(k), "no \(k) generated")
        }
    }

    @Test("liquidations are also published on the all-market stream")
    func forceOrderStreams() {
        var market = makeMarket()
        let events = run(&market, steps: 600)
        let f = events.first { if case .forceOrder = $0 { true } else { false } }
        #expect(f != nil)
        if let f {
            #expect(BinanceFrames.streams(for: f) == ["\(symbolName(f).lowercased())@forceOrder", "!forceOrder@arr"])
        }
    }

    func symbolName(_ e: SimEvent) -> String {
        if case .forceOrder(let f) = e { return f.symbol }
        return ""
    }

    @Test("frames have Binance's exact shapes: strings for decimals, spot and futures field sets")
    func exactShapes() {
        let spotTrade = SimEvent.trade(SimTrade(venue: .spot, symbol: "BTCUSDT", eventTime: 2, tradeTime: 1, tradeId: 7,
                                                price: 6_183_763_000_000, quantity: 2_000_000, buyerIsMaker: true))
        #expect(text(spotTrade, stream: "btcusdt@trade") ==
            #"{"stream":"btcusdt@trade","data":{"e":"trade","E":2,"s":"BTCUSDT","t":7,"p":"61837.63000000","#
            + #""q":"0.02000000","T":1,"m":true,"M":true}}"#)
        let futuresTrade = SimEvent.trade(SimTrade(venue: .futures, symbol: "BTCUSDT", eventTime: 2, tradeTime: 1,
                                                   tradeId: 7, price: 6_180_030_000_000, quantity: 600_000,
                                                   buyerIsMaker: false))
        #expect(text(futuresTrade, stream: nil) ==
            #"{"e":"trade","E":2,"T":1,"s":"BTCUSDT","t":7,"p":"61800.30","q":"0.006","X":"MARKET","m":false}"#)
        let spotTicker = SimEvent.bookTicker(SimBookTicker(venue: .spot, symbol: "BTCUSDT", eventTime: 5,
                                                           transactionTime: 5, updateId: 9, bidPrice: 100_000_000,
                                                           bidQuantity: 1, askPrice: 200_000_000, askQuantity: 2))
        #expect(text(spotTicker, stream: nil) ==
            #"{"u":9,"s":"BTCUSDT","b":"1.00000000","B":"0.00000001","a":"2.00000000","A":"0.00000002"}"#)
        let depth = SimEvent.depthUpdate(SimDepthUpdate(
            venue: .futures, symbol: "ETHUSDT", eventTime: 3, transactionTime: 2, firstUpdateId: 10, finalUpdateId: 12,
            previousFinalUpdateId: 9, bids: [PriceLevel(price: 300_000_000_000, quantity: 0)], asks: []))
        #expect(text(depth, stream: "ethusdt@depth@100ms") ==
            #"{"stream":"ethusdt@depth@100ms","data":{"e":"depthUpdate","E":3,"T":2,"s":"ETHUSDT","U":10,"u":12,"#
            + #""pu":9,"b":[["3000.00","0.000"]],"a":[]}}"#)
    }

    func text(_ e: SimEvent, stream: String?) -> String {
        String(decoding: BinanceFrames.frame(e, stream: stream, specs: specs), as: UTF8.self)
    }
}
