import Foundation
import Net
import Posix
import Simulator
@testable import SimulatorServer
import Testing

extension LoopbackTests {
    @Suite("REST over HTTP: routes, weights, Binance errors")
    struct RESTServerTests {
        @Test("every served spot and futures route answers 200 with JSON and the weight header")
        func routes() throws {
            let sim = try SimFixture()
            usleep(300_000)
            for path in ["/api/v3/ping", "/api/v3/time", "/api/v3/exchangeInfo", "/api/v3/exchangeInfo?symbol=BTCUSDT",
                         "/api/v3/depth?symbol=BTCUSDT&limit=5", "/api/v3/trades?symbol=BTCUSDT&limit=5",
                         "/api/v3/historicalTrades?symbol=BTCUSDT&limit=5", "/api/v3/aggTrades?symbol=ETHUSDT",
                         "/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=3", "/api/v3/uiKlines?symbol=BTCUSDT&interval=5m",
                         "/api/v3/ticker/24hr?symbol=BTCUSDT", "/api/v3/ticker/24hr",
                         "/api/v3/ticker/24hr?symbols=%5B%22BTCUSDT%22,%22ETHUSDT%22%5D", "/api/v3/ticker/price",
                         "/api/v3/ticker/bookTicker?symbol=ETHUSDT", "/api/v3/avgPrice?symbol=BTCUSDT"] {
                let r = try sim.http.get(path)
                #expect(r.status == 200, "\(path): \(r.status) \(r.text)")
                #expect(r.header("X-MBX-USED-WEIGHT-1M") != nil, "\(path)")
                #expect((try? JSONSerialization.jsonObject(with: Data(r.body))) != nil, "\(path)")
            }
            for path in ["/fapi/v1/ping", "/fapi/v1/time", "/fapi/v1/exchangeInfo", "/fapi/v1/depth?symbol=BTCUSDT&limit=7",
                         "/fapi/v1/aggTrades?symbol=BTCUSDT", "/fapi/v1/klines?symbol=ETHUSDT&interval=1h",
                         "/fapi/v1/ticker/24hr?symbol=BTCUSDT", "/fapi/v1/premiumIndex?symbol=BTCUSDT"] {
                let r = try sim.futuresHTTP.get(path)
                #expect(r.status == 200, "\(path): \(r.status) \(r.text)")
                #expect(r.header("X-MBX-USED-WEIGHT-1M") != nil, "\(path)")
            }
            let depth = try #require(try sim.json("/fapi/v1/depth?symbol=BTCUSDT&limit=7", futures: true) as? [String: Any])
            #expect(depth["E"] is Int && depth["T"] is Int && (depth["bids"] as? [[String]])?.count == 10)
        }

        @Test("weights add up per minute in X-MBX-USED-WEIGHT-1M")
        func weights() throws {
            let sim = try SimFixture()
            let a = try sim.http.get("/api/v3/depth?symbol=BTCUSDT&limit=1000")
            let b = try sim.http.get("/api/v3/exchangeInfo")
            let used = [a, b].compactMap { $0.header("X-MBX-USED-WEIGHT-1M").flatMap { Int($0) } }
            #expect(used.count == 2 && used[1] - used[0] == 20)
        }

        @Test("bad parameters get Binance's codes: -1100, -1102, -1120, -1121; unknown paths and HEAD get 404")
        func errors() throws {
            let sim = try SimFixture()
            func check(_ path: String, _ status: Int, _ code: Int, method: String = "GET") throws {
                let r = try sim.http.request(method, path)
                #expect(r.status == status, "\(path): \(r.status)")
                if method != "HEAD" {
                    let body = try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]
                    #expect(body?["code"] as? Int == code, "\(path): \(r.text)")
                    #expect(body?["msg"] is String)
                } else {
                    #expect(r.body.isEmpty)
                }
            }
            try check("/api/v3/depth?symbol=BTCUSDT&limit=abc", 400, -1100)
            try check("/api/v3/depth?symbol=btcusdt", 400, -1100)
            try check("/api/v3/depth", 400, -1102)
            try check("/api/v3/klines?symbol=BTCUSDT&interval=7m", 400, -1120)
            try check("/api/v3/klines?symbol=BTCUSDT", 400, -1102)
            try check("/api/v3/depth?symbol=NOPEUSDT", 400, -1121)
            try check("/api/v3/nothing", 404, -1000)
            try check("/elsewhere", 404, -1000)
            try check("/api/v3/ping", 404, -1000, method: "HEAD")
            try check("/api/v3/ping", 404, -1000, method: "POST")
        }

