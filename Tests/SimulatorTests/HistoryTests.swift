@testable import Market
@testable import Simulator
import Testing

@Suite("Candle history before the first step")
struct HistoryTests {
    /// 42 s into the minute that `startMs` opens (which is 54 minutes into its hour).
    static let now = startMs + 42_000
    static let intervals = KlineInterval.allCases.filter { $0 != .M1 }

    func market(seed: UInt64 = 9, minutes: Int = 1_500) -> SimulatedMarket {
        var config = SimConfig(seed: seed)
        config.klineIntervals = Self.intervals
        var m = SimulatedMarket(config: config)
        m.generateHistory(minutes: minutes, nowMs: Self.now, stepsPerMinute: 1_200)
        return m
    }

    /// The bar of `ms` at `openTime` folded by hand from the 1m bars inside it (a week of quote
    /// volume can pass Int64.max: it pins there).
    func fold(_ minutes: [SimBar], openTime: Int64, ms: Int64) -> SimBar? {
        // The 1m bars are contiguous (checked apart), so the ones inside are a slice.
        guard let base = minutes.first?.openTime else { return nil }
        let from = Int(max(0, (openTime - base) / 60_000)), to = Int(max(0, (openTime + ms - base) / 60_000))
        let inside = minutes[min(from, minutes.count)..<min(to, minutes.count)]
        guard let first = inside.first, let last = inside.last else { return nil }
        var bar = SimBar(openTime: openTime, intervalMs: ms, price: first.open)
        bar.high = inside.map(\.high).max()!
        bar.low = inside.map(\.low).min()!
        bar.close = last.close
        bar.volume = inside.reduce(0) { $0.saturatingSum($1.volume) }
        bar.quoteVolume = inside.reduce(0) { $0.saturatingSum($1.quoteVolume) }
        bar.tradeCount = inside.reduce(0) { $0 + $1.tradeCount }
        bar.takerBuyBase = inside.reduce(0) { $0.saturatingSum($1.takerBuyBase) }
        bar.takerBuyQuote = inside.reduce(0) { $0.saturatingSum($1.takerBuyQuote) }
        bar.firstTradeId = inside.first { $0.tradeCount > 0 }?.firstTradeId ?? -1
        bar.lastTradeId = inside.last { $0.tradeCount > 0 }?.lastTradeId ?? -1
        return bar
    }

