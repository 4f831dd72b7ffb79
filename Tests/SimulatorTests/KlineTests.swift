@testable import Market
@testable import Simulator
import Testing

@Suite("Klines are built from the generated trades")
struct KlineTests {
    /// The bar recomputed from the trades whose time falls in [openTime, closeTime].
    func recompute(_ trades: [SimTrade], openTime: Int64, closeTime: Int64) -> (SimBar, Bool) {
        var bar = SimBar(openTime: openTime, intervalMs: closeTime - openTime + 1, price: 0)
        var any = false
        for t in trades where t.tradeTime >= openTime && t.tradeTime <= closeTime {
            any = true
            if bar.tradeCount == 0 {
                bar.open = t.price
                bar.high = t.price
                bar.low = t.price
                bar.firstTradeId = t.tradeId
            }
            bar.high = max(bar.high, t.price)
            bar.low = min(bar.low, t.price)
            bar.close = t.price
            bar.lastTradeId = t.tradeId
            let quote = Int64((Double(t.price) * Double(t.quantity) / 1e8).rounded())
            bar.volume += t.quantity
            bar.quoteVolume += quote
            bar.tradeCount += 1
            if !t.buyerIsMaker { bar.takerBuyBase += t.quantity; bar.takerBuyQuote += quote }
        }
        return (bar, any)
    }

    @Test("every closed kline matches a recomputation from the trades, closed once on its boundary")
    func closedKlinesMatchTrades() {
        var market = makeMarket(seed: 5)
        let events = run(&market, steps: 720, dtMs: 1_000)  // 12 minutes: 1m and 5m bars close
        var trades: [String: [SimTrade]] = [:]
        for case .trade(let t) in events { trades["\(t.symbol)/\(t.venue)", default: []].append(t) }
        var closedSeen = Set<String>()
        var checked = 0
        for case .kline(let k) in events where k.closed {
            let key = "\(k.symbol)/\(k.venue)/\(k.interval.name)/\(k.bar.openTime)"
            #expect(!closedSeen.contains(key), "closed twice: \(key)")
            closedSeen.insert(key)
            #expect(k.eventTime > k.bar.closeTime)
            #expect(k.bar.closeTime == k.bar.openTime + intervalMilliseconds(k.interval)! - 1)
            let (bar, any) = recompute(trades["\(k.symbol)/\(k.venue)"] ?? [], openTime: k.bar.openTime,
                                       closeTime: k.bar.closeTime)
            guard any else { #expect(k.bar.tradeCount == 0); continue }
            #expect(k.bar == bar)
            checked += 1
        }
        #expect(checked >= 4 * 13)  // 11–12 closed 1m bars and 2 5m bars per instrument
    }

    @Test("open kline updates carry the bar so far and are not closed")
    func openKlineUpdates() {
        var market = makeMarket(seed: 6)
        let events = run(&market, steps: 200)
        var trades: [SimTrade] = []
        var checked = 0
        for e in events {
            if case .trade(let t) = e, t.symbol == "BTCUSDT", t.venue == .spot { trades.append(t) }
            if case .kline(let k) = e, !k.closed, k.symbol == "BTCUSDT", k.venue == .spot, k.interval == .m1 {
                let (bar, any) = recompute(trades, openTime: k.bar.openTime, closeTime: k.eventTime)
                if any {
                    #expect(k.bar.volume == bar.volume && k.bar.tradeCount == bar.tradeCount)
                    #expect(k.bar.close == bar.close)
                }
                checked += 1
            }
        }
        #expect(checked >= 9)
    }

    @Test("REST klines rows parse and honour startTime, endTime and limit")
    func restKlines() {
        var market = makeMarket(seed: 5)
        _ = run(&market, steps: 720, dtMs: 1_000)
        let bars = market.bars(symbol: "BTCUSDT", venue: .futures, interval: .m1)!
        #expect(bars.count == 12)  // 720 s from a minute boundary
        #expect(bars.allSatisfy { $0.firstTradeId > 0 && $0.lastTradeId - $0.firstTradeId + 1 == $0.tradeCount },
                "bars keep real trade ids (the stream's f/L); rows drop them")
        let parser = BinanceParser(symbols: testSymbols)
        func rows(_ start: Int64?, _ end: Int64?, _ limit: Int?) -> [KlineBar] {
            let body = BinanceREST.klines(market, symbol: "BTCUSDT", venue: .futures, interval: .m1,
                                          startTime: start, endTime: end, limit: limit).body
            var out: [KlineBar] = []
            let r = body.withUnsafeBytes { parser.parseKlineRows($0) { out.append($0) } }
            #expect((try? r.get()) == out.count)
            return out
        }
        #expect(rows(nil, nil, nil) == bars.map(restRow))
        #expect(rows(nil, nil, 3) == bars.suffix(3).map(restRow))
        #expect(rows(bars[2].openTime, nil, 4) == bars[2..<6].map(restRow))
        #expect(rows(nil, bars[5].openTime, 2) == bars[4...5].map(restRow))
        #expect(rows(bars[1].openTime, bars[3].openTime, 10) == bars[1...3].map(restRow))
        let five = market.bars(symbol: "BTCUSDT", venue: .futures, interval: .m5)!
        #expect(five.count == 4)  // startMs is 4 minutes into a 5m bar
    }
}
