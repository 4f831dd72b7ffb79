import Testing
@testable import Analytics

@Suite("Cumulative volume delta")
struct CVDTests {
    @Test("candle deltas are taker buys minus taker sells, summed in time order")
    func fromCandles() {
        let candles = [
            Fixture.candle(120_000, low: 1, high: 2, volume: 5, takerBuy: 5),
            Fixture.candle(0, low: 1, high: 2, volume: 10, takerBuy: 6),
            Fixture.candle(60_000, low: 1, high: 2, volume: 4, takerBuy: 1),
            Fixture.candle(90_000, low: 1, high: 2, volume: .nan, takerBuy: 1),
        ]
        let series = CVDSeries(candles: candles, symbol: "BTCUSDT", interval: "1m")
        #expect(series.points.map(\.timeMs) == [0, 60_000, 120_000])
        #expect(series.points.map(\.delta) == [2, -2, 5])
        #expect(series.points.map(\.cvd) == [2, 0, 5])
        #expect(series.skipped == 1)
    }

    @Test("trades sum per time bucket; empty buckets are absent")
    func fromTrades() {
        let trades = [
            Fixture.buy(1000, 100, 1), Fixture.sell(2000, 100, 3), Fixture.buy(61_000, 100, 2), Fixture.buy(200_000, 100, 0.5),
        ]
        let series = CVDSeries(trades: trades.reversed(), symbol: "BTCUSDT", interval: "1m", intervalMs: 60_000)
        #expect(series.points.map(\.timeMs) == [0, 60_000, 180_000])
        #expect(series.points.map(\.delta) == [-2, 2, 0.5])
        #expect(series.points.map(\.cvd) == [-2, 0, 0.5])
        #expect(encoded(series.appendJSON) == #"{"symbol":"BTCUSDT","interval":"1m","d":[{"t":0,"delta":-2.0,"cvd":-2.0},"#
            + #"{"t":60000,"delta":2.0,"cvd":0.0},{"t":180000,"delta":0.5,"cvd":0.5}],"n":3}"#)
    }

    @Test("no input, or a zero interval, gives an empty series")
    func empty() {
        #expect(CVDSeries(candles: [], symbol: "X", interval: "1m").points.isEmpty)
        #expect(CVDSeries(trades: [Fixture.buy(1, 1, 1)], symbol: "X", interval: "1m", intervalMs: 0).points.isEmpty)
        #expect(encoded(CVDSeries(candles: [], symbol: "X", interval: "1m").appendJSON) ==
            #"{"symbol":"X","interval":"1m","d":[],"n":0}"#)
    }
}
