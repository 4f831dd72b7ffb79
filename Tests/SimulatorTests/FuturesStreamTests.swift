@testable import Market
@testable import Simulator
import Testing

@Suite("Futures-only streams: mark price, funding and liquidations")
struct FuturesStreamTests {
    @Test("mark price follows the book and next funding time is the next 8 hour boundary")
    func markPrice() {
        var market = makeMarket(seed: 21)
        let events = run(&market, steps: 400)
        var count = 0
        for case .markPrice(let m) in events {
            let eight: Int64 = 28_800_000
            #expect(m.nextFundingTime % eight == 0 && m.nextFundingTime > m.eventTime)
            #expect(m.nextFundingTime - m.eventTime <= eight)
            #expect(abs(m.fundingRate) <= 50_000)
            count += 1
        }
        #expect(count == 2 * 14)  // every 3 s over 40 s, per symbol
    }

    @Test("a liquidation's fills are in the trade tape at its average price")
    func liquidationsTrade() {
        var market = makeMarket(seed: 22)
        let events = run(&market, steps: 1_500)
        var lastAgg: [String: SimAggTrade] = [:]
        var count = 0
        for e in events {
            if case .aggTrade(let a) = e { lastAgg["\(a.symbol)/\(a.venue)"] = a }
            if case .forceOrder(let f) = e {
                let a = lastAgg["\(f.symbol)/futures"]!
                #expect(a.price == f.averagePrice && a.quantity == f.quantity)
                #expect(a.buyerIsMaker == (f.side == .sell))
                #expect(f.side == .sell ? f.price < f.averagePrice : f.price > f.averagePrice)
                count += 1
            }
        }
        #expect(count > 10)
    }
}
