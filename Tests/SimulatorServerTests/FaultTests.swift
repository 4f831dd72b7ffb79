import Foundation
import Net
import Simulator
@testable import SimulatorServer
import Testing

extension LoopbackTests {
    @Suite("Each injected fault as a client sees it")
    struct FaultTests {
        @Test("drop resets the venue's connections (no close frame) and leaves the other venue's alone")
        func drop() throws {
            let sim = try SimFixture()
            let spot = try sim.socket("/ws/btcusdt@trade")
            let futures = try sim.socket("/market/ws/btcusdt@aggTrade", futures: true)
            _ = try spot.nextJSON()
            let r = try sim.fault("kind=drop&venue=spot")
            #expect(r["affected"] as? Int == 1)
            #expect(spot.ending(timeout: 3) == .reset)
            #expect(try futures.nextJSON(timeout: 3) != nil)
        }

        @Test("stall sends nothing, not even pings, for the duration, keeps the socket, then resumes")
        func stall() throws {
            let sim = try SimFixture { $0.spotPingIntervalMs = 100 }
            let ws = try sim.socket("/ws/btcusdt@bookTicker")
            _ = try ws.nextJSON()
            try sim.fault("kind=stall&venue=spot&durationMs=900")
            _ = try ws.collect(seconds: 0.1)  // frames already on the way
            let quietStart = Date()
            let pingsBefore = ws.pingsSeen
            var resumedAfter: TimeInterval?
            while Date().timeIntervalSince(quietStart) < 3 {
                if case .text? = try ws.next(timeout: 0.05) {
                    resumedAfter = Date().timeIntervalSince(quietStart)
                    break
                }
            }
            let quiet = try #require(resumedAfter)
            #expect(quiet > 0.6 && quiet < 2.5)
            #expect(ws.pingsSeen == pingsBefore)
            let totals = try #require(try sim.state()["totals"] as? [String: Any])
            #expect((totals["framesDroppedStalled"] as? Int ?? 0) > 0)
        }

        @Test("malformed sends truncated JSON, bad JSON, a binary frame and bad numbers, then data goes on")
        func malformed() throws {
            let sim = try SimFixture()
            let ws = try sim.socket("/ws/btcusdt@trade")
            _ = try ws.nextJSON()
            try sim.fault("kind=malformed&venue=spot&count=4")
            var unparsable = 0
            var binary = 0
            var badNumbers = 0
            var goodAfter = 0
            let end = Date().addingTimeInterval(2)
            while Date() < end && goodAfter < 3 {
                switch try ws.next(timeout: 0.1) {
                case .binary?: binary += 1
                case .text(let s)?:
                    guard let d = try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any] else {
                        unparsable += 1
                        continue
                    }
                    if d["q"] as? String == "NaN" { badNumbers += 1 } else if binary > 0 { goodAfter += 1 }
                default: break
                }
            }
            #expect(unparsable == 2 || unparsable == 3)  // -1.5e400 may or may not parse as a Double
            #expect(binary == 1)
            #expect(unparsable + badNumbers == 3)
            #expect(goodAfter == 3)
        }

        @Test("serverShutdown sends Binance's event (wrapped on combined streams), then closes")
        func serverShutdown() throws {
            let sim = try SimFixture()
            let raw = try sim.socket("/ws/btcusdt@trade")
            let combined = try sim.socket("/stream?streams=btcusdt@trade")
            try sim.fault("kind=serverShutdown&venue=spot&durationMs=300")
            let end = Date().addingTimeInterval(5)
            var sawRaw = false
            while !sawRaw, Date() < end, let d = try raw.nextJSON(timeout: 2) as? [String: Any] {
                sawRaw = d["e"] as? String == "serverShutdown" && d["E"] is Int
            }
            #expect(sawRaw)
            #expect(raw.ending(timeout: 3) == .closeFrame(1001))
            var sawCombined = false
            while !sawCombined, Date() < end, let d = try? combined.nextJSON(timeout: 2) as? [String: Any] {
                sawCombined = d.stream == "!serverShutdown" && d.payload["e"] as? String == "serverShutdown"
            }
            #expect(sawCombined)
        }

        @Test("http429: the next requests get 429 with Retry-After, hammering during the ban gets 418, then it recovers")
        func http429() throws {
            let sim = try SimFixture()
            try sim.fault("kind=http429&venue=spot&count=2&durationMs=1200")
            let first = try sim.http.get("/api/v3/time")
            #expect(first.status == 429 && first.header("Retry-After") == "2")
            #expect(first.text.contains("-1003"))
            #expect(try sim.http.get("/api/v3/ping").status == 429)
            let banned = try sim.http.get("/api/v3/ping")
            #expect(banned.status == 418 && banned.header("Retry-After") != nil)
            #expect(try sim.futuresHTTP.get("/fapi/v1/ping").status == 200)  // the other venue is unaffected
            usleep(1_300_000)
            #expect(try sim.http.get("/api/v3/ping").status == 200)
            let totals = try #require(try sim.state()["totals"] as? [String: Any])
            #expect(totals["rest429"] as? Int == 2 && totals["rest418"] as? Int == 1)
        }

