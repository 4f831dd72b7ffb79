import Foundation
import Market
import Simulator
@testable import SimulatorServer
import Testing

@Suite("SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, properties: Binance's replies and errors")
struct ControlSessionTests {
    func session(_ streams: [String] = [], combined: Bool = false, route: StreamRoute = .spot) -> ControlSession {
        ControlSession(endpoint: StreamEndpoint(route: route, combined: combined, streams: streams))
    }

    func send(_ s: inout ControlSession, _ text: String) -> String {
        String(decoding: s.handle(text: Array(text.utf8)).body, as: UTF8.self)
    }

    @Test("SUBSCRIBE and UNSUBSCRIBE answer result null with the id; LIST returns the streams in order")
    func subscribeList() {
        var s = session()
        #expect(send(&s, #"{"method":"SUBSCRIBE","params":["btcusdt@aggTrade","btcusdt@depth"],"id":1}"#)
            == #"{"result":null,"id":1}"#)
        #expect(send(&s, #"{"method":"LIST_SUBSCRIPTIONS","id":3}"#) == #"{"result":["btcusdt@aggTrade","btcusdt@depth"],"id":3}"#)
        #expect(send(&s, #"{"method":"UNSUBSCRIBE","params":["btcusdt@depth"],"id":312}"#) == #"{"result":null,"id":312}"#)
        #expect(send(&s, #"{"method":"LIST_SUBSCRIPTIONS","id":4}"#) == #"{"result":["btcusdt@aggTrade"],"id":4}"#)
        #expect(s.streams == ["btcusdt@aggTrade"])
    }

    @Test("ids: unsigned integers, the SDK's UUID strings and null are echoed; others refused")
    func ids() {
        var s = session()
        let uuid = "0e5a6f2c-3b1d-4f9a-9c2e-5d7b8a1f4e3c"
        #expect(send(&s, #"{"method":"LIST_SUBSCRIPTIONS","id":"\#(uuid)"}"#) == #"{"result":[],"id":"\#(uuid)"}"#)
        #expect(send(&s, #"{"method":"LIST_SUBSCRIPTIONS","id":null}"#) == #"{"result":[],"id":null}"#)
        for bad in ["-1", "1.5", "true", "\"has space\"", "{}"] {
            #expect(send(&s, #"{"method":"LIST_SUBSCRIPTIONS","id":\#(bad)}"#)
                == #"{"error":{"code":2,"msg":"Invalid request: request ID must be an unsigned integer"},"id":null}"#)
        }
    }

    @Test("an invalid stream gets code 2 in the error wrapper and subscribes nothing; an unknown symbol is acknowledged")
    func invalidStream() {
        var s = session()
        #expect(send(&s, #"{"method":"SUBSCRIBE","params":["btcusdt@trade","nope"],"id":2}"#)
            == #"{"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":2}"#)
        #expect(s.streams.isEmpty)
        #expect(send(&s, #"{"method":"SUBSCRIBE","params":["zzzusdt@trade"],"id":3}"#) == #"{"result":null,"id":3}"#)
    }

