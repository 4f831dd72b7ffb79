import Foundation
import Testing
@testable import Market

func text(_ out: JSONBytes) -> String { String(decoding: out.bytes, as: UTF8.self) }

func object(_ out: JSONBytes) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(out.bytes)) as? [String: Any])
}

@Suite("Terminal protocol messages")
struct TerminalMessagesTests {
    @Test("trade_update has the contract's fields, numbers as JSON numbers, and the ring sequence")
    func trade() throws {
        var out = JSONBytes()
        TerminalMessages.tradeUpdate(&out, symbol: "BTCUSDT", price: 10_897_179_000_000, quantity: 10_000_000, buyerIsMaker: false,
                                     tradeTimeMs: 1_748_109_720_123, timestampMs: 1_748_109_720_200, sequence: 42)
        #expect(text(out) == #"{"type":"trade_update","symbol":"BTCUSDT","price":108971.79,"quantity":0.1,"is_buyer_maker":false,"trade_time":1748109720123,"timestamp":1748109720200,"seq":42}"#)
        let o = try object(out)
        #expect(o["price"] as? Double == 108971.79)
        #expect(o["is_buyer_maker"] as? Bool == false)
    }

    @Test("price_update carries price, change, changePercent and volume as numbers")
    func price() throws {
        var out = JSONBytes()
        TerminalMessages.priceUpdate(&out, symbol: "ETHUSDT", price: 250_000_000_000, change: -12_744_000_000, changePercent: 11_700_000,
                                     volume: 1_284_512_300_000, timestampMs: 5, sequence: nil)
        let o = try object(out)
        #expect(o["type"] as? String == "price_update")
        #expect(o["change"] as? Double == -127.44)
        #expect(o["changePercent"] as? Double == 0.117)
        #expect(o["volume"] as? Double == 12845.123)
        #expect(o["seq"] == nil)
    }

    @Test("depth_update levels are [priceString, qtyString] pairs, a zero quantity printed as \"0\"")
    func depth() throws {
        var out = JSONBytes()
        let bids = [PriceLevel(price: 10_890_000_000_000, quantity: 123_400_000), PriceLevel(price: 10_889_950_000_000, quantity: 0)]
        let asks = [PriceLevel(price: 10_890_100_000_000, quantity: 89_000_000)]
        bids.withUnsafeBufferPointer { b in
            asks.withUnsafeBufferPointer { a in
                TerminalMessages.depthUpdate(&out, symbol: "BTCUSDT", bids: b, asks: a, timestampMs: 7, sequence: 9)
            }
        }
        #expect(text(out).contains(#""bids":[["108900","1.234"],["108899.5","0"]],"asks":[["108901","0.89"]]"#))
        _ = try object(out)
    }

    @Test("kline, mark price and liquidation updates parse as JSON with the contract's keys")
    func others() throws {
        var out = JSONBytes()
        let bar = KlineBar(openTime: 60_000, closeTime: 119_999, open: 100, high: 200, low: 50, close: 150, volume: 1,
                           quoteVolume: 0, tradeCount: 3, takerBuyBase: 0, takerBuyQuote: 0)
        TerminalMessages.klineUpdate(&out, symbol: "BTCUSDT", interval: .m1, bar: bar, closed: true, timestampMs: 1, sequence: 1)
        let k = try object(out)
        #expect(k["interval"] as? String == "1m")
        #expect(k["is_closed"] as? Bool == true)
        for key in ["open", "high", "low", "close", "volume", "start_time", "end_time", "timestamp"] { #expect(k[key] is NSNumber, "\(key)") }
        out.removeAll()
        TerminalMessages.markPriceUpdate(&out, symbol: "BTCUSDT", markPrice: 10_890_345_000_000, fundingRate: 10_000,
                                         nextFundingTimeMs: 9, timestampMs: 1, sequence: nil)
        #expect(try object(out)["funding_rate"] as? Double == 0.0001)
        out.removeAll()
        TerminalMessages.liquidationUpdate(&out, symbol: "BTCUSDT", side: .sell, averagePrice: 10_944_070_000_000,
                                           orderPrice: 10_986_230_000_000, quantity: 600_000, tradeTimeMs: 3, status: "FILLED",
                                           timestampMs: 4, sequence: 5)
        let l = try object(out)
        #expect(l["side"] as? String == "SELL")
        #expect(l["order_price"] as? String == "109862.3")
        #expect(l["price"] as? Double == 109440.7)
        #expect(l["order_status"] as? String == "FILLED")
    }

    @Test("fixed-point numbers print with trailing zeros trimmed, including negatives and the extremes")
    func numbers() {
        let cases: [(Int64, String)] = [(0, "0"), (1, "0.00000001"), (-1, "-0.00000001"), (99, "0.00000099"), (100_000_000, "1"),
                                        (-50_000_000, "-0.5"), (123_456_789_012, "1234.56789012"),
                                        (Int64.max, "92233720368.54775807"), (Int64.min + 1, "-92233720368.54775807")]
        for (v, expected) in cases {
            var out = JSONBytes()
            out.fixed(v)
            #expect(text(out) == expected)
        }
        var out = JSONBytes()
        out.integer(Int64.min)
        #expect(text(out) == "-9223372036854775808")
    }

    @Test("strings are escaped")
    func escaping() {
        var out = JSONBytes()
        out.string("a\"b\\c\n\u{1}")
        #expect(text(out) == #""a\"b\\c\n\u0001""#)
    }
}
