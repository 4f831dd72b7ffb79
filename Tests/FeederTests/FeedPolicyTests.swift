import Market
import Testing
@testable import Feeder

@Suite("Feed plan and Binance's limits")
struct FeedPlanTests {
    @Test("every symbol gets its streams on the right route; futures book data on /public, the rest on /market")
    func routes() {
        let plan = FeedPlan(symbols: ["BTCUSDT", "ETHUSDT"], intervals: [.m1, .h1])
        #expect(plan.connections.map(\.route) == [.spot, .futuresPublic, .futuresMarket])
        let spot = plan.connections[0].streams
        #expect(spot.contains("btcusdt@trade") && spot.contains("ethusdt@kline_1h") && spot.contains("btcusdt@depth@100ms"))
        #expect(!spot.contains { $0.contains("aggTrade") || $0.contains("markPrice") })
        let pub = plan.connections[1].streams
        #expect(Set(pub) == ["btcusdt@depth@100ms", "btcusdt@bookTicker", "ethusdt@depth@100ms", "ethusdt@bookTicker"])
        let market = plan.connections[2].streams
        #expect(market.contains("btcusdt@aggTrade") && market.contains("ethusdt@markPrice@1s") && market.last == "!forceOrder@arr")
        #expect(!market.contains { $0.contains("depth") || $0.contains("bookTicker") })
        #expect(plan.connections[2].path(initialStreams: 2) == "/market/stream?streams=btcusdt@aggTrade/btcusdt@kline_1m")
        #expect(plan.connections[0].path(initialStreams: 0) == "/stream")
    }

    @Test("more streams than a connection may carry are split, none lost or repeated")
    func split() {
        let symbols = (0..<64).map { "SYM\($0)USDT" }
        let plan = FeedPlan(symbols: symbols, intervals: KlineInterval.allCases, streamsPerConnection: 1024)
        #expect(plan.connections.allSatisfy { $0.streams.count <= 1024 })
        let spot = plan.connections.filter { $0.route == .spot }.flatMap(\.streams)
        #expect(spot.count == 64 * (1 + 16 + 3) && Set(spot).count == spot.count)
        #expect(plan.connections.filter { $0.route == .spot }.count == 2)
        let small = FeedPlan(symbols: ["BTCUSDT"], intervals: [.m1], streamsPerConnection: 2)
        #expect(small.connections.filter { $0.route == .futuresMarket }.map(\.part) == [0, 1, 2])
    }

    @Test("a token bucket allows its burst, then its rate")
    func bucket() {
        var b = TokenBucket(capacity: 5, perSecond: 5, nowNs: 0)
        var taken: [Bool] = []
        for _ in 0..<6 { taken.append(b.take(nowNs: 0)) }
        #expect(taken == [true, true, true, true, true, false])
        let wait = b.waitNs(nowNs: 0)
        #expect(wait == 200_000_000)
        let early = b.take(nowNs: 199_000_000)
        let due = b.take(nowNs: 200_000_000)
        #expect(!early && due)
        let later = [b.take(nowNs: 10_000_000_000), b.take(nowNs: 10_000_000_000)]
        #expect(later == [true, true])
    }

    @Test("backoff doubles within jitter bounds up to the cap, and resets")
    func backoff() {
        var b = Backoff(baseNs: 100, capNs: 1_000, seed: 42)
        var ceilings: [Int64] = []
        for _ in 0..<8 {
            let w = b.next()
            let ceiling = min(1_000, Int64(100) << Int64(ceilings.count))
            #expect(w >= ceiling / 2 && w < ceiling)
            ceilings.append(ceiling)
        }
        b.reset()
        #expect(b.next() < 100)
    }
}

@Suite("Id sequencing across reconnects")
struct IdSequencerTests {
    @Test("in order passes, duplicates drop, a gap holds newer items until the fill, in id order")
    func gapFill() {
        var s = IdSequencer<Int64>()
        #expect(s.offer(id: 10, item: 10, nowNs: 0) == .publish)
        #expect(s.offer(id: 11, item: 11, nowNs: 0) == .publish)
        #expect(s.offer(id: 11, item: 11, nowNs: 0) == .duplicate)
        #expect(s.offer(id: 15, item: 15, nowNs: 0) == .gap(12...14))
        #expect(s.offer(id: 16, item: 16, nowNs: 0) == .held)
        #expect(s.offer(id: 16, item: 16, nowNs: 0) == .duplicate)
        let done = s.complete(with: [(13, 13), (12, 12), (14, 14), (15, 15)], nowNs: 1)
        #expect(done.publish == [12, 13, 14, 15, 16] && done.missing == 0 && done.nextGap == nil)
        #expect(s.last == 16)
        #expect(s.offer(id: 17, item: 17, nowNs: 2) == .publish)
    }

