import Foundation
import Market
import ShmRing
import Testing
@testable import Worker

/// `/websocket/kline` and `/websocket/trades` over a real segment: Binance's fields the state
/// tables keep, trade ids included.
@Suite("Live REST routes: Binance's trade ids")
struct MarketRESTLiveTests {
    typealias Fixture = MarketRESTTests.Fixture
    static let t0 = MarketRESTTests.t0
    static let minute = MarketRESTTests.minute

    /// A minute candle with `count` trades and the given ids (the rest as `Fixture.minute`).
    static func candle(_ i: Int64, count: Int64, first: Int64, last: Int64) -> Candle {
        Candle(openTimeMs: t0 + i * minute, closeTimeMs: t0 + (i + 1) * minute - 1, firstTradeId: first, lastTradeId: last,
               open: Fixed.scale, high: Fixed.scale, low: Fixed.scale, close: Fixed.scale, volume: count * Fixed.scale,
               quoteVolume: count * Fixed.scale, tradeCount: count, takerBuyBase: 0, takerBuyQuote: 0, closed: true)
    }

    static func kline(_ f: Fixture, _ target: String) throws -> [String: Any] {
        try #require(try f.json(target)["kline"] as? [String: Any])
    }

    @Test("kline: every field of Binance's k object, with the candle's first and last trade ids")
    func klineFields() throws {
        let f = try Fixture()
        for i in 0..<5 { f.minute(Int64(i), closed: i < 4) }
        let k = try Self.kline(f, "/api/v1/websocket/kline/btcusdt/1m")
        #expect(Set(k.keys) == ["t", "T", "s", "i", "f", "L", "o", "c", "h", "l", "v", "n", "x", "q", "V", "Q", "B"])
        #expect(k["t"] as? Int64 == Self.t0 + 4 * Self.minute && k["s"] as? String == "BTCUSDT" && k["i"] as? String == "1m")
        #expect(k["f"] as? Int64 == 5_000 && k["L"] as? Int64 == 5_004 && k["n"] as? Int64 == 5)
        #expect(k["x"] as? Bool == false && k["B"] as? String == "0")
        #expect((k["o"] as? String).flatMap(Double.init) == 104 && (k["V"] as? String).flatMap(Double.init) == 2.5)
    }

    @Test("kline built from base candles: first id of the first part with trades, last of the last; -1 where not kept")
    func builtKlineIds() throws {
        let f = try Fixture()
        for i in 0..<6 { f.minute(Int64(i)) }
        var k = try Self.kline(f, "/api/v1/websocket/kline/BTCUSDT/3m")
        // Minutes 3, 4, 5: ids 4000…4003, 5000…5004, 6000…6005.
        #expect(k["t"] as? Int64 == Self.t0 + 3 * Self.minute && k["f"] as? Int64 == 4_000 && k["L"] as? Int64 == 6_005)
        #expect(k["n"] as? Int64 == 15 && k["x"] as? Bool == true)
        let m1 = KlineInterval.m1.rawValue
        // A minute without trades, then one with: the first id is the later one's.
        f.tables.updateCandle(symbolIndex: 0, market: .futures, interval: m1,
                              candle: Self.candle(6, count: 0, first: Candle.noTrade, last: Candle.noTrade))
        f.tables.updateCandle(symbolIndex: 0, market: .futures, interval: m1, candle: Self.candle(7, count: 2, first: 70, last: 71))
        k = try Self.kline(f, "/api/v1/websocket/kline/BTCUSDT/3m")
        #expect(k["f"] as? Int64 == 70 && k["L"] as? Int64 == 71 && k["n"] as? Int64 == 2)
        // A back-filled minute (REST klines rows carry no ids) before it: its first id is not known.
        f.tables.updateCandle(symbolIndex: 0, market: .futures, interval: m1,
                              candle: Self.candle(6, count: 3, first: Candle.noTrade, last: Candle.noTrade))
        k = try Self.kline(f, "/api/v1/websocket/kline/BTCUSDT/3m")
        #expect(k["f"] as? Int64 == -1 && k["L"] as? Int64 == 71 && k["n"] as? Int64 == 5)
        // Only back-filled minutes: no ids at all, as Binance's "none".
        f.tables.updateCandle(symbolIndex: 0, market: .futures, interval: m1,
                              candle: Self.candle(9, count: 4, first: Candle.noTrade, last: Candle.noTrade))
        k = try Self.kline(f, "/api/v1/websocket/kline/BTCUSDT/1m")
        #expect(k["f"] as? Int64 == -1 && k["L"] as? Int64 == -1 && k["n"] as? Int64 == 4)
    }

    @Test("futures trades are aggTrade objects with their first and last trade ids and event time; spot trades have neither")
    func tradeIds() throws {
        let f = try Fixture()
        for i in Int64(0)..<3 {
            f.tables.updateTrade(AggTradeRecord(symbolIndex: 0, flags: RecordFlags.futures, price: (100 + i) * Fixed.scale,
                                                quantity: Fixed.scale, aggregateId: 500 + i, firstTradeId: 7_000 + 10 * i,
                                                lastTradeId: 7_003 + 10 * i, tradeTimeMs: Self.t0 + i, eventTimeMs: Self.t0 + i + 5,
                                                receivedNs: 0))
            f.tables.updateTrade(TradeRecord(symbolIndex: 0, flags: 0, price: (100 + i) * Fixed.scale, quantity: Fixed.scale,
                                             tradeId: 900 + i, tradeTimeMs: Self.t0 + i, receivedNs: 0))
        }
        let futures = try #require(try f.json("/api/v1/websocket/trades/BTCUSDT?limit=2")["trades"] as? [[String: Any]])
        #expect(futures.count == 2)
        #expect(futures.map { $0["e"] as? String } == ["aggTrade", "aggTrade"])
        #expect(futures.map { $0["a"] as? Int64 } == [501, 502] && futures.map { $0["t"] == nil } == [true, true])
        #expect(futures.map { $0["f"] as? Int64 } == [7_010, 7_020] && futures.map { $0["l"] as? Int64 } == [7_013, 7_023])
        #expect(futures.map { $0["E"] as? Int64 } == [Self.t0 + 6, Self.t0 + 7])
        #expect(futures.map { $0["T"] as? Int64 } == [Self.t0 + 1, Self.t0 + 2])
        let spot = try #require(try f.json("/api/v1/websocket/trades/BTCUSDT?market=spot")["trades"] as? [[String: Any]])
        #expect(spot.map { $0["t"] as? Int64 } == [900, 901, 902] && spot.allSatisfy { $0["e"] as? String == "trade" })
        #expect(spot.allSatisfy { $0["f"] == nil && $0["l"] == nil && $0["a"] == nil })
        #expect(spot.map { $0["E"] as? Int64 } == spot.map { $0["T"] as? Int64 })
    }
}