    /// Every bar of every interval of at least a minute equals the fold of its 1m bars, and
    /// the bars follow each other with no gap up to the one open at `nowMs`.
    func expectConsistent(_ m: SimulatedMarket, nowMs: Int64) {
        for spec in specs {
            for venue in Venue.allCases {
                let minutes = m.bars(symbol: spec.symbol, venue: venue, interval: .m1)!
                for interval in Self.intervals {
                    guard let ms = intervalMilliseconds(interval), ms >= 60_000 else { continue }
                    let bars = m.bars(symbol: spec.symbol, venue: venue, interval: interval)!
                    #expect(bars.last?.openTime == nowMs - nowMs % ms, "\(interval.name)")
                    for (k, b) in bars.enumerated() {
                        if k > 0 { #expect(b.openTime == bars[k - 1].openTime + ms) }
                        let folded = fold(minutes, openTime: b.openTime, ms: ms)
                        #expect(b == folded, "\(spec.symbol) \(venue) \(interval.name) \(k)")
                    }
                }
            }
        }
    }

    @Test("1m history: closed bars back from the current minute, contiguous, each opening at the previous close")
    func minuteBars() {
        let m = market()
        for spec in specs {
            for venue in Venue.allCases {
                let c = spec.contract(venue)
                let bars = m.bars(symbol: spec.symbol, venue: venue, interval: .m1)!
                #expect(bars.count == 1_501)
                for (k, b) in bars.enumerated() {
                    #expect(b.openTime == startMs - Int64(1_500 - k) * 60_000)
                    #expect(b.closeTime == b.openTime + 59_999)
                    #expect(b.high >= max(b.open, b.close) && b.low <= min(b.open, b.close) && b.low > 0)
                    #expect([b.open, b.high, b.low, b.close].allSatisfy { $0 % c.tickSize == 0 })
                    #expect(b.volume % c.stepSize == 0 && b.takerBuyBase % c.stepSize == 0)
                    #expect(b.takerBuyBase <= b.volume && b.takerBuyQuote <= b.quoteVolume)
                    guard k > 0 else { continue }
                    #expect(b.open == bars[k - 1].close)
                    if k < 1_500 {
                        #expect(b.tradeCount > 0 && b.volume > 0 && b.firstTradeId == bars[k - 1].lastTradeId + 1)
                    }
                }
                let live = bars[1_500]
                #expect(live.tradeCount == 0 && live.open == live.close && live.close == bars[1_499].close)
                #expect(bars[1_499].close == spec.startPrice / c.tickSize * c.tickSize)
            }
        }
    }

    @Test("every longer interval is the fold of the 1m bars it covers, the open one included")
    func intervalsAreFolds() {
        expectConsistent(market(), nowMs: Self.now)
        expectConsistent(market(minutes: 10_000), nowMs: Self.now)
    }

    @Test("one seed, one history; another seed, another history")
    func deterministic() {
        let a = market(seed: 9), b = market(seed: 9), c = market(seed: 10)
        for interval in [KlineInterval.m1, .h1, .d1] {
            let bars = { (m: SimulatedMarket) in m.bars(symbol: "ETHUSDT", venue: .futures, interval: interval)! }
            #expect(bars(a) == bars(b))
            #expect(bars(a) != bars(c))
        }
    }

    @Test("history changes no live event but klines and tickers")
    func liveStreamUnchanged() {
        var config = SimConfig(seed: 9)
        config.klineIntervals = Self.intervals
        var plain = SimulatedMarket(config: config)
        var seeded = market()
        let withoutBars = { (e: SimEvent) -> Bool in
            switch e {
            case .kline, .ticker: false
            default: true
            }
        }
        let a = run(&plain, steps: 300, from: Self.now).filter(withoutBars)
        let b = run(&seeded, steps: 300, from: Self.now).filter(withoutBars)
        #expect(a.count > 300 && a == b)
    }

    @Test("the live walk goes on from the last historic close, and the bars stay folds of the 1m bars across an hour")
    func liveContinues() {
        var m = market()
        let lastClose = m.bars(symbol: "BTCUSDT", venue: .futures, interval: .m1)![1_499].close
        let end = Self.now + 7 * 60_000  // past the top of the hour
        let events = run(&m, steps: 4_200, from: Self.now)
        let first = events.lazy.compactMap { e -> SimTrade? in
            if case .trade(let t) = e, t.symbol == "BTCUSDT", t.venue == .futures { return t }
            return nil
        }.first
        let tick = SimSymbolSpec.btcusdt.futures.tickSize
        #expect(first.map { abs($0.price - lastClose) <= 2 * tick } == true)
        expectConsistent(m, nowMs: end - 100)
    }

    @Test("history trade ids move the live ids up when too few lie below them")
    func idsStayPositive() {
        var m = SimulatedMarket(config: SimConfig(seed: 3))
        m.instruments[0].nextTradeId = 10
        m.generateHistory(minutes: 60, nowMs: Self.now, stepsPerMinute: 1_200)
        let bars = m.bars(symbol: "BTCUSDT", venue: .spot, interval: .m1)!
        #expect(bars.first?.firstTradeId == 1)
        #expect(m.instruments[0].nextTradeId == bars[59].lastTradeId + 1)
    }

    @Test("no history: the first step opens the first bars, as before")
    func noHistory() {
        var m = market(minutes: 0)
        #expect(m.bars(symbol: "BTCUSDT", venue: .spot, interval: .m1)?.isEmpty == true)
        _ = run(&m, steps: 1, from: Self.now)
        #expect(m.bars(symbol: "BTCUSDT", venue: .spot, interval: .h1)?.count == 1)
    }

    @Test("volumes pin at Int64.max instead of trapping")
    func saturation() {
        var a = SimBar(openTime: 0, intervalMs: 60_000, price: 1)
        a.quoteVolume = .max - 5
        var b = a
        b.quoteVolume = 10
        a.absorb(b)
        #expect(a.quoteVolume == .max && Int64(5).saturatingSum(-7) == -2)
    }
}
