import Foundation
import Market
import Posix
import Simulator
@testable import SimulatorServer
import Testing

/// A klines row as served: `[t,"o","h","l","c","v",T,"q",n,"V","Q","0"]`, decimals as fixed point.
struct KlineRow: Equatable {
    var openTime: Int64
    var closeTime: Int64
    var open, high, low, close, volume, quoteVolume, takerBuyBase, takerBuyQuote: Int64
    var tradeCount: Int64

    init(_ row: [Any]) throws {
        func fixed(_ i: Int) throws -> Int64 {
            let text = try #require(row[i] as? String)
            return try #require(Fixed.parse(text), "\(text)")
        }
        func integer(_ i: Int) throws -> Int64 { try #require((row[i] as? NSNumber)?.int64Value) }
        #expect(row.count == 12)
        openTime = try integer(0)
        open = try fixed(1)
        high = try fixed(2)
        low = try fixed(3)
        close = try fixed(4)
        volume = try fixed(5)
        closeTime = try integer(6)
        quoteVolume = try fixed(7)
        tradeCount = try integer(8)
        takerBuyBase = try fixed(9)
        takerBuyQuote = try fixed(10)
    }

    /// The row of a longer interval made of consecutive rows.
    static func fold(_ rows: ArraySlice<KlineRow>, openTime: Int64, ms: Int64) -> KlineRow {
        var out = rows.first!
        out.openTime = openTime
        out.closeTime = openTime + ms - 1
        out.high = rows.map(\.high).max()!
        out.low = rows.map(\.low).min()!
        out.close = rows.last!.close
        out.volume = rows.reduce(0) { $0 + $1.volume }
        out.quoteVolume = rows.reduce(0) { $0 + $1.quoteVolume }
        out.tradeCount = rows.reduce(0) { $0 + $1.tradeCount }
        out.takerBuyBase = rows.reduce(0) { $0 + $1.takerBuyBase }
        out.takerBuyQuote = rows.reduce(0) { $0 + $1.takerBuyQuote }
        return out
    }
}

extension SimFixture {
    func klines(_ query: String, futures: Bool = true) throws -> [KlineRow] {
        let path = (futures ? "/fapi/v1/klines?" : "/api/v3/klines?") + query
        let rows = try #require(try json(path, futures: futures) as? [[Any]], "\(path)")
        return try rows.map(KlineRow.init)
    }

    /// The minute the simulator started in: where the history ends and live trades begin.
    func startMinute() throws -> Int64 { try #require(try state().int("historyEndMs")) }
}

extension LoopbackTests {
    @Suite("Candle history: klines REST before the simulator started")
    struct HistoryServerTests {
        @Test("futures 1m klines with limit=1500: 1500 contiguous rows ending at the current minute, each opening at the previous close")
        func minuteRows() throws {
            let sim = try SimFixture { $0.historyMinutes = 1_500 }
            let start = try sim.startMinute()
            let before = Clock.realtimeMillis() / 60_000 * 60_000
            let rows = try sim.klines("symbol=BTCUSDT&interval=1m&limit=1500")
            let after = Clock.realtimeMillis() / 60_000 * 60_000
            #expect(rows.count == 1_500)
            #expect(rows.last.map { $0.openTime == before || $0.openTime == after } == true)
            let tick = SimSymbolSpec.btcusdt.futures.tickSize
            for (k, r) in rows.enumerated() {
                #expect(r.closeTime == r.openTime + 59_999)
                #expect(r.high >= max(r.open, r.close) && r.low <= min(r.open, r.close))
                #expect(r.takerBuyBase <= r.volume && r.takerBuyQuote <= r.quoteVolume)
                guard k > 0 else { continue }
                #expect(r.openTime == rows[k - 1].openTime + 60_000)
                if r.openTime < start {
                    #expect(r.open == rows[k - 1].close && r.tradeCount > 0, "row \(k)")
                } else if r.openTime == start {
                    // The first live bar opens at its first trade: the last close's bid or ask.
                    #expect(abs(r.open - rows[k - 1].close) <= 2 * tick, "row \(k)")
                }
            }
            #expect(try sim.state().int("historyMinutes") == 1_500)
        }

