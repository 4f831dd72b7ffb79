import Foundation
@testable import Market
@testable import Simulator
import Testing

@Suite("REST bodies agree with the streamed state")
struct RESTTests {
    func json(_ r: RESTResponse) -> Any? { try? JSONSerialization.jsonObject(with: Data(r.body)) }

    @Test("aggTrades from an id returns the contiguous history a feeder needs to backfill a gap")
    func aggTradesBackfill() throws {
        var market = makeMarket(seed: 3)
        let events = run(&market, steps: 600)
        let streamed = events.compactMap { e -> SimAggTrade? in
            if case .aggTrade(let a) = e, a.symbol == "BTCUSDT", a.venue == .futures { return a } else { return nil }
        }
        let from = streamed[streamed.count / 2].aggregateId
        let r = BinanceREST.aggTrades(market, symbol: "BTCUSDT", venue: .futures, fromId: from, startTime: nil,
                                      endTime: nil, limit: 20)
        let rows = try #require(json(r) as? [[String: Any]])
        #expect(rows.count == 20)
        for (k, row) in rows.enumerated() {
            let a = streamed.first { $0.aggregateId == from + Int64(k) }!
            #expect((row["a"] as? Int64) == a.aggregateId)
            #expect((row["f"] as? Int64) == a.firstTradeId && (row["l"] as? Int64) == a.lastTradeId)
            #expect((row["p"] as? String).flatMap(Fixed.parse) == a.price)
            #expect((row["q"] as? String).flatMap(Fixed.parse) == a.quantity)
            #expect((row["T"] as? Int64) == a.tradeTime && (row["m"] as? Bool) == a.buyerIsMaker)
            #expect(row["M"] == nil)  // futures rows have no best-match flag
        }
        let spot = try #require(json(BinanceREST.aggTrades(market, symbol: "BTCUSDT", venue: .spot, fromId: nil,
                                                           startTime: nil, endTime: nil, limit: 5)) as? [[String: Any]])
        #expect(spot.count == 5 && (spot[0]["M"] as? Bool) == true)
        let last = market.recentAggTrades(symbol: "BTCUSDT", venue: .spot).last!
        #expect((spot[4]["a"] as? Int64) == last.aggregateId)
    }

    @Test("spot trades rows are the most recent trades with id, price, qty and quoteQty")
    func trades() throws {
        var market = makeMarket(seed: 3)
        _ = run(&market, steps: 300)
        let body = BinanceREST.trades(market, symbol: "ETHUSDT", venue: .spot, limit: 10)
        let rows = try #require(json(body) as? [[String: Any]])
        let recent = market.recentTrades(symbol: "ETHUSDT", venue: .spot).suffix(10)
        #expect(rows.count == 10)
        for (row, t) in zip(rows, recent) {
            #expect((row["id"] as? Int64) == t.tradeId)
            #expect((row["price"] as? String).flatMap(Fixed.parse) == t.price)
            #expect((row["qty"] as? String).flatMap(Fixed.parse) == t.quantity)
            #expect((row["quoteQty"] as? String).flatMap(Fixed.parse) == t.quoteQuantity)
            #expect((row["time"] as? Int64) == t.tradeTime && (row["isBuyerMaker"] as? Bool) == t.buyerIsMaker)
        }
    }

    @Test("ticker/24hr matches the streamed 24hrTicker and the trades seen")
    func ticker() throws {
        var market = makeMarket(seed: 4)
        let events = run(&market, steps: 900)
        let now = startMs + 90_000
        let t = market.ticker(symbol: "BTCUSDT", venue: .spot, nowMs: now)!
        let trades = events.compactMap { e -> SimTrade? in
            if case .trade(let t) = e, t.symbol == "BTCUSDT", t.venue == .spot { return t } else { return nil }
        }
        #expect(t.tradeCount == Int64(trades.count))
        #expect(t.volume == trades.reduce(0) { $0 + $1.quantity })
        #expect(t.firstTradeId == trades.first!.tradeId && t.lastTradeId == trades.last!.tradeId)
        #expect(t.high == trades.map(\.price).max()! && t.low == trades.map(\.price).min()!)
        #expect(t.open == trades.first!.price && t.lastPrice == trades.last!.price)
        let single = BinanceREST.ticker24hr(market, symbol: "BTCUSDT", venue: .spot, nowMs: now)
        let obj = try #require(json(single) as? [String: Any])
        #expect((obj["symbol"] as? String) == "BTCUSDT")
        #expect((obj["count"] as? Int64) == t.tradeCount)
        #expect((obj["lastPrice"] as? String).flatMap(Fixed.parse) == t.lastPrice)
        #expect((obj["priceChangePercent"] as? String).flatMap(Fixed.parse) == t.priceChangePercent)
        let bestBid = market.book(symbol: "BTCUSDT", venue: .spot)!.bestBid!.price
        #expect((obj["bidPrice"] as? String).flatMap(Fixed.parse) == bestBid)
        let every = BinanceREST.ticker24hr(market, symbol: nil, venue: .futures, nowMs: now)
        let all = try #require(json(every) as? [[String: Any]])
        #expect(all.count == 2 && all[1]["bidPrice"] == nil)
    }

    @Test("exchangeInfo lists each symbol with status, assets, tick and lot filters and rate limits")
    func exchangeInfo() throws {
        let market = makeMarket()
        for venue in Venue.allCases {
            let body = BinanceREST.exchangeInfo(market, venue: venue, nowMs: startMs)
            let info = try #require(json(body) as? [String: Any])
            #expect((info["serverTime"] as? Int64) == startMs)
            let limits = try #require(info["rateLimits"] as? [[String: Any]])
            #expect(limits.contains { ($0["rateLimitType"] as? String) == "REQUEST_WEIGHT" })
            let symbols = try #require(info["symbols"] as? [[String: Any]])
            #expect(symbols.map { $0["symbol"] as? String } == ["BTCUSDT", "ETHUSDT"])
            for (s, spec) in zip(symbols, specs) {
                let c = spec.contract(venue)
                #expect((s["status"] as? String) == "TRADING")
                #expect((s["baseAsset"] as? String) == spec.baseAsset && (s["quoteAsset"] as? String) == "USDT")
                let filters = try #require(s["filters"] as? [[String: Any]])
                let price = filters.first { ($0["filterType"] as? String) == "PRICE_FILTER" }
                let lot = filters.first { ($0["filterType"] as? String) == "LOT_SIZE" }
                #expect((price?["tickSize"] as? String).flatMap(Fixed.parse) == c.tickSize)
                #expect((lot?["stepSize"] as? String).flatMap(Fixed.parse) == c.stepSize)
            }
        }
        let one = BinanceREST.exchangeInfo(market, venue: .spot, symbol: "NOPE", nowMs: startMs)
        #expect(one.status == 400)
    }

    @Test("the router serves time, ping, depth and klines and answers errors in Binance's form")
    func router() throws {
        var market = makeMarket()
        _ = run(&market, steps: 50)
        let time = BinanceREST.respond(market, path: "/api/v3/time", query: [:], nowMs: 1234)
        #expect(String(decoding: time.body, as: UTF8.self) == #"{"serverTime":1234}"#)
        #expect(String(decoding: BinanceREST.respond(market, path: "/fapi/v1/ping", query: [:], nowMs: 0).body,
                       as: UTF8.self) == "{}")
        let bad = BinanceREST.respond(market, path: "/api/v3/depth", query: ["symbol": "NOPEUSDT"], nowMs: 0)
        #expect(bad.status == 400)
        #expect(String(decoding: bad.body, as: UTF8.self) == #"{"code":-1121,"msg":"Invalid symbol."}"#)
        let interval = BinanceREST.respond(market, path: "/api/v3/klines",
                                           query: ["symbol": "BTCUSDT", "interval": "7m"], nowMs: 0)
        #expect((json(interval) as? [String: Any])?["code"] as? Int == -1120)
        let missing = BinanceREST.respond(market, path: "/fapi/v1/aggTrades", query: [:], nowMs: 0)
        #expect((json(missing) as? [String: Any])?["code"] as? Int == -1102)
        let depth = BinanceREST.respond(market, path: "/fapi/v1/depth", query: ["symbol": "ETHUSDT", "limit": "5"],
                                        nowMs: 77)
        var parser = BinanceParser(symbols: testSymbols)
        let parsed = depth.body.withUnsafeBytes { parser.parse($0) }
        let book = market.book(symbol: "ETHUSDT", venue: .futures)!
        #expect(parsed == .depthSnapshot(DepthSnapshotEvent(
            lastUpdateId: market.lastUpdateId(symbol: "ETHUSDT", venue: .futures)!, eventTime: 77, transactionTime: 77,
            bidCount: 5, askCount: 5)))
        #expect(Array(parser.bids) == Array(book.bids.prefix(5)) && Array(parser.asks) == Array(book.asks.prefix(5)))
        let klines = BinanceREST.respond(market, path: "/api/v3/klines",
                                         query: ["symbol": "BTCUSDT", "interval": "1m", "limit": "1"], nowMs: 0)
        #expect(((json(klines) as? [[Any]])?.first?.count) == 12)
    }
}

@Suite("Dropped trade frames leave a gap that REST fills")
struct DroppedFramesTests {
    @Test("dropping trade frames leaves an aggregate id gap that aggTrades?fromId fills exactly")
    func backfill() throws {
        var market = makeMarket(seed: 9)
        var events = run(&market, steps: 100)
        market.inject(.dropTradeFrames(3), symbol: "BTCUSDT", venue: .futures)
        events += run(&market, steps: 300, from: startMs + 10_000)
        let streamed = events.compactMap { e -> Int64? in
            if case .aggTrade(let a) = e, a.symbol == "BTCUSDT", a.venue == .futures { return a.aggregateId }
            return nil
        }
        let gaps = zip(streamed, streamed.dropFirst()).filter { $1 != $0 + 1 }
        try #require(gaps.count == 1)
        let (before, after) = gaps[0]
        #expect(after - before - 1 == 3)
        let r = BinanceREST.aggTrades(market, symbol: "BTCUSDT", venue: .futures, fromId: before + 1, startTime: nil,
                                      endTime: nil, limit: 3)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [[String: Any]])
        #expect(rows.compactMap { $0["a"] as? Int64 } == [before + 1, before + 2, before + 3])
    }
}
