import Testing
@testable import Analytics

@Suite("Volume profile")
struct VolumeProfileTests {
    private func profile(_ candles: [CandleSample], tick: Double? = nil) -> VolumeProfile {
        VolumeProfile(candles: candles, symbol: "BTCUSDT", startMs: 1000, endMs: 2000,
                      options: VolumeProfileOptions(tickSize: tick))
    }

    private func level(_ p: VolumeProfile, at price: Double) -> VolumeLevel? {
        p.levels.first { $0.price == price }
    }

    @Test("a candle's volume spreads over its range in proportion to each row's overlap")
    func uniformSpreading() throws {
        // [100.25, 101.75] over rows of 0.5: overlaps 0.25, 0.5, 0.5, 0.25 of a 1.5 range.
        let p = profile([Fixture.candle(low: 100.25, high: 101.75, volume: 6, takerBuy: 1.5)], tick: 0.5)
        #expect(p.tickSize == 0.5)
        #expect(p.levels.map(\.price) == [100.5, 101.0, 100.0, 101.5])
        #expect(p.levels.map(\.volume) == [2, 2, 1, 1])
        #expect(p.levels.map(\.buyVolume) == [0.5, 0.5, 0.25, 0.25])
        #expect(p.levels.map(\.sellVolume) == [1.5, 1.5, 0.75, 0.75])
        #expect(p.totalVolume == 6)
    }

    @Test("a high exactly on a row boundary does not reach into the row above")
    func boundaryHigh() {
        let p = profile([Fixture.candle(low: 100, high: 101, volume: 4, takerBuy: 2)], tick: 0.5)
        #expect(p.levels.map(\.price) == [100.0, 100.5])
        #expect(p.levels.map(\.volume) == [2, 2])
    }

    @Test("a flat candle of a low-priced coin keeps all its volume in one row")
    func flatCandle() throws {
        let p = profile([Fixture.flat(0.3512, volume: 1000, takerBuy: 400)])
        let only = try #require(p.levels.first)
        #expect(p.levels.count == 1)
        #expect(only.price == 0.3512)
        #expect((only.volume, only.buyVolume, only.sellVolume, only.percent) == (1000, 400, 600, 100))
        #expect((p.poc, p.valueAreaLow, p.valueAreaHigh) == (0.3512, 0.3512, 0.3512))
    }

    @Test("narrow candles of a coin near 0.35 all count (the original dropped them)")
    func lowPricedRanges() {
        let candles = (0..<10).map { i in
            Fixture.candle(Int64(i) * 60_000, low: 0.35 + Double(i) * 0.0001, high: 0.3503 + Double(i) * 0.0001,
                           volume: 100, takerBuy: 50)
        }
        let p = profile(candles)
        #expect(abs(p.totalVolume - 1000) < 1e-9)
        #expect(p.levels.count > 1)
        #expect(p.levels.count <= 142)
    }

    @Test("POC and contiguous value area of the volumes [1,2,5,10,4,3,1] at 100…106")
    func valueArea() {
        let volumes: [Double] = [1, 2, 5, 10, 4, 3, 1]
        let p = profile(volumes.enumerated().map { Fixture.flat(100 + Double($0), volume: $1) }, tick: 1)
        #expect((p.poc, p.valueAreaLow, p.valueAreaHigh, p.valueAreaPercent) == (103, 102, 104, 70))
        #expect(p.levels.map(\.price) == [103, 102, 104, 105, 101, 100, 106])
        #expect(abs(p.levels[0].percent - 1000.0 / 26) < 1e-12)
    }

