import Foundation
import Market
import Testing
@testable import Worker

/// JSON bodies are bound as the original's Echo bind fills a Go struct: a member of the wrong
/// JSON type is a bind failure (each route's 400), `null` or a missing member keeps the default.
@Suite("REST bodies: a member of the wrong type is a bind failure")
struct RESTBodyBindingTests {
    typealias Fixture = MarketRESTTests.Fixture

    static func post(_ f: Fixture, _ path: String, _ body: String, method: HTTPMethod = .post) -> RESTResponse {
        let request = HTTPRequest(method: method, path: path, body: Array(body.utf8))
        switch f.rest.answer(request, subscriber: MarketRESTTests.client) {
        case .response(let r): return r
        default:
            Issue.record("\(path) \(body): handed over, not refused at once")
            return .notFound
        }
    }

    static func text(_ r: RESTResponse) -> String { String(decoding: r.body, as: UTF8.self) }

    @Test("multi: intervals not a list of strings, limit or hours not an integer, a flag not a bool, symbol not a string: 400 invalid request format",
          arguments: [#""intervals":"1m""#, #""intervals":["1m",5]"#, #""intervals":{"a":"1m"}"#, #""limit":10.5"#, #""limit":"10""#,
                      #""limit":1e3"#, #""limit":10.0"#, #""limit":true"#, #""limit":99999999999999999999"#, #""vp_hours":"24""#,
                      #""liq_hours":1.5"#, #""include_volume_profile":"true""#, #""include_liquidations":1"#])
    func multiWrongTypes(_ member: String) throws {
        let parsed = MarketREST.MultiRequest.parse(Array(#"{"symbol":"BTCUSDT",\#(member)}"#.utf8))
        guard case .failure(let refusal) = parsed else {
            Issue.record("\(member) was bound: \(parsed)")
            return
        }
        #expect(refusal.response.status == 400 && Self.text(refusal.response) == #"{"error":"invalid request format"}"#)
    }

    @Test("multi: null is absent (the defaults), a non-string symbol is a bind failure, an empty one is required")
    func multiNullsAndSymbol() throws {
        let parsed = MarketREST.MultiRequest.parse(Array(
            #"{"symbol":"btcusdt","intervals":null,"limit":null,"vp_hours":null,"include_liquidations":null,"x":[1.5]}"#.utf8))
        guard case .success(let m) = parsed else { Issue.record("not bound: \(parsed)"); return }
        #expect(m == MarketREST.MultiRequest(symbol: "BTCUSDT"))
        let bound = MarketREST.MultiRequest.parse(Array(#"{"symbol":"BTCUSDT","intervals":["1m"],"limit":-0,"liq_hours":2}"#.utf8))
        #expect((try? bound.get())?.intervals == ["1m"] && (try? bound.get())?.limit == 500 && (try? bound.get())?.liqHours == 2)
        let f = try Fixture()
        #expect(Self.text(Self.post(f, "/api/v1/aggregation/multi", #"{"symbol":5}"#)) == #"{"error":"invalid request format"}"#)
        #expect(Self.text(Self.post(f, "/api/v1/aggregation/multi", #"{"symbol":null}"#)) == #"{"error":"symbol is required"}"#)
        let typo = Self.post(f, "/api/v1/aggregation/multi", #"{"symbol":"BTCUSDT","intervals":"1m","limit":5}"#)
        #expect(typo.status == 400 && Self.text(typo) == #"{"error":"invalid request format"}"#)
    }

    @Test("symbols, candles/fetch and data-collection/symbols: a member of the wrong type is their bind failure")
    func otherBodies() throws {
        let f = try Fixture()
        let create = Self.post(f, "/api/v1/symbols", #"{"symbol":5,"base_asset":"XRP","quote_asset":"USDT","status":"TRADING"}"#)
        #expect(create.status == 400 && Self.text(create) == #"{"error":"Invalid request body: symbol must be a string"}"#)
        let status = Self.post(f, "/api/v1/symbols/BTCUSDT", #"{"status":1}"#, method: .put)
        #expect(status.status == 400 && Self.text(status) == #"{"error":"Invalid request body: status must be a string"}"#)
        let active = Self.post(f, "/api/v1/symbols/BTCUSDT", #"{"is_active":"false"}"#, method: .put)
        #expect(active.status == 400 && Self.text(active) == #"{"error":"Invalid request body: is_active must be true or false"}"#)
        let notObject = Self.post(f, "/api/v1/symbols", "[1]")
        #expect(Self.text(notObject) == #"{"error":"Invalid request body: the body must be a JSON object"}"#)
        for body in [#"{"symbol":"BTCUSDT","interval":"1m","limit":"10"}"#, #"{"symbol":"BTCUSDT","interval":"1m","limit":10.5}"#,
                     #"{"symbol":"BTCUSDT","interval":1,"limit":10}"#] {
            let r = Self.post(f, "/api/v1/candles/fetch", body)
            #expect(r.status == 400 && Self.text(r) == #"{"error":"Invalid request body"}"#, "\(body)")
        }
        f.minute(0)
        let fetched = Self.post(f, "/api/v1/candles/fetch", #"{"symbol":"BTCUSDT","interval":"1m","limit":null}"#)
        #expect(fetched.status == 200 && Self.text(fetched).contains(#""limit":100"#), "null: the default 100")
        let collect = Self.post(f, "/api/v1/data-collection/symbols", #"{"symbol":5}"#)
        #expect(collect.status == 400 && Self.text(collect).contains(#""error":"invalid_request""#)
                && Self.text(collect).contains("symbol must be a string"))
    }
}
