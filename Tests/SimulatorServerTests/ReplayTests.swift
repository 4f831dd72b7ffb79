import Foundation
import Market
import Simulator
@testable import SimulatorServer
import Testing

extension LoopbackTests {
    @Suite("Replay of recorded Binance data")
    struct ReplayTests {
        static let spotFile = fixture("hftbacktest/spot_btcusdt_20240808.gz")

        /// Runs an engine over `loops` loops of its clock and returns what it emitted.
        func play(_ recording: ReplayRecording, loops: Double) -> (ReplayEngine, [ReplayEngine.Emitted]) {
            var engine = ReplayEngine(recording: recording, speed: 1, startMonotonic: 0, startWallMs: 1_800_000_000_000)
            var out: [ReplayEngine.Emitted] = []
            let span = recording.groups[0].spanNanos
            engine.advance(now: Int64(Double(span) * loops), limit: .max, into: &out)
            return (engine, out)
        }

        @Test("the hftbacktest spot file loads as one group: snapshot, trades, synthesised aggTrades, spot tick")
        func loadsSpot() throws {
            let r = try ReplayRecording.load(paths: [Self.spotFile])
            #expect(r.groups.count == 1)
            let g = r.groups[0]
            #expect(g.venue == .spot && g.symbol == "BTCUSDT" && g.hasSnapshot && g.snapshotId == 50_093_239_218)
            #expect(g.contract.tickSize == 1_000_000 && g.contract.priceDecimals == 8)
            #expect(g.items.filter { if case .trade = $0.event { true } else { false } }.count == 9_757)
            #expect(!g.recordedAggTrades && g.items.contains { if case .aggTrade = $0.event { true } else { false } })
            guard case .depthUpdate(let first)? = g.items.first(where: { if case .depthUpdate = $0.event { true } else { false } })?.event
            else { Issue.record("no depth"); return }
            #expect(first.firstUpdateId == g.snapshotId + 1)
            #expect(g.spanMs > 340_000 && g.spanMs < 350_000)
        }