    @Test("ids REST cannot return are counted missing; a gap among held items starts the next fill")
    func partialAndNested() {
        var s = IdSequencer<Int64>()
        _ = s.offer(id: 1, item: 1, nowNs: 0)
        #expect(s.offer(id: 5, item: 5, nowNs: 0) == .gap(2...4))
        #expect(s.offer(id: 8, item: 8, nowNs: 0) == .held)
        let first = s.complete(with: [(3, 3)], nowNs: 1)
        #expect(first.publish == [3, 5] && first.missing == 2 && first.nextGap == 6...7)
        let second = s.complete(with: [(6, 6), (7, 7)], nowNs: 2)
        #expect(second.publish == [6, 7, 8] && second.missing == 0 && second.nextGap == nil)
    }

    @Test("holding gives up after its time or count bound")
    func overdue() {
        var s = IdSequencer<Int64>(holdLimit: 3)
        _ = s.offer(id: 1, item: 1, nowNs: 0)
        _ = s.offer(id: 3, item: 3, nowNs: 0)
        #expect(!s.overdue(nowNs: 1_000, timeoutNs: 5_000))
        #expect(s.overdue(nowNs: 6_000, timeoutNs: 5_000))
        _ = s.offer(id: 4, item: 4, nowNs: 0)
        _ = s.offer(id: 5, item: 5, nowNs: 0)
        #expect(s.overdue(nowNs: 0, timeoutNs: 5_000))
    }
}

@Suite("Connection policy: make-before-break and failover")
struct FeedManagerCoreTests {
    let second: Int64 = 1_000_000_000

    @Test("a planned replacement opens first; the old connection closes only when the new one delivers")
    func makeBeforeBreak() {
        var m = FeedManagerCore(endpointCounts: [3], markets: [.spot], maxAgeNs: 100 * second, seed: 1, nowNs: 0)
        #expect(m.start(nowNs: 0) == [.open(id: 1, plan: 0, endpoint: 0, atNs: 0, reason: .start)])
        #expect(m.firstData(id: 1, nowNs: 1) == [])
        #expect(m.replace(id: 1, reason: .serverShutdown, nowNs: 5) == [.open(id: 2, plan: 0, endpoint: 0, atNs: 5, reason: .serverShutdown)])
        #expect(m.replace(id: 1, reason: .serverShutdown, nowNs: 6) == [], "one replacement at a time")
        #expect(m.firstData(id: 2, nowNs: 7) == [.close(id: 1, reason: .serverShutdown)])
        #expect(m.isCurrent(2) && m.counters.plannedSwitches == 1)
        let aged = m.tick(nowNs: 200 * second)
        #expect(aged == [.open(id: 3, plan: 0, endpoint: 0, atNs: 200 * second, reason: .age)])
    }

    @Test("an unplanned drop fails over to the next endpoint after backoff and asks for a backfill when data flows")
    func failover() {
        var m = FeedManagerCore(endpointCounts: [2], markets: [.spot], maxAgeNs: 100 * second, seed: 1, nowNs: 0)
        _ = m.start(nowNs: 0)
        _ = m.firstData(id: 1, nowNs: 1)
        let actions = m.failed(id: 1, silent: false, nowNs: 10)
        guard case .open(let id, 0, 1, let at, .failed)? = actions.first else {
            Issue.record("expected an open on endpoint 1, got \(actions)")
            return
        }
        #expect(at > 10 && at <= 10 + 250_000_000)
        #expect(m.firstData(id: id, nowNs: at + 1) == [.backfill(plan: 0)])
        #expect(m.counters.unplannedDrops == 1 && m.counters.failovers == 1)
    }

    @Test("a silent connection is counted and replaced on another endpoint; a stalled one is replaced before it is dropped")
    func silentAndStall() {
        var m = FeedManagerCore(endpointCounts: [2], markets: [.spot], maxAgeNs: 100 * second, seed: 1, nowNs: 0)
        _ = m.start(nowNs: 0)
        let a = m.failed(id: 1, silent: true, nowNs: 1)
        guard case .open(2, 0, 1, _, .silent)? = a.first else {
            Issue.record("expected a reopen on endpoint 1, got \(a)")
            return
        }
        #expect(m.counters.silent == 1)
        _ = m.firstData(id: 2, nowNs: 2)
        #expect(m.replace(id: 2, reason: .stalled, nowNs: 3) == [.open(id: 3, plan: 0, endpoint: 0, atNs: 3, reason: .stalled)])
        #expect(m.failed(id: 2, silent: false, nowNs: 4) == [], "the replacement is already on its way")
        #expect(m.firstData(id: 3, nowNs: 5) == [.backfill(plan: 0)])
    }