        @Test("ws429: the next upgrade gets 429 with Retry-After, upgrades during the ban get 418, the other venue and later upgrades are served")
        func ws429() throws {
            let sim = try SimFixture()
            try sim.fault("kind=ws429&venue=spot&count=1&durationMs=1500")
            func connect(_ port: Int) -> NetError? {
                do {
                    let endpoint = try Endpoint(parsing: "ws://127.0.0.1:\(port)/stream?streams=btcusdt@trade")
                    let ws = try WebSocketClient.connect(endpoint, tls: nil, deadline: Deadline.after(seconds: 5))
                    ws.close(code: 1000, reason: "")
                    return nil
                } catch {
                    return error
                }
            }
            let first = connect(sim.spotPort)
            #expect(first?.kind == .rateLimited && first?.rateLimit == RateLimitAnswer(status: 429, retryAfterSeconds: 2), "\(String(describing: first))")
            #expect(connect(sim.futuresPort) == nil)  // the other venue is unaffected
            let banned = connect(sim.spotPort)
            #expect(banned?.rateLimit?.status == 418, "\(String(describing: banned))")
            usleep(1_600_000)
            #expect(connect(sim.spotPort) == nil)
            let totals = try #require(try sim.state()["totals"] as? [String: Any])
            #expect(totals["ws429"] as? Int == 1 && totals["ws418"] as? Int == 1)
        }

        @Test("unsubscribedStream sends a frame of a stream not subscribed to every 100 ms instead of the subscribed ones, pings go on, then data resumes")
        func unsubscribedStream() throws {
            // Pings every 300 ms: the socket's pongs stay within Binance's 5 messages a second.
            let sim = try SimFixture { $0.spotPingIntervalMs = 300 }
            let ws = try sim.socket("/stream?streams=btcusdt@trade")
            _ = try ws.nextJSON()
            let pingsBefore = ws.pingsSeen
            try sim.fault("kind=unsubscribedStream&venue=spot&durationMs=800")
            let start = Date()
            var foreign = 0
            var subscribedDuring = 0
            var resumed = false
            while Date().timeIntervalSince(start) < 3 && !resumed {
                guard case .text(let text)? = try ws.next(timeout: 0.05),
                      let d = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { continue }
                let elapsed = Date().timeIntervalSince(start)
                if d.stream == "btcusdt@aggTrade" {
                    foreign += 1
                    #expect(d.payload["e"] as? String == "aggTrade" && d.payload["s"] as? String == "BTCUSDT")
                } else if d.stream == "btcusdt@trade" {
                    if elapsed > 0.2 && elapsed < 0.7 { subscribedDuring += 1 }
                    if elapsed >= 0.8 { resumed = true }
                }
            }
            #expect(foreign >= 5 && foreign <= 10, "\(foreign) frames of the unsubscribed stream")
            #expect(subscribedDuring == 0 && resumed)
            #expect(ws.pingsSeen > pingsBefore)
        }

        @Test("skipDepth makes the next diff jump its ids; the REST snapshot follows the stream")
        func skipDepth() throws {
            let sim = try SimFixture()
            let spot = try sim.socket("/ws/btcusdt@depth@100ms")
            let futures = try sim.socket("/public/ws/btcusdt@depth@100ms", futures: true)
            let spotBefore = try #require(try spot.nextJSON() as? [String: Any])
            let futuresBefore = try #require(try futures.nextJSON() as? [String: Any])
            try sim.fault("kind=skipDepth&venue=spot&symbol=BTCUSDT&count=7")
            try sim.fault("kind=skipDepth&venue=futures&symbol=BTCUSDT&count=7")
            var spotGaps: [Int64] = []
            var last = spotBefore.int("u")
            for d in try spot.collect(seconds: 1) {
                if let l = last, let u = d.int("U"), u != l + 1 { spotGaps.append(u - l - 1) }
                last = d.int("u")
            }
            #expect(spotGaps == [7])
            var futuresBreaks = 0
            var lastU = futuresBefore.int("u")
            for d in try futures.collect(seconds: 1) {
                if let l = lastU, d.int("pu") != l { futuresBreaks += 1 }
                lastU = d.int("u")
            }
            #expect(futuresBreaks == 1)
            let snapshot = try #require(try sim.json("/api/v3/depth?symbol=BTCUSDT&limit=5") as? [String: Any])
            #expect((snapshot.int("lastUpdateId") ?? 0) >= (last ?? .max))
            let counters = try sim.instrument("spot", "BTCUSDT")
            #expect((counters["faults"] as? [String: Int])?["skipDepth"] == 1)
        }

        @Test("skipTrade hides trades from the stream; REST aggTrades and /sim/trades still have them")
        func skipTrade() throws {
            let sim = try SimFixture()
            let ws = try sim.socket("/ws/btcusdt@trade")
            let before = try #require(try ws.nextJSON() as? [String: Any])
            try sim.fault("kind=skipTrade&venue=spot&symbol=BTCUSDT&count=1")
            var ids: [Int64] = [try #require(before.int("t"))]
            for d in try ws.collect(seconds: 1.2) { if let t = d.int("t") { ids.append(t) } }
            let missing = zip(ids, ids.dropFirst()).flatMap { a, b in (a + 1..<b).map { $0 } }
            #expect((1...3).contains(missing.count))
            let truth = try #require(try sim.json("/sim/trades?venue=spot&symbol=BTCUSDT&fromId=\(ids[0])")
                as? [String: Any])
            let rows = try #require(truth["trades"] as? [[String: Any]])
            let hidden = rows.filter { $0["sent"] as? Bool == false }.compactMap { $0.int("id") }
            #expect(Set(hidden) == Set(missing))
            let aggs = try #require(try sim.json("/api/v3/aggTrades?symbol=BTCUSDT&limit=1000") as? [[String: Any]])
            let covered = Set(aggs.flatMap { a in (a.int("f")!...a.int("l")!).map { $0 } })
            #expect(Set(missing).isSubset(of: covered))
        }
    }
}