    @Test("bad JSON is code 3 with a position; unknown and missing methods are code 2")
    func errors() {
        var s = session()
        #expect(send(&s, "{") == #"{"error":{"code":3,"msg":"Invalid JSON: EOF while parsing an object at line 1 column 1"},"id":null}"#)
        #expect(send(&s, "x") == #"{"error":{"code":3,"msg":"Invalid JSON: expected value at line 1 column 1"},"id":null}"#)
        let unknown = send(&s, #"{"method":"SUBSCRIBX","id":5}"#)
        #expect(unknown.hasPrefix(#"{"error":{"code":2,"msg":"Invalid request: unknown variant `SUBSCRIBX`, expected one of `SUBSCRIBE`"#))
        #expect(unknown.hasSuffix(#"at line 1 column 21"},"id":5}"#))
        #expect(send(&s, #"{"params":[],"id":7}"#)
            == #"{"error":{"code":2,"msg":"Invalid request: missing field `method` at line 1 column 20"},"id":7}"#)
        #expect(send(&s, #"{"method":"LIST_SUBSCRIPTIONS","params":["x"],"id":8}"#)
            == #"{"error":{"code":2,"msg":"Invalid request: too many parameters"},"id":8}"#)
    }

    @Test("SET_PROPERTY/GET_PROPERTY combined, with codes 0, 1 and 2 for bad properties")
    func properties() {
        var s = session(combined: false)
        #expect(send(&s, #"{"method":"GET_PROPERTY","params":["combined"],"id":2}"#) == #"{"result":false,"id":2}"#)
        let set = s.handle(text: Array(#"{"method":"SET_PROPERTY","params":["combined",true],"id":5}"#.utf8))
        #expect(String(decoding: set.body, as: UTF8.self) == #"{"result":null,"id":5}"# && set.changed && s.combined)
        #expect(send(&s, #"{"method":"GET_PROPERTY","params":["combined"],"id":6}"#) == #"{"result":true,"id":6}"#)
        #expect(send(&s, #"{"method":"GET_PROPERTY","params":["colour"],"id":7}"#)
            == #"{"error":{"code":0,"msg":"Unknown property"},"id":7}"#)
        #expect(send(&s, #"{"method":"SET_PROPERTY","params":["combined","yes"],"id":8}"#)
            == #"{"error":{"code":1,"msg":"Invalid value type: expected Boolean"},"id":8}"#)
        #expect(send(&s, #"{"method":"SET_PROPERTY","params":[1,true],"id":9}"#)
            == #"{"error":{"code":2,"msg":"Invalid request: property name must be a string"},"id":9}"#)
    }

    @Test("at most 1024 streams per connection")
    func streamLimit() {
        var s = session()
        let names = (0..<1024).map { "\"s\($0)usdt@trade\"" }.joined(separator: ",")
        #expect(send(&s, #"{"method":"SUBSCRIBE","params":[\#(names)],"id":1}"#) == #"{"result":null,"id":1}"#)
        #expect(send(&s, #"{"method":"SUBSCRIBE","params":["one@trade"],"id":2}"#).contains(#""code":2"#))
        #expect(s.streams.count == 1024)
    }

    @Test("routed topics leave out streams the route does not serve")
    func routedTopics() {
        let s = session(["btcusdt@depth", "btcusdt@aggTrade", "btcusdt@trade"], route: .futuresPublic)
        #expect(s.routedTopics.map(\.name) == ["btcusdt@depth", "btcusdt@trade"])
        #expect(session(["btcusdt@aggTrade"], route: .futuresLegacy).routedTopics.isEmpty)
    }

    @Test("the rate limiter allows the limit per second and refuses one more")
    func rateLimiter() {
        var l = MessageRateLimiter(limit: 5)
        let second: Int64 = 1_000_000_000
        for k in 0..<5 {
            let ok = l.admit(now: Int64(k) * 100_000_000)
            #expect(ok)
        }
        let refused = !l.admit(now: 500_000_000)
        #expect(refused)
        var m = MessageRateLimiter(limit: 5)
        for k in 0..<20 {  // 4 per second forever
            let ok = m.admit(now: Int64(k) * second / 4)
            #expect(ok)
        }
    }

    @Test("the JSON reader handles escapes, nesting and reports positions; it never traps on junk")
    func jsonReader() {
        guard case .success(let v) = JSONReader.parse(Array(#" {"a":[1,-2.5e3,"x\"\u00e9",true,null,{}]} "#.utf8)) else {
            Issue.record("did not parse")
            return
        }
        #expect(v["a"] == .array([.number("1"), .number("-2.5e3"), .string("x\"é"), .bool(true), .null, .object([])]))
        if case .failure(let e) = JSONReader.parse(Array("{\n\"a\":}".utf8)) { #expect(e.line == 2 && e.column == 5) }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let junk = (0..<Int.random(in: 0...40, using: &rng)).map { _ in
                Array(#"{}[]":,\tnul"0123456789.eE+-x"#.utf8).randomElement(using: &rng)!
            }
            _ = JSONReader.parse(junk)
            var s = session()
            _ = s.handle(text: junk)
        }
        let deep = Array(String(repeating: "[", count: 10_000).utf8)
        if case .success = JSONReader.parse(deep) { Issue.record("deep nesting accepted") }
    }
}
