import Foundation
import Glibc
import Testing

/// The `/websocket/*` REST routes over real processes: the feeder against the simulator, the
/// answers read from the state tables by a worker.
@Suite("Live REST routes against the simulator", .serialized)
struct LiveRESTTests {
    @Test("the kline and futures trades carry the simulator's real trade ids, contiguous as it generates them")
    func tradeIds() throws {
        let sim = try SimulatorUnderTest()
        let server = try sim.serve(["SYMBOLS": "BTCUSDT", "INTERVALS": "1m,5m", "RING_MB": "16"])
        // Back-filled candles have no ids (-1); the stream's next update of the open one has.
        var kline: [String: Any] = [:]
        try server.eventually(20, "a 1m kline with trades from the stream") {
            let r = try HTTP.get(port: server.port, path: "/api/v1/websocket/kline/BTCUSDT/1m")
            guard r.status == 200, let k = try r.json()["kline"] as? [String: Any],
                  let n = k["n"] as? Int64, n > 0, let first = k["f"] as? Int64, first >= 0 else { return false }
            kline = k
            return true
        }
        let first = try #require(kline["f"] as? Int64), last = try #require(kline["L"] as? Int64)
        #expect(last - first + 1 == kline["n"] as? Int64, "\(kline)")

        let body = try HTTP.get(port: server.port, path: "/api/v1/websocket/trades/BTCUSDT?limit=50").json()
        let trades = try #require(body["trades"] as? [[String: Any]])
        #expect(trades.count > 1)
        let ranges = trades.compactMap { t -> (Int64, Int64)? in
            guard t["e"] as? String == "aggTrade", t["a"] is Int64, let f = t["f"] as? Int64, let l = t["l"] as? Int64 else { return nil }
            return (f, l)
        }
        #expect(ranges.count == trades.count, "every futures trade has a, f and l: \(trades.prefix(2))")
        #expect(ranges.allSatisfy { $0.0 >= 0 && $0.0 <= $0.1 })
        #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $1.0 == $0.1 + 1 }, "\(ranges.prefix(10))")
    }
}
