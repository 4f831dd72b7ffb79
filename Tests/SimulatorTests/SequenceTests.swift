@testable import Market
@testable import Simulator
import Testing

@Suite("Ids are contiguous and the depth sequence is continuous")
struct SequenceTests {
    @Test("trade ids are contiguous and each aggregate trade covers the trades just before it")
    func tradeIdsContiguous() {
        var market = makeMarket(seed: 7)
        let events = run(&market, steps: 2_000)
        var lastTrade: [String: Int64] = [:]
        var lastAgg: [String: SimAggTrade] = [:]
        var tradesSinceAgg: [String: [SimTrade]] = [:]
        for e in events {
            switch e {
            case .trade(let t):
                let key = "\(t.symbol)/\(t.venue)"
                if let prev = lastTrade[key] { #expect(t.tradeId == prev + 1) }
                lastTrade[key] = t.tradeId
                tradesSinceAgg[key, default: []].append(t)
            case .aggTrade(let a):
                let key = "\(a.symbol)/\(a.venue)"
                if let prev = lastAgg[key] {
                    #expect(a.aggregateId == prev.aggregateId + 1)
                    #expect(a.firstTradeId == prev.lastTradeId + 1)
                }
                let fills = tradesSinceAgg[key] ?? []
                #expect(fills.map(\.tradeId) == Array(a.firstTradeId...a.lastTradeId))
                #expect(fills.reduce(0) { $0 + $1.quantity } == a.quantity)
                #expect(fills.allSatisfy { $0.price == a.price && $0.buyerIsMaker == a.buyerIsMaker })
                tradesSinceAgg[key] = []
                lastAgg[key] = a
            default: break
            }
        }
        #expect(lastTrade.count == 4)
    }

    @Test("depth diffs are continuous: U is the previous u plus one, futures pu is the previous u")
    func depthContinuous() {
        var market = makeMarket(seed: 8)
        let events = run(&market, steps: 2_000)
        var lastU: [String: Int64] = [:]
        for case .depthUpdate(let d) in events {
            let key = "\(d.symbol)/\(d.venue)"
            #expect(d.firstUpdateId <= d.finalUpdateId)
            if let prev = lastU[key] {
                #expect(d.firstUpdateId == prev + 1)
                if d.venue == .futures { #expect(d.previousFinalUpdateId == prev) }
            }
            lastU[key] = d.finalUpdateId
        }
        #expect(lastU.count == 4)
        for spec in specs {
            for venue in Venue.allCases {
                #expect(market.lastUpdateId(symbol: spec.symbol, venue: venue) == lastU["\(spec.symbol)/\(venue)"])
            }
        }
    }

    @Test("the same seed gives the same frames and another seed different ones")
    func deterministic() {
        func frames(_ seed: UInt64) -> [[UInt8]] {
            var market = makeMarket(seed: seed)
            return run(&market, steps: 700).map {
                BinanceFrames.frame($0, stream: BinanceFrames.stream(for: $0), specs: specs)
            }
        }
        let a = frames(99)
        #expect(a == frames(99))
        #expect(a != frames(100))
    }

    @Test("a depth gap fault skips exactly the advertised update ids")
    func depthGapFault() {
        var market = makeMarket()
        _ = run(&market, steps: 10)
        let before = market.lastUpdateId(symbol: "BTCUSDT", venue: .futures)!
        let spotBefore = market.lastUpdateId(symbol: "BTCUSDT", venue: .spot)!
        let armed = market.inject(.depthGap(5), symbol: "BTCUSDT", venue: .futures)
            && market.inject(.depthGap(3), symbol: "BTCUSDT", venue: .spot)
        let unknown = market.inject(.depthGap(1), symbol: "NOPEUSDT", venue: .spot)
        #expect(armed && !unknown)
        let events = run(&market, steps: 1, from: startMs + 10_000)
        for case .depthUpdate(let d) in events where d.symbol == "BTCUSDT" {
            if d.venue == .futures {
                #expect(d.firstUpdateId == before + 6)
                #expect(d.previousFinalUpdateId == before + 5)
            } else {
                #expect(d.firstUpdateId == spotBefore + 4)
            }
        }
        let next = run(&market, steps: 1, from: startMs + 10_100)
        for case .depthUpdate(let d) in next where d.symbol == "BTCUSDT" && d.venue == .futures {
            #expect(d.previousFinalUpdateId == d.firstUpdateId - 1)
        }
    }

    @Test("a trade id gap fault skips exactly the advertised trade and aggregate ids")
    func tradeGapFault() {
        var market = makeMarket()
        let warm = run(&market, steps: 50)
        var lastTrade: Int64 = 0
        var lastAgg: Int64 = 0
        for case .trade(let t) in warm where t.symbol == "ETHUSDT" && t.venue == .spot { lastTrade = t.tradeId }
        for case .aggTrade(let a) in warm where a.symbol == "ETHUSDT" && a.venue == .spot { lastAgg = a.aggregateId }
        market.inject(.tradeIdGap(7), symbol: "ETHUSDT", venue: .spot)
        var found = false
        var foundAgg = false
        var step = 50
        while !found && step < 500 {
            let events = run(&market, steps: 1, from: startMs + Int64(step) * 100)
            step += 1
            for case .trade(let t) in events where t.symbol == "ETHUSDT" && t.venue == .spot && !found {
                #expect(t.tradeId == lastTrade + 8)
                found = true
            }
            for case .aggTrade(let a) in events where a.symbol == "ETHUSDT" && a.venue == .spot && !foundAgg {
                #expect(a.aggregateId == lastAgg + 8)
                foundAgg = true
            }
        }
        #expect(found && foundAgg)
    }
}