        @Test("a malformed HTTP request gets 400 and is counted; the server keeps serving")
        func malformedHTTP() throws {
            let sim = try SimFixture()
            let t = try Transport.connect(host: "127.0.0.1", port: sim.spotPort, tls: nil, deadline: Deadline.after(seconds: 5))
            try Array("BLAH BLAH\r\n\r\n".utf8).withUnsafeBytes { try t.writeAll($0, deadline: Deadline.after(seconds: 5)) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = try buffer.withUnsafeMutableBytes { try t.read(into: $0, deadline: Deadline.after(seconds: 5)) }
            #expect(String(decoding: buffer[..<n], as: UTF8.self).hasPrefix("HTTP/1.1 400"))
            t.close()
            let totals = try #require(try sim.state()["totals"] as? [String: Any])
            #expect((totals["malformedClientMessages"] as? Int ?? 0) >= 1)
            #expect(try sim.http.get("/api/v3/ping").status == 200)
        }

        @Test("a client following Binance's snapshot-and-diff procedure syncs with the live stream, no gaps")
        func bookSync() throws {
            let sim = try SimFixture()
            let ws = try sim.socket("/ws/btcusdt@depth@100ms")
            var buffered = try ws.collect(seconds: 0.3)
            let snapshot = try #require(try sim.json("/api/v3/depth?symbol=BTCUSDT&limit=1000") as? [String: Any])
            buffered += try ws.collect(seconds: 1)
            let last = try #require(snapshot.int("lastUpdateId"))
            var book = BookSync(snapshot: snapshot)
            let kept = buffered.drop { ($0.int("u") ?? 0) <= last }
            let first = try #require(kept.first)
            #expect(first.int("U")! <= last + 1 && last + 1 <= first.int("u")!)
            var gaps = 0
            var id = last
            for d in kept {
                if d.int("U")! > id + 1 { gaps += 1 }
                book.apply(d)
                id = d.int("u")!
            }
            #expect(gaps == 0)
            #expect(!book.crossed)
        }
    }
}

/// A local book kept by Binance's procedure, prices as decimal strings → quantities.
struct BookSync {
    var bids: [Decimal: Decimal] = [:]
    var asks: [Decimal: Decimal] = [:]

    init(snapshot: [String: Any]) {
        for l in snapshot["bids"] as? [[String]] ?? [] { bids[Decimal(string: l[0])!] = Decimal(string: l[1])! }
        for l in snapshot["asks"] as? [[String]] ?? [] { asks[Decimal(string: l[0])!] = Decimal(string: l[1])! }
    }

    mutating func apply(_ d: [String: Any]) {
        for l in d["b"] as? [[String]] ?? [] {
            let q = Decimal(string: l[1])!
            bids[Decimal(string: l[0])!] = q == 0 ? nil : q
        }
        for l in d["a"] as? [[String]] ?? [] {
            let q = Decimal(string: l[1])!
            asks[Decimal(string: l[0])!] = q == 0 ? nil : q
        }
    }

    var crossed: Bool {
        guard let b = bids.keys.max(), let a = asks.keys.min() else { return false }
        return b >= a
    }

    /// The best `n` levels per side, for comparing with a REST snapshot.
    func top(_ n: Int) -> (bids: [(Decimal, Decimal)], asks: [(Decimal, Decimal)]) {
        (bids.sorted { $0.key > $1.key }.prefix(n).map { ($0.key, $0.value) },
         asks.sorted { $0.key < $1.key }.prefix(n).map { ($0.key, $0.value) })
    }
}
