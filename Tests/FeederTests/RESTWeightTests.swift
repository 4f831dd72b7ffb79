import Market
import Net
import Posix
import Runtime
import ShmRing
import Testing
@testable import Feeder

@Suite("REST request weights")
struct RESTWeightTests {
    /// 2026-01-01T00:00:00Z: a minute boundary.
    static let t0: Int64 = 1_767_225_600_000

    @Test("each request weighs what Binance charges for it")
    func weights() {
        #expect(RESTRequest.depth(symbol: 0, market: .spot).weight == 50)
        #expect(RESTRequest.depth(symbol: 0, market: .futures).weight == 20)
        #expect(RESTRequest.klines(symbol: 0, market: .spot, interval: .m1, startTime: nil, limit: 1000).weight == 2)
        let futures = [99, 100, 499, 500, 1000, 1001, 1500].map {
            RESTRequest.klines(symbol: 0, market: .futures, interval: .m1, startTime: nil, limit: $0).weight
        }
        #expect(futures == [1, 2, 2, 5, 5, 10, 10])
        #expect(RESTRequest.trades(symbol: 0, market: .spot, range: 1...2).weight == 25)
        #expect(RESTRequest.trades(symbol: 0, market: .futures, range: 1...2).weight == 20)
        #expect(RESTRequest.exchangeInfo(market: .spot, symbol: nil).weight == 20)
        #expect(RESTRequest.exchangeInfo(market: .futures, symbol: nil).weight == 1)
    }

    @Test("a request that would pass nine tenths of the limit waits for the next minute")
    func waitsForTheMinute() {
        var b = WeightBudget(limit: 100)
        #expect(b.usable == 90)
        #expect(b.waitMs(for: 50, nowMs: Self.t0 + 1_000) == 0)
        b.spend(50, nowMs: Self.t0 + 1_000)
        #expect(b.waitMs(for: 40, nowMs: Self.t0 + 2_000) == 0)
        b.spend(40, nowMs: Self.t0 + 2_000)
        #expect(b.waitMs(for: 1, nowMs: Self.t0 + 45_000) == 15_000)
        #expect(b.waitMs(for: 1, nowMs: Self.t0 + 60_000) == 0, "a new minute, a new budget")
        #expect(b.used == 0)
    }

    @Test("the server's count wins when it is higher; a lone request heavier than the budget still goes")
    func serverCountAndHeavy() {
        var b = WeightBudget(limit: 100)
        b.spend(10, nowMs: Self.t0)
        b.observed(85, nowMs: Self.t0 + 10)
        #expect(b.used == 85)
        b.observed(20, nowMs: Self.t0 + 20)
        #expect(b.used == 85, "an older answer does not lower it")
        #expect(b.waitMs(for: 10, nowMs: Self.t0 + 30_000) == 30_000)
        #expect(b.waitMs(for: 500, nowMs: Self.t0 + 60_000) == 0)
        b.setLimit(2400)
        #expect(b.limit == 2400 && b.usable == 2160)
    }

    @Test("junk in the weight header or Retry-After is bounded, not trusted into an overflow")
    func junkHeaders() {
        var b = WeightBudget(limit: 6000)
        b.observed(Int(clamping: UInt64.max), nowMs: Self.t0)
        #expect(b.used == WeightBudget.maxObservedWeight)
        #expect(b.waitMs(for: Int.max, nowMs: Self.t0 + 10) == 59_990, "waits for the next minute, no trap")
        b.spend(Int.max, nowMs: Self.t0 + 20)
        #expect(b.used == Int.max)
        #expect(b.waitMs(for: 10, nowMs: Self.t0 + 60_000) == 0, "a new minute starts clean")
        #expect(RateLimitAnswer.seconds(retryAfter: "10000000000") == RateLimitAnswer.maxRetryAfterSeconds)
        #expect(RateLimitAnswer.seconds(retryAfter: "-5") == 1)
        #expect(RateLimitAnswer.seconds(retryAfter: "20") == 20)
        #expect(RateLimitAnswer.seconds(retryAfter: "soon") == 60 && RateLimitAnswer.seconds(retryAfter: nil) == 60)
    }
}

@Suite("REST worker: the markets do not wait for each other")
struct RESTLaneTests {
    /// The requests answered, in order, appended from the worker's threads.
    final class Answered: @unchecked Sendable {
        private let lock = Mutex()
        private var list: [RESTRequest] = []
        func append(_ r: RESTRequest) { lock.withLock { list.append(r) } }
        var all: [RESTRequest] { lock.withLock { list } }
    }

    @Test("a spot market paused by a 429 (60 s without Retry-After) leaves futures requests going at once")
    func spotPauseLeavesFutures() throws {
        let server = try CannedREST { path in
            path.hasPrefix("/fapi/") ? (200, Array(#"{"lastUpdateId":1,"bids":[],"asks":[]}"#.utf8)) : (429, Array("{}".utf8))
        }
        defer { server.stop() }
        let base = try Endpoint(parsing: "http://127.0.0.1:\(server.port)")
        let worker = try RESTWorker(symbols: FeedSymbols(["BTCUSDT"]), spot: [base], futures: [base], tls: nil,
                                    log: Logger(role: "test", level: .critical, path: nil))
        let answered = Answered()
        worker.deliver = { request, _ in answered.append(request) }
        worker.start()
        worker.enqueue(.depth(symbol: 0, market: .spot))
        #expect(eventuallyTrue(5) { server.paths.contains { $0.hasPrefix("/api/v3/depth") } }, "spot asked first")
        let asked = Clock.monotonicNanos()
        worker.enqueue(.depth(symbol: 0, market: .futures))
        #expect(eventuallyTrue(5) { answered.all.contains(.depth(symbol: 0, market: .futures)) },
                "the futures snapshot waited behind the paused spot market")
        #expect(Clock.monotonicNanos() - asked < 3_000_000_000)
        #expect(!answered.all.contains(.depth(symbol: 0, market: .spot)), "spot is still paused")
        #expect(worker.snapshot.counters.rateLimited >= 1)
    }
}
