import Testing
@testable import Analytics

@Suite("Footprint")
struct FootprintTests {
    private let trades = [
        Fixture.buy(60_000, 100.0, 1), Fixture.sell(60_001, 100.0, 2), Fixture.buy(60_002, 100.5, 3),
        Fixture.sell(60_003, 99.5, 0.5), Fixture.buy(119_999, 100.0, 1), Fixture.sell(120_000, 101.0, 4),
    ]

    private func footprint(_ trades: [TradeSample], limit: Int? = nil) -> Footprint {
        Footprint(trades: trades, symbol: "BTCUSDT", interval: "1m", intervalMs: 60_000, tickSize: 0.5, limit: limit)
    }

    @Test("trades split into buy, sell and delta per price row, highest price first")
    func levels() throws {
        let f = footprint(trades)
        #expect(f.candles.map(\.timeMs) == [60_000, 120_000])
        let first = f.candles[0]
        #expect(first.levels.map(\.price) == [100.5, 100.0, 99.5])
        #expect(first.levels.map(\.buyVolume) == [3, 2, 0])
        #expect(first.levels.map(\.sellVolume) == [0, 2, 0.5])
        #expect(first.levels.map(\.delta) == [3, 0, -0.5])
        #expect((first.buyVolume, first.sellVolume, first.delta) == (5, 2.5, 2.5))
        #expect(first.poc == 100.0)
        #expect((f.candles[1].delta, f.candles[1].poc) == (-4, 101.0))
    }

    @Test("unsorted trades give the same footprint")
    func unsorted() {
        #expect(footprint(trades.reversed()) == footprint(trades))
    }

    @Test("limit keeps the newest candles")
    func limit() {
        #expect(footprint(trades, limit: 1).candles.map(\.timeMs) == [120_000])
    }

    @Test("the automatic tick is a nice step over the request's price range")
    func automaticTick() {
        let f = Footprint(trades: trades, symbol: "BTCUSDT", interval: "1m", intervalMs: 60_000)
        #expect(f.tickSize == 0.02) // 1.5 / 100 = 0.015 is nearer 0.02 than 0.01
        #expect(f.candles[0].levels.count == 3)
    }

    @Test("bad trades are skipped and counted; no trades or a zero interval give no candles")
    func badInput() {
        let bad = [Fixture.buy(1, .nan, 1), Fixture.sell(1, 100, -1), Fixture.buy(-5, 100, 1), Fixture.buy(1, 100, .infinity)]
        #expect(footprint(bad).skipped == 4)
        #expect(footprint(bad).candles.isEmpty)
        #expect(footprint([]).candles.isEmpty)
        let zero = Footprint(trades: trades, symbol: "BTCUSDT", interval: "1m", intervalMs: 0)
        #expect(zero.candles.isEmpty)
        #expect(encoded(footprint([]).appendJSON) == #"{"symbol":"BTCUSDT","interval":"1m","data":[],"count":0}"#)
    }

    @Test("the JSON matches the API's footprint shape")
    func json() {
        #expect(encoded(footprint(trades, limit: 1).appendJSON) == #"{"symbol":"BTCUSDT","interval":"1m","data":[{"t":120000,"#
            + #""l":[{"p":101.0,"bv":0.0,"sv":4.0,"d":-4.0}],"tbv":0.0,"tsv":4.0,"td":-4.0,"poc":101.0}],"count":1}"#)
    }
}
