import Foundation
import Simulator
@testable import SimulatorServer
import Testing

extension LoopbackTests {
    @Suite("Stream URLs, routes and live control over real sockets")
    struct StreamingTests {
        @Test("spot /ws/<stream> delivers bare payloads")
        func rawStream() throws {
            let sim = try SimFixture()
            let ws = try sim.socket("/ws/btcusdt@trade")
            let first = try #require(try ws.nextJSON() as? [String: Any])
            #expect(first["e"] as? String == "trade" && first["s"] as? String == "BTCUSDT" && first["stream"] == nil)
        }

        @Test("spot /stream?streams=a/b wraps frames with the stream name as subscribed")
        func combinedStream() throws {
            let sim = try SimFixture()
            let ws = try sim.socket("/stream?streams=btcusdt@trade/ethusdt@depth")
            var names = Set<String>()
            for m in try ws.collect(seconds: 1.5) {
                names.insert(m.stream ?? "?")
                #expect(m["data"] is [String: Any])
            }
            #expect(names == ["btcusdt@trade", "ethusdt@depth"])
        }

        @Test("/ws with SUBSCRIBE starts data, UNSUBSCRIBE stops it, LIST_SUBSCRIPTIONS reports the rest")
        func liveSubscribe() throws {
            let sim = try SimFixture()
            let ws = try sim.socket("/ws")
            try ws.sendText(#"{"method":"SUBSCRIBE","params":["btcusdt@aggTrade","btcusdt@bookTicker"],"id":1}"#)
            #expect(try ws.reply(id: 1) as NSDictionary == ["result": NSNull(), "id": 1] as NSDictionary)
            let data = try ws.collect(seconds: 1)
            #expect(data.contains { $0["e"] as? String == "aggTrade" })
            #expect(data.contains { $0["u"] != nil && $0["e"] == nil })  // spot bookTicker: no e, no E
            try ws.sendText(#"{"method":"UNSUBSCRIBE","params":["btcusdt@aggTrade"],"id":2}"#)
            _ = try ws.reply(id: 2)
            try ws.sendText(#"{"method":"LIST_SUBSCRIPTIONS","id":3}"#)
            #expect(try ws.reply(id: 3)["result"] as? [String] == ["btcusdt@bookTicker"])
            #expect(!(try ws.collect(seconds: 0.8)).contains { $0["e"] as? String == "aggTrade" })
        }

        @Test("SET_PROPERTY combined wraps the frames of a /ws connection")
        func setCombined() throws {
            let sim = try SimFixture()
            let ws = try sim.socket("/ws/btcusdt@trade")
            #expect(try ws.nextJSON().flatMap { $0 as? [String: Any] }?.stream == nil)
            try ws.sendText(#"{"method":"SET_PROPERTY","params":["combined",true],"id":9}"#)
            _ = try ws.reply(id: 9)
            let wrapped = try ws.collect(seconds: 0.6)
            #expect(!wrapped.isEmpty && wrapped.allSatisfy { $0.stream == "btcusdt@trade" })
        }

        @Test("futures routes: depth on /public (with pu), aggTrade and markPrice on /market, trade on both")
        func futuresRoutes() throws {
            let sim = try SimFixture()
            let book = try sim.socket("/public/ws/btcusdt@depth@100ms/btcusdt@trade", futures: true)
            let market = try sim.socket("/market/stream?streams=btcusdt@aggTrade/btcusdt@markPrice/btcusdt@trade",
                                        futures: true)
            let b = try book.collect(seconds: 1.5)
            #expect(b.contains { $0["e"] as? String == "depthUpdate" && $0["pu"] != nil && $0["T"] != nil })
            #expect(b.contains { $0["e"] as? String == "trade" && $0["X"] as? String == "MARKET" })
            let names = Set(try market.collect(seconds: 1.5).compactMap(\.stream))
            #expect(names == ["btcusdt@aggTrade", "btcusdt@markPrice", "btcusdt@trade"])
        }

        @Test("legacy unrouted futures URLs accept, acknowledge SUBSCRIBE, and deliver nothing")
        func legacySilent() throws {
            let sim = try SimFixture()
            let ws = try sim.socket("/ws/btcusdt@aggTrade", futures: true)
            let combined = try sim.socket("/stream?streams=btcusdt@depth", futures: true)
            try ws.sendText(#"{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":4}"#)
            #expect(try ws.reply(id: 4)["result"] is NSNull)
            #expect(try ws.collect(seconds: 1.2).isEmpty)
            #expect(try combined.collect(seconds: 0.3).isEmpty)
        }

        @Test("a stream on the wrong route is acknowledged and stays silent")
        func wrongRoute() throws {
            let sim = try SimFixture()
            let pub = try sim.socket("/public/ws", futures: true)
            try pub.sendText(#"{"method":"SUBSCRIBE","params":["btcusdt@aggTrade","btcusdt@markPrice"],"id":1}"#)
            #expect(try pub.reply(id: 1)["result"] is NSNull)
            let market = try sim.socket("/market/ws/btcusdt@depth@100ms", futures: true)
            #expect(try pub.collect(seconds: 1.2).isEmpty)
            #expect(try market.collect(seconds: 0.3).isEmpty)
        }

        @Test("an invalid stream in the URL is closed with 1008; an unknown path is refused with 404")
        func badURLs() throws {
            let sim = try SimFixture()
            let ws = try sim.socket("/ws/btcusdt@nonsense")
            #expect(ws.ending(timeout: 3) == .closeFrame(1008))
            #expect(throws: (any Error).self) { _ = try sim.socket("/nope") }
            #expect(throws: (any Error).self) { _ = try sim.socket("/private/nope", futures: true) }
        }

        @Test("more than 5 messages a second on spot disconnects; futures allows 10")
        func messageRateLimit() throws {
            let sim = try SimFixture()
            let spot = try sim.socket("/ws")
            for k in 0..<6 { try spot.sendText(#"{"method":"LIST_SUBSCRIPTIONS","id":\#(k)}"#) }
            #expect(spot.ending(timeout: 3) == .closeFrame(1008))
            let futures = try sim.socket("/market/ws", futures: true)
            for k in 0..<10 { try futures.sendText(#"{"method":"LIST_SUBSCRIPTIONS","id":\#(k)}"#) }
            #expect(try futures.reply(id: 9)["result"] as? [String] == [])
            #expect(try sim.state()["totals"].flatMap { ($0 as? [String: Any])?["rateLimitClosed"] as? Int } == 1)
        }

        @Test("server pings come at the interval; a client that never answers is dropped after the pong timeout")
        func pingsAndPongTimeout() throws {
            let sim = try SimFixture { $0.spotPingIntervalMs = 300; $0.spotPongTimeoutMs = 900 }
            let polite = try sim.socket("/ws")
            let silent = try sim.socket("/ws")
            silent.autoPong = false
            var silentEnding: TestSocket.Ending?
            var politeEnding: TestSocket.Ending?
            let end = Date().addingTimeInterval(3)
            while Date() < end && silentEnding == nil {
                for (ws, isSilent) in [(polite, false), (silent, true)] {
                    do {
                        if case .close(let code, _)? = try ws.next(timeout: 0.02) {
                            if isSilent { silentEnding = .closeFrame(code) } else { politeEnding = .closeFrame(code) }
                        }
                    } catch let e as EndingError {
                        if isSilent { silentEnding = e.ending } else { politeEnding = e.ending }
                    }
                }
            }
            #expect(silentEnding == .closeFrame(1008))
            #expect(silent.pingsSeen >= 3)
            #expect(politeEnding == nil && polite.pingsSeen >= 3)
            #expect(polite.ending(timeout: 0.4) == nil)
        }

        @Test("a client ping is answered with a pong echoing its payload")
        func clientPing() throws {
            let sim = try SimFixture()
            let ws = try sim.socket("/ws")
            try ws.send(.ping, Array("hello".utf8))
            #expect(try ws.next(timeout: 3) == .pong(Array("hello".utf8)))
        }

        @Test("a connection older than the maximum age is closed")
        func maxAge() throws {
            let sim = try SimFixture { $0.maxConnectionAgeMs = 400 }
            let ws = try sim.socket("/ws/btcusdt@trade")
            #expect(ws.ending(timeout: 5) == .closeFrame(1000))
        }

        @Test("partial depth, kline, ticker, miniTicker arrays and avgPrice arrive in Binance's shapes")
        func periodicStreams() throws {
            let sim = try SimFixture()
            let ws = try sim.socket("/stream?streams=btcusdt@depth5@100ms/btcusdt@kline_1m/btcusdt@ticker/"
                                    + "!miniTicker@arr/btcusdt@avgPrice")
            let frames = try ws.collect(seconds: 2.6)
            let partial = try #require(frames.first { $0.stream == "btcusdt@depth5@100ms" }?["data"] as? [String: Any])
            #expect(partial["lastUpdateId"] is Int && (partial["bids"] as? [[String]])?.count == 5)
            let kline = try #require(frames.first { $0.stream == "btcusdt@kline_1m" }?.payload["k"] as? [String: Any])
            #expect(kline["i"] as? String == "1m" && kline["x"] is Bool)
            #expect(frames.first { $0.stream == "btcusdt@ticker" }?.payload["e"] as? String == "24hrTicker")
            let arr = try #require(frames.first { $0.stream == "!miniTicker@arr" }?["data"] as? [[String: Any]])
            #expect(arr.first?["e"] as? String == "24hrMiniTicker")
            #expect(frames.first { $0.stream == "btcusdt@avgPrice" }?.payload["i"] as? String == "5m")
        }

        @Test("every subscriber of a stream gets byte-identical frames")
        func encodedOnce() throws {
            let sim = try SimFixture()
            let a = try sim.socket("/ws/btcusdt@trade")
            let b = try sim.socket("/ws/btcusdt@trade")
            var fromA: [Int64: String] = [:]
            var fromB: [Int64: String] = [:]
            let end = Date().addingTimeInterval(1.2)
            while Date() < end {
                for (ws, store) in [(a, 0), (b, 1)] {
                    guard case .text(let s)? = try ws.next(timeout: 0.05),
                          let d = try JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any],
                          let t = d.int("t") else { continue }
                    if store == 0 { fromA[t] = s } else { fromB[t] = s }
                }
            }
            let common = Set(fromA.keys).intersection(fromB.keys)
            #expect(!common.isEmpty)
            #expect(common.allSatisfy { fromA[$0] == fromB[$0] })
        }

        @Test("a reader that does not keep up is closed and counted; the others go on")
        func slowConsumer() throws {
            let sim = try SimFixture { $0.rate = 20_000; $0.outboxBytes = 256 << 10 }
            let slow = try sim.socket("/stream?streams=btcusdt@depth@100ms/btcusdt@trade/btcusdt@bookTicker")
            let fine = try sim.socket("/ws/ethusdt@trade")
            try eventually(20, "the slow reader to be closed") {
                _ = try fine.collect(seconds: 0.05)
                return (try sim.state()["totals"] as? [String: Any])?["slowConsumersClosed"] as? Int == 1
            }
            #expect(slow.ending(timeout: 10) != nil)
            #expect(try fine.nextJSON() != nil)
        }
    }
}