    @Test("trades land in the exact row of their price, split by aggressor")
    func fromTrades() throws {
        let trades = [Fixture.buy(1, 100.1, 1), Fixture.sell(2, 100.1, 2), Fixture.buy(3, 100.3, 0.5)]
        let p = VolumeProfile(trades: trades, symbol: "BTCUSDT", startMs: 0, endMs: 10,
                              options: VolumeProfileOptions(tickSize: 0.1))
        #expect(p.levels.count == 2)
        let top = try #require(level(p, at: 100.1))
        #expect((top.volume, top.buyVolume, top.sellVolume) == (3, 1, 2))
        #expect(level(p, at: 100.3)?.buyVolume == 0.5)
        #expect(p.poc == 100.1)
    }

    @Test("no candles give no levels and zero POC and value area")
    func empty() {
        let p = profile([])
        #expect(p.levels.isEmpty)
        #expect((p.poc, p.valueAreaLow, p.valueAreaHigh, p.tickSize) == (0, 0, 0, 0))
        #expect(encoded(p.appendJSON) ==
            #"{"s":"BTCUSDT","st":1000,"et":2000,"l":[],"poc":0.0,"vah":0.0,"val":0.0,"vav":70.0,"tick":0.0}"#)
    }

    @Test("candles with zero volume give no levels")
    func zeroVolume() {
        #expect(profile([Fixture.flat(100, volume: 0)]).levels.isEmpty)
    }

    @Test("NaN, infinite, negative and inconsistent candles are skipped and counted")
    func badCandles() {
        let bad = [
            Fixture.candle(low: 100, high: .nan, volume: 1, takerBuy: 0),
            Fixture.candle(low: 100, high: 101, volume: -1, takerBuy: 0),
            Fixture.candle(low: 102, high: 101, volume: 1, takerBuy: 0),
            Fixture.candle(low: 100, high: 101, volume: 1, takerBuy: 2),
            Fixture.candle(low: -5, high: 101, volume: 1, takerBuy: 0),
            Fixture.candle(low: 100, high: .infinity, volume: 1, takerBuy: 0),
        ]
        let p = profile(bad + [Fixture.flat(100, volume: 3)])
        #expect(p.skipped == 6)
        #expect(p.levels.map(\.volume) == [3])
        #expect(profile(bad).levels.isEmpty)
    }

    @Test("the JSON has the API's keys plus bv, sv and tick")
    func json() {
        let p = profile([Fixture.flat(100, volume: 2, takerBuy: 0.5)], tick: 1)
        #expect(encoded(p.appendJSON) == #"{"s":"BTCUSDT","st":1000,"et":2000,"l":[{"p":100.0,"v":2.0,"pct":100.0,"#
            + #""bv":0.5,"sv":1.5}],"poc":100.0,"vah":100.0,"val":100.0,"vav":70.0,"tick":1.0}"#)
    }

    @Test("a day of 1m candles parses back as a consistent profile of about 100 rows")
    func dayOfCandles() throws {
        let candles = (0..<1440).map { i -> CandleSample in
            let mid = 108_000 + 2.5 * Double(abs(i % 400 - 200)) // a triangle wave
            return Fixture.candle(Int64(i) * 60_000, low: mid - 20, high: mid + 25, volume: 10 + Double(i % 7), takerBuy: 6)
        }
        let p = profile(candles)
        let json = try parsed(p.appendJSON)
        let levels = try #require(json["l"] as? [[String: Any]])
        #expect(levels.count == p.levels.count)
        #expect(levels.count > 70 && levels.count <= 142)
        let pcts = levels.compactMap { $0["pct"] as? Double }
        #expect(abs(pcts.reduce(0, +) - 100) < 1e-9)
        #expect(abs(p.totalVolume - candles.reduce(0) { $0 + $1.volume }) < 1e-6)
        #expect(p.valueAreaLow <= p.poc && p.poc <= p.valueAreaHigh)
        let inside = p.levels.filter { $0.price >= p.valueAreaLow && $0.price <= p.valueAreaHigh }
        #expect(inside.reduce(0) { $0 + $1.volume } >= 0.7 * p.totalVolume)
        #expect(json["poc"] as? Double == p.poc)
    }
}