        @Test("looping keeps depth ids, trade ids and aggregate ids contiguous, and the book equals snapshot plus diffs")
        func spotLoops() throws {
            let recording = try ReplayRecording.load(paths: [Self.spotFile])
            let g = recording.groups[0]
            let (engine, out) = play(recording, loops: 2.5)
            #expect(engine.cursors[0].loop == 2)
            var book = g.initialBook
            var lastU = g.snapshotId
            var lastTrade: Int64?
            var lastAgg: SimAggTrade?
            var lastE: Int64 = 0
            var breaks = 0
            var crossed = 0
            var recentTrades: [Int64] = []
            for e in out {
                switch e.event {
                case .depthUpdate(let d):
                    if d.firstUpdateId != lastU + 1 { breaks += 1 }
                    lastU = d.finalUpdateId
                    for l in d.bids { book.set(bid: true, price: l.price, quantity: l.quantity) }
                    for l in d.asks { book.set(bid: false, price: l.price, quantity: l.quantity) }
                    if book.isCrossed { crossed += 1 }
                case .trade(let t):
                    if let p = lastTrade, t.tradeId != p + 1 { breaks += 1 }
                    lastTrade = t.tradeId
                    recentTrades.append(t.tradeId)
                    #expect(t.eventTime >= lastE)
                    lastE = t.eventTime
                case .aggTrade(let a):
                    if let p = lastAgg, a.aggregateId != p.aggregateId + 1 || a.firstTradeId != p.lastTradeId + 1 { breaks += 1 }
                    #expect(Array(recentTrades.suffix(Int(a.lastTradeId - a.firstTradeId + 1)))
                        == Array(a.firstTradeId...a.lastTradeId))
                    lastAgg = a
                default: break
                }
            }
            #expect(breaks == 0)
            #expect(crossed == 0)
            #expect(book == engine.cursors[0].book && lastU == engine.cursors[0].lastUpdateId)
            #expect(lastTrade! - out.lazy.compactMap { if case .trade(let t) = $0.event { t.tradeId } else { nil } }.first!
                == Int64(out.filter { if case .trade = $0.event { true } else { false } }.count) - 1)
        }

        @Test("futures replay keeps pu equal to the previous u across the loop boundary")
        func futuresLoop() throws {
            let recording = try ReplayRecording.load(paths: [fixture("hftbacktest/usdm_btcusdt_20240808.gz")])
            let g = recording.groups[0]
            #expect(g.venue == .futures && g.contract.priceDecimals == 2 && g.contract.quantityDecimals == 3)
            let (_, out) = play(recording, loops: 1.3)
            var lastU: Int64?
            var breaks = 0
            var diffs = 0
            for e in out {
                guard case .depthUpdate(let d) = e.event else { continue }
                if let l = lastU, d.previousFinalUpdateId != l { breaks += 1 }
                lastU = d.finalUpdateId
                diffs += 1
            }
            #expect(diffs > 6_000 && breaks == 0)
        }

        @Test("an injected depth gap and hidden trades show on the replayed stream, not in the book")
        func replayFaults() throws {
            let recording = try ReplayRecording.load(paths: [Self.spotFile])
            var engine = ReplayEngine(recording: recording, speed: 1, startMonotonic: 0, startWallMs: 0)
            var out: [ReplayEngine.Emitted] = []
            engine.advance(now: 10_000_000_000, limit: .max, into: &out)
            engine.skipDepth(group: 0, ids: 5)
            engine.skipTrades(group: 0, count: 2)
            let before = out.count
            engine.advance(now: 60_000_000_000, limit: .max, into: &out)
            let depth = out.compactMap { if case .depthUpdate(let d) = $0.event { d } else { nil } }
            let jumps = zip(depth, depth.dropFirst()).map { $1.firstUpdateId - $0.finalUpdateId - 1 }.filter { $0 != 0 }
            #expect(jumps == [5])
            let hidden = out[before...].filter { !$0.sent }
            #expect(hidden.filter { if case .trade = $0.event { true } else { false } }.count == 2)
            #expect(!hidden.isEmpty && hidden.allSatisfy {
                switch $0.event { case .trade, .aggTrade: true; default: false }
            })
        }

        @Test("over sockets: a client syncs by snapshot and diffs with 0 gaps and sees contiguous trade ids across loops")
        func socketSync() throws {
            let sim = try SimFixture { $0.replayFiles = [Self.spotFile]; $0.replaySpeed = 150 }
            let ws = try sim.socket("/stream?streams=btcusdt@depth@100ms/btcusdt@trade")
            var frames = try ws.collect(seconds: 0.3)
            let snapshot = try #require(try sim.json("/api/v3/depth?symbol=BTCUSDT&limit=1000") as? [String: Any])
            let lastUpdateId = try #require(snapshot.int("lastUpdateId"))
            var book = BookSync(snapshot: snapshot)
            var id = lastUpdateId
            var synced = false
            var gaps = 0
            var tradeIds: [Int64] = []
            var compared = false
            var check: [String: Any]?
            let end = Date().addingTimeInterval(6)
            while Date() < end {
                if frames.isEmpty { frames = try ws.collect(seconds: 0.2) }
                guard !frames.isEmpty else { continue }
                let f = frames.removeFirst()
                let d = f.payload
                if f.stream == "btcusdt@trade" { tradeIds.append(d.int("t")!); continue }
                let (U, u) = (d.int("U")!, d.int("u")!)
                if !synced {
                    guard u > id else { continue }
                    #expect(U <= id + 1 && id + 1 <= u)
                    synced = true
                } else if U != id + 1 {
                    gaps += 1
                }
                book.apply(d)
                id = u
                if check == nil, tradeIds.count > 100 {
                    check = try sim.json("/api/v3/depth?symbol=BTCUSDT&limit=20") as? [String: Any]
                }
                if let c = check, !compared, id == c.int("lastUpdateId") {
                    let rest = BookSync(snapshot: c).top(20)
                    let local = book.top(20)
                    #expect(rest.bids.map(\.0) == local.bids.map(\.0) && rest.bids.map(\.1) == local.bids.map(\.1))
                    #expect(rest.asks.map(\.0) == local.asks.map(\.0) && rest.asks.map(\.1) == local.asks.map(\.1))
                    compared = true
                }
            }
            #expect(synced && gaps == 0 && !book.crossed)
            #expect(compared)
            #expect(zip(tradeIds, tradeIds.dropFirst()).allSatisfy { $1 == $0 + 1 })
            let state = try sim.instrument("spot", "BTCUSDT")
            #expect((state["replayLoop"] as? Int ?? 0) >= 2)
            let aggs = try #require(try sim.json("/api/v3/aggTrades?symbol=BTCUSDT&limit=5") as? [[String: Any]])
            #expect(aggs.count == 5 && aggs.last?.int("l") ?? 0 >= tradeIds.last! - 1_000)
        }
    }
}