        @Test("1h klines equal the fold of the 1m klines of a full hour, on spot and futures")
        func hourIsFoldOfMinutes() throws {
            let sim = try SimFixture { $0.historyMinutes = 1_500 }
            let start = try sim.startMinute()
            let hour: Int64 = 3_600_000
            let full = start - start % hour - hour  // the last hour wholly before the start
            for futures in [true, false] {
                let minutes = try sim.klines("symbol=ETHUSDT&interval=1m&startTime=\(full)&limit=60", futures: futures)
                #expect(minutes.count == 60 && minutes.first?.openTime == full)
                #expect(minutes.last?.openTime == full + hour - 60_000)
                let hours = try sim.klines("symbol=ETHUSDT&interval=1h&startTime=\(full)&endTime=\(full)",
                                           futures: futures)
                #expect(hours == [KlineRow.fold(minutes[...], openTime: full, ms: hour)], "futures: \(futures)")
            }
        }

        @Test("startTime, endTime and limit page through the history like Binance; spot caps at 1000 rows")
        func paging() throws {
            let sim = try SimFixture { $0.historyMinutes = 1_500 }
            let all = try sim.klines("symbol=BTCUSDT&interval=1m&limit=1500")
            try #require(all.count == 1_500)
            let t = all.map(\.openTime)
            #expect(try sim.klines("symbol=BTCUSDT&interval=1m&startTime=\(t[100])&limit=200") == Array(all[100..<300]))
            #expect(try sim.klines("symbol=BTCUSDT&interval=1m&startTime=\(t[5] + 1)&limit=3") == Array(all[6..<9]))
            #expect(try sim.klines("symbol=BTCUSDT&interval=1m&endTime=\(t[499])&limit=100") == Array(all[400..<500]))
            let both = try sim.klines("symbol=BTCUSDT&interval=1m&startTime=\(t[10])&endTime=\(t[19])")
            #expect(both == Array(all[10..<20]))
            #expect(try sim.klines("symbol=BTCUSDT&interval=1m&limit=1500", futures: false).count == 1_000)
            #expect(try sim.klines("symbol=BTCUSDT&interval=1m", futures: false).count == 500)
            #expect(try sim.klines("symbol=BTCUSDT&interval=1d").count >= 2)
        }

        @Test("--history-minutes 0: one candle per interval, as before")
        func noHistory() throws {
            let sim = try SimFixture { $0.historyMinutes = 0 }
            try eventually(5, "the first bars") { try sim.klines("symbol=BTCUSDT&interval=1h").count == 1 }
            #expect((1...2).contains(try sim.klines("symbol=BTCUSDT&interval=1m&limit=1500").count))
            #expect(try sim.klines("symbol=ETHUSDT&interval=1d", futures: false).count == 1)
            #expect(try sim.state().int("historyMinutes") == 0)
        }

        @Test("start-up cost of 1500 minutes of history for 5 symbols (printed, not asserted)")
        func startupCost() throws {
            func build(_ minutes: Int) -> (SimulationCore, Double) {
                var o = SimulatorOptions()
                o.symbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"]
                o.historyMinutes = minutes
                let t0 = Clock.monotonicNanos()
                let core = SimulationCore(options: o, recording: nil, stats: ServerStats(), startMonotonic: t0,
                                          startWallMs: Clock.realtimeMillis())
                return (core, Double(Clock.monotonicNanos() - t0) / 1e6)
            }
            let (_, without) = build(0)
            let (core, with) = build(1_500)
            print("simulator core start-up, 5 symbols: history 0 → \(without) ms, history 1500 → \(with) ms")
            let bars = core.state.withLock { $0.market.bars(symbol: "XRPUSDT", venue: .spot, interval: .m1) }
            #expect(bars?.count == 1_501)
        }
    }
}