    @Test("a replacement that never delivers is given up and retried elsewhere; the old connection keeps serving")
    func replacementTimeout() {
        var m = FeedManagerCore(endpointCounts: [2], markets: [.spot], maxAgeNs: 100 * second, replacementTimeoutNs: 10 * second, seed: 1, nowNs: 0)
        _ = m.start(nowNs: 0)
        _ = m.firstData(id: 1, nowNs: 1)
        _ = m.replace(id: 1, reason: .serverShutdown, nowNs: 2)
        #expect(m.tick(nowNs: 13 * second) == [.close(id: 2, reason: .replacementTimeout)])
        #expect(m.isCurrent(1))
    }

    @Test("a 429 to one connection pauses every attempt of its market until Retry-After (failover, replacement, new plan); the other market goes on")
    func rateLimitPause() {
        var m = FeedManagerCore(endpointCounts: [2, 2, 1], markets: [.spot, .spot, .futures], maxAgeNs: 100 * second,
                                seed: 1, nowNs: 0)
        _ = m.start(nowNs: 0)
        _ = m.firstData(id: 2, nowNs: 1)
        _ = m.firstData(id: 3, nowNs: 1)
        let until = 60 * second
        let began = m.rateLimited(market: .spot, status: 429, untilNs: until, nowNs: 2)
        #expect(began, "a new pause is worth a line")
        let reopen = m.handshakeFailed(id: 1, nowNs: 2)
        guard case .open(4, 0, 1, let at, .failed)? = reopen.first else {
            Issue.record("expected a reopen of plan 0, got \(reopen)")
            return
        }
        #expect(at == until)
        let spotReplacement = m.replace(id: 2, reason: .serverShutdown, nowNs: 3)
        #expect(spotReplacement == [.open(id: 5, plan: 1, endpoint: 0, atNs: until, reason: .serverShutdown)])
        let futuresReplacement = m.replace(id: 3, reason: .serverShutdown, nowNs: 3)
        #expect(futuresReplacement == [.open(id: 6, plan: 2, endpoint: 0, atNs: 3, reason: .serverShutdown)])
        let added = m.addPlan(endpointCount: 2, market: .spot, nowNs: 4)
        #expect(added == .open(id: 7, plan: 3, endpoint: 0, atNs: until, reason: .added))
        _ = m.firstData(id: 6, nowNs: 5)
        let ticked = m.tick(nowNs: 30 * second)
        #expect(ticked == [], "waiting out the pause is no replacement timeout")
        let shorter = m.rateLimited(market: .spot, status: 429, untilNs: until - second, nowNs: 6)
        #expect(!shorter, "a shorter wait does not shorten the pause")
        let ban = m.rateLimited(market: .spot, status: 418, untilNs: until + 120 * second, nowNs: 7)
        #expect(ban, "a ban lengthens it")
        #expect(m.counters.rateLimited == 2 && m.counters.banned == 1 && m.counters.handshakeFailures == 1)
    }

    @Test("a failed connect, TLS handshake or upgrade is counted and retried like any failure")
    func handshakeFailure() {
        var m = FeedManagerCore(endpointCounts: [2], markets: [.spot], maxAgeNs: 100 * second, seed: 1, nowNs: 0)
        _ = m.start(nowNs: 0)
        let actions = m.handshakeFailed(id: 1, nowNs: 1)
        guard case .open(2, 0, 1, _, .failed)? = actions.first else {
            Issue.record("expected a retry on endpoint 1, got \(actions)")
            return
        }
        #expect(m.counters.handshakeFailures == 1 && m.counters.unplannedDrops == 0)
        let again = m.handshakeFailed(id: 1, nowNs: 2)
        #expect(again == [], "a connection already given up is not counted twice")
        #expect(m.counters.handshakeFailures == 1)
    }

    @Test("connection attempts beyond 300 per 5 minutes are delayed")
    func attemptBudget() {
        var m = FeedManagerCore(endpointCounts: Array(repeating: 1, count: 301), markets: Array(repeating: .spot, count: 301), maxAgeNs: 100 * second, seed: 1, nowNs: 0)
        let actions = m.start(nowNs: 0)
        guard case .open(_, _, _, let at, _)? = actions.last else { return }
        #expect(at >= second && m.counters.attemptsDelayed == 1)
    }
}

/// A REST body as the feeder reads it (nil when it is not JSON).
private func json(_ bytes: [UInt8]) -> JSONValue? {
    if case .success(let v) = JSONReader.parse(bytes) { return v }
    return nil
}

