import Glibc
import Market
import Posix
import Runtime
import ShmRing
import Testing
@testable import Feeder

@Suite("Symbols added at run time: stream planning, names, the directory")
struct SymbolAddTests {
    @Test("a new symbol's streams go on the last connection of each route while it has room")
    func fitsRunningConnections() {
        var plan = FeedPlan(symbols: ["BTCUSDT"], intervals: [.m1, .h1])
        let before = plan.connections.map(\.streams.count)
        let placed = plan.add(symbol: "ETHUSDT")
        #expect(placed.map(\.plan) == [0, 1, 2] && placed.allSatisfy { !$0.isNew })
        #expect(placed[0].streams == ["ethusdt@trade", "ethusdt@kline_1m", "ethusdt@kline_1h", "ethusdt@depth@100ms",
                                      "ethusdt@bookTicker", "ethusdt@ticker"])
        #expect(placed[1].streams == ["ethusdt@depth@100ms", "ethusdt@bookTicker"])
        #expect(placed[2].streams.first == "ethusdt@aggTrade" && placed[2].streams.last == "ethusdt@forceOrder")
        #expect(plan.connections.map(\.streams.count) == zip(before, placed).map { $0 + $1.streams.count })
        // The plan now equals one made with both symbols, but for where `!forceOrder@arr` sits.
        let both = FeedPlan(symbols: ["BTCUSDT", "ETHUSDT"], intervals: [.m1, .h1])
        #expect(plan.connections.map { Set($0.streams) } == both.connections.map { Set($0.streams) })
    }

    @Test("streams beyond a connection's limit open new connections, appended so running plans keep their index")
    func limitOpensConnections() {
        // 5 streams a connection: spot holds 1 + 1 + 3 = 5 per symbol, futures/market 1 + 1 + 3 + the `!forceOrder@arr`.
        var plan = FeedPlan(symbols: ["BTCUSDT"], intervals: [.m1], streamsPerConnection: 5)
        #expect(plan.connections.map(\.route) == [.spot, .futuresPublic, .futuresMarket, .futuresMarket])
        #expect(plan.connections.map(\.streams.count) == [5, 2, 5, 1])
        let old = plan.connections
        let placed = plan.add(symbol: "ETHUSDT")
        // spot is full: a new spot connection; /public has room for 2 (of 2); /market's second part takes 4 of 5, the
        // fifth opens a third part.
        #expect(placed.map(\.plan) == [4, 1, 3, 5])
        #expect(placed.map(\.isNew) == [true, false, false, true])
        #expect(placed.map(\.streams.count) == [5, 2, 4, 1])
        #expect(Array(plan.connections.prefix(old.count)).map(\.route) == old.map(\.route))
        #expect(plan.connections[4].route == .spot && plan.connections[4].part == 1)
        #expect(plan.connections[5].route == .futuresMarket && plan.connections[5].part == 2)
        #expect(plan.connections.allSatisfy { $0.streams.count <= 5 })
        for (route, total) in [(FeedRoute.spot, 10), (.futuresPublic, 4), (.futuresMarket, 11)] {
            let streams = plan.connections.filter { $0.route == route }.flatMap(\.streams)
            #expect(Set(streams).count == total && streams.count == total, "every stream once on \(route)")
        }
    }

    @Test("Binance's 1024 streams per connection: 64 symbols with every interval need a second spot connection")
    func binanceLimit() {
        var plan = FeedPlan(symbols: (0..<51).map { "SYM\($0)USDT" }, intervals: KlineInterval.allCases)
        // 20 streams a spot symbol: 51 fill 1020, the 52nd splits 4 + 16.
        #expect(plan.connections.filter { $0.route == .spot }.count == 1)
        let placed = plan.add(symbol: "NEWUSDT")
        let spot = placed.filter { plan.connections[$0.plan].route == .spot }
        #expect(spot.map(\.streams.count) == [4, 16] && spot.map(\.isNew) == [false, true])
        #expect(plan.connections.allSatisfy { $0.streams.count <= 1024 })
    }

    @Test("a plan added at run time opens its connection at once and fails over like the others")
    func coreAddsPlan() {
        var m = FeedManagerCore(endpointCounts: [1, 2], markets: [.spot, .futures], maxAgeNs: 100_000_000_000, seed: 1, nowNs: 0)
        _ = m.start(nowNs: 0)
        #expect(m.addPlan(endpointCount: 2, market: .futures, nowNs: 5) == .open(id: 3, plan: 2, endpoint: 0, atNs: 5, reason: .added))
        #expect(m.plans.count == 3 && m.plans[2].current == 3)
        _ = m.firstData(id: 3, nowNs: 6)
        guard case .open(_, 2, 1, _, .failed)? = m.failed(id: 3, silent: false, nowNs: 10).first else {
            Issue.record("the added plan should reconnect on its next endpoint")
            return
        }
    }

    @Test("the symbols sync takes an added symbol: a round starts at once, and spot refusing the list asks for it too")
    func symbolsSync() {
        var c = SymbolSyncCore(symbolCount: 1, periodNs: 1_000_000, retryNs: 1_000, nowNs: 0)
        _ = c.tick(nowNs: 0)
        _ = c.answered(.futures, .body([]))
        _ = c.answered(.spot(nil), .body([]))
        c.stored(success: true, nowNs: 10)
        #expect(c.tick(nowNs: 20) == nil, "the next round is a period away")
        c.addedSymbol(nowNs: 20)
        #expect(c.tick(nowNs: 20) == .fetch([.spot(nil), .futures]))
        #expect(c.answered(.spot(nil), .refused("HTTP 400")) == .fetch([.spot(0), .spot(1)]))
    }

    @Test("names are upper-cased and must be 2–16 letters and digits")
    func names() {
        #expect(Config.normalizedSymbol("ethusdt") == "ETHUSDT")
        #expect(Config.normalizedSymbol("1000PEPEUSDT") == "1000PEPEUSDT")
        for bad in ["", "E", "ETH-USDT", "ETHUSDT!", "ABCDEFGHIJKLMNOPQ", "ÉTHUSDT", "eth usdt"] {
            #expect(Config.normalizedSymbol(bad) == nil, "\(bad)")
        }
    }

    @Test("the list grows once per name, up to 64, and moves its version")
    func growth() {
        let s = FeedSymbols(["BTCUSDT"])
        let v = s.version
        #expect(s.add("ETHUSDT") == 1 && s.version == v + 1)
        #expect(s.add("ETHUSDT") == nil && s.version == v + 1)
        #expect(s.names == ["BTCUSDT", "ETHUSDT"] && s.contains("ETHUSDT") && s.name(1) == "ETHUSDT" && s.name(7) == "?")
        for i in 2..<64 { #expect(s.add("S\(i)USDT") != nil) }
        #expect(s.add("LASTUSDT") == nil && s.count == 64)
        let (table, version) = s.snapshot
        #expect(table.count == 64 && version == s.version)
    }

    @Test("a restarted feeder takes the symbols added before it from the directory, after the configured ones")
    func resumed() throws {
        let fd = try SharedMemory.anonymous(size: Layout.segmentSize(ringCapacity: 1 << 16, symbolCapacity: 8))
        defer { close(fd) }
        let segment = try Segment.format(fd: fd, ringCapacity: 1 << 16, symbolCapacity: 8)
        let tables = StateTables(segment: segment)
        #expect(FeedSymbols.resumed(configured: ["BTCUSDT"], tables: tables) == ["BTCUSDT"])
        for (i, name) in ["BTCUSDT", "ETHUSDT", "SOLUSDT"].enumerated() { tables.registerSymbol(index: i, name: name) }
        tables.registerSymbol(index: 4, name: "XRPUSDT")  // after a gap: not taken
        #expect(FeedSymbols.resumed(configured: ["BTCUSDT"], tables: tables) == ["BTCUSDT", "ETHUSDT", "SOLUSDT"])
        #expect(FeedSymbols.resumed(configured: ["BTCUSDT", "ETHUSDT", "SOLUSDT", "ADAUSDT"], tables: tables)
                == ["BTCUSDT", "ETHUSDT", "SOLUSDT", "ADAUSDT", "XRPUSDT"])
    }
}