@Suite("REST JSON for gap fills")
struct RESTBodyTests {
    @Test("trades and aggTrades bodies parse with exact fixed-point prices")
    func bodies() throws {
        let trades = json(Array(#"[{"id":28457,"price":"4.00000100","qty":"12.00000000","quoteQty":"48.000012","time":1499865549590,"isBuyerMaker":true,"isBestMatch":true}]"#.utf8))
        let t = try #require(trades?.array?.first)
        #expect(t["id"]?.int64 == 28457 && t["price"]?.fixed == 400_000_100 && t["isBuyerMaker"]?.bool == true)
        let agg = json(Array(#" [ {"a":26129,"p":"0.01633102","q":"4.70443515","f":27781,"l":27781,"T":1498793709153,"m":true,"M":true} ] "#.utf8))
        #expect(agg?.array?.first?["a"]?.int64 == 26129)
        #expect(json(Array(#"{"code":-1003,"msg":"Way too much \"weight\"\u0021"}"#.utf8))?["msg"]?.string == #"Way too much "weight"!"#)
        #expect(json(Array("[1,2".utf8)) == nil && json(Array("{} x".utf8)) == nil)
    }
}

@Suite("Latency histogram")
struct LatencyHistogramTests {
    @Test("percentiles land within one bucket (12.5 %) of the true value")
    func percentiles() {
        var h = LatencyHistogram()
        for v in 1...10_000 { h.record(Int64(v) * 100) }
        let p50 = h.percentile(0.5), p99 = h.percentile(0.99)
        #expect(p50 >= 500_000 && p50 <= 562_500)
        #expect(p99 >= 990_000 && p99 <= 1_125_000)
        #expect(h.max == 1_000_000 && h.total == 10_000)
        h.reset()
        #expect(h.percentile(0.5) == 0)
    }
}

@Suite("Stream connection liveness")
struct LivenessWatchTests {
    let ms: Int64 = 1_000_000

    @Test("only accepted frames keep a connection live: without them it is stalled once, then again only after data returned")
    func stall() {
        var w = LivenessWatch(stallNs: 1_000 * ms, nowNs: 0)
        var reports: [LivenessWatch.Report?] = [w.check(nowNs: 10 * ms, watchesSilence: true), w.accepted(nowNs: 100 * ms),
                                                w.accepted(nowNs: 200 * ms)]
        #expect(reports == [nil, .firstData, nil])
        // Pings, replies, junk and other streams' frames reach `check` but never `accepted`.
        reports = stride(from: Int64(300), to: 1_200, by: 100).map { w.check(nowNs: $0 * ms, watchesSilence: true) }
        #expect(reports.allSatisfy { $0 == nil })
        reports = [w.check(nowNs: 1_200 * ms, watchesSilence: true), w.check(nowNs: 2_300 * ms, watchesSilence: true)]
        #expect(reports == [.stalled, nil], "reported once")
        _ = w.accepted(nowNs: 2_400 * ms)
        reports = [w.check(nowNs: 3_300 * ms, watchesSilence: true), w.check(nowNs: 3_400 * ms, watchesSilence: true)]
        #expect(reports == [nil, .stalled])
    }

    @Test("a connection that never delivers is silent; one carrying only liquidations is live at once and never stalls")
    func silentAndQuiet() {
        var w = LivenessWatch(stallNs: 1_000 * ms, nowNs: 0)
        let reports = [w.check(nowNs: 999 * ms, watchesSilence: true), w.check(nowNs: 1_000 * ms, watchesSilence: true)]
        #expect(reports == [nil, .silent])
        var quiet = LivenessWatch(stallNs: 1_000 * ms, nowNs: 0)
        let quietReports = [quiet.check(nowNs: 0, watchesSilence: false), quiet.check(nowNs: 60_000 * ms, watchesSilence: false)]
        #expect(quietReports == [.firstData, nil])
    }

    @Test("a combined frame's stream name is found and hashed like the subscribed name; raw payloads and replies have none")
    func streamNames() {
        func hash(_ text: String) -> UInt64? { Array(text.utf8).withUnsafeBytes { CombinedStream.nameHash(of: $0) } }
        #expect(hash(#"{"stream":"btcusdt@trade","data":{"e":"trade"}}"#) == CombinedStream.hash("btcusdt@trade"))
        #expect(hash(#"{"stream":"btcusdt@aggTrade","data":{}}"#) != CombinedStream.hash("btcusdt@trade"))
        #expect(hash(#"{"stream":"!forceOrder@arr","data":{}}"#) == CombinedStream.hash("!forceOrder@arr"))
        #expect(hash(#"{"e":"trade","s":"BTCUSDT"}"#) == nil && hash(#"{"result":null,"id":1}"#) == nil)
        #expect(hash(#"{"stream":"btcusdt@tr"#) == nil && hash(#"{"stream":"a\"b","data":{}}"#) == nil)
    }
}
