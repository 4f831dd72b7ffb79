@testable import Worker

/// One request to the REST API and the status it should get from `OpenAPIFixture`.
struct APISample: Sendable, CustomStringConvertible {
    let method: HTTPMethod
    let target: String
    let body: String?
    let status: Int

    init(_ method: HTTPMethod, _ target: String, _ status: Int, body: String? = nil) {
        self.method = method
        self.target = target
        self.body = body
        self.status = status
    }

    var path: String { String(target.split(separator: "?", maxSplits: 1)[0]) }

    var request: HTTPRequest {
        let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
        return HTTPRequest(method: method, path: parts[0], query: parts.count > 1 ? parts[1] : nil,
                           body: Array((body ?? "").utf8))
    }

    var description: String { "\(method) \(target) → \(status)" }
}

/// Requests covering every route of `APIRoute`, their answers and refusals. Add rows here
/// when a route is added: `OpenAPITests` fails until every documented operation has one.
enum OpenAPISamples {
    static let v1 = "/api/v1"

    static let candles: [APISample] = [
        APISample(.get, "\(v1)/aggregation/candles/BTCUSDT/1m?limit=50", 200),
        APISample(.get, "\(v1)/aggregation/candles/btcusdt/5m", 200),
        APISample(.get, "\(v1)/aggregation/candles/BTCUSDT/15m", 200),
        APISample(.get, "\(v1)/aggregation/candles/BTCUSDT/3m?limit=5", 200),
        APISample(.get, "\(v1)/aggregation/candles/BTCUSDT/1m?market=spot&limit=3", 200),
        APISample(.get, "\(v1)/aggregation/candles/BTCUSDT/7m", 400),
        APISample(.get, "\(v1)/aggregation/candles/BTCUSDT/1m?limit=abc", 400),
        APISample(.get, "\(v1)/aggregation/candles/BTCUSDT/1m?limit=5001", 400),
        APISample(.get, "\(v1)/aggregation/candles/BTCUSDT/1m?market=options", 400),
        APISample(.get, "\(v1)/aggregation/candles/DOGEUSDT/1m", 404),
        APISample(.get, "\(v1)/candles/BTCUSDT?interval=1m&limit=10", 200),
        APISample(.get, "\(v1)/candles/BTCUSDT?limit=abc", 200),
        APISample(.get, "\(v1)/candles/BTCUSDT/raw?interval=5m", 200),
        APISample(.get, "\(v1)/candles/BTCUSDT/metrics?interval=1m", 200),
        APISample(.get, "\(v1)/candles/BTCUSDT/latest?interval=1m&_t=1704074430000", 200),
        APISample(.get, "\(v1)/candles/ETHUSDT/latest?interval=1m", 200),
        APISample(.get, "\(v1)/candles/BTCUSDT/latest?interval=9x", 400),
        APISample(.get, "\(v1)/candles/DOGEUSDT/latest", 404),
        APISample(.get, "\(v1)/candles/BTCUSDT/range?interval=1m&start_time=2024-01-01T00:00:00Z&end_time=2024-01-02T00:00:00Z", 503),
        APISample(.get, "\(v1)/candles/BTCUSDT/range?start_time=yesterday", 400),
        APISample(.get, "\(v1)/candles/BTCUSDT/range?interval=7m", 400),
        APISample(.get, "\(v1)/candles/DOGEUSDT/range", 404),
        APISample(.get, "\(v1)/ws/candles/btcusdt", 501),
        APISample(.get, "\(v1)/aggregation/stats", 200),
    ]

    static let multi: [APISample] = [
        APISample(.post, "\(v1)/aggregation/multi", 200, body: """
            {"symbol":"btcusdt","intervals":["1m","5m","15m"],"limit":1500,"include_volume_profile":true,\
            "include_liquidations":true,"vp_hours":24,"liq_hours":1}
            """),
        APISample(.post, "\(v1)/aggregation/multi?market=spot", 200, body: #"{"symbol":"BTCUSDT","intervals":["1m","7m","1M"]}"#),
        APISample(.post, "\(v1)/aggregation/multi", 200, body: #"{"symbol":"ETHUSDT","include_volume_profile":true}"#),
        APISample(.post, "\(v1)/aggregation/multi", 400, body: "not json"),
        APISample(.post, "\(v1)/aggregation/multi", 400, body: "{}"),
        APISample(.post, "\(v1)/aggregation/multi", 400, body: #"{"symbol":"BTCUSDT","intervals":[1]}"#),
        APISample(.post, "\(v1)/aggregation/multi", 400, body: #"{"symbol":"BTCUSDT","intervals":"1m","limit":10.5}"#),
        APISample(.post, "\(v1)/aggregation/multi", 404, body: #"{"symbol":"DOGEUSDT"}"#),
    ]

    static let analytics: [APISample] = [
        APISample(.get, "\(v1)/aggregation/volume-profile/BTCUSDT", 200),
        APISample(.get, "\(v1)/aggregation/volume-profile/BTCUSDT?hours=1&rows=20", 200),
        APISample(.get, "\(v1)/aggregation/volume-profile/BTCUSDT?tick=0.5&market=spot", 200),
        APISample(.get, "\(v1)/aggregation/volume-profile/ETHUSDT", 200),
        APISample(.get, "\(v1)/aggregation/volume-profile/BTCUSDT?hours=0", 400),
        APISample(.get, "\(v1)/aggregation/volume-profile/BTCUSDT?hours=x", 400),
        APISample(.get, "\(v1)/aggregation/volume-profile/BTCUSDT?tick=-1", 400),
        APISample(.get, "\(v1)/aggregation/volume-profile/BTCUSDT?rows=1", 400),
        APISample(.get, "\(v1)/aggregation/volume-profile/DOGEUSDT", 404),
        APISample(.get, "\(v1)/aggregation/footprint/BTCUSDT/1m", 200),
        APISample(.get, "\(v1)/aggregation/footprint/BTCUSDT/5m?limit=5&tick=0.5", 200),
        APISample(.get, "\(v1)/aggregation/footprint/ETHUSDT/1m", 200),
        APISample(.get, "\(v1)/aggregation/footprint/BTCUSDT/7m", 400),
        APISample(.get, "\(v1)/aggregation/footprint/BTCUSDT/1m?tick=abc", 400),
        APISample(.get, "\(v1)/aggregation/cvd/BTCUSDT/1m?limit=30", 200),
        APISample(.get, "\(v1)/aggregation/cvd/BTCUSDT/1h", 200),
        APISample(.get, "\(v1)/aggregation/cvd/BTCUSDT/1m?limit=0", 400),
        APISample(.get, "\(v1)/aggregation/heatmap/BTCUSDT?hours=6&resolution=100", 200),
        APISample(.get, "\(v1)/aggregation/heatmap/ETHUSDT", 200),
        APISample(.get, "\(v1)/aggregation/heatmap/BTCUSDT?market=bad", 400),
        APISample(.get, "\(v1)/aggregation/liquidations/BTCUSDT?hours=48", 200),
        APISample(.get, "\(v1)/aggregation/liquidations/ETHUSDT", 200),
        APISample(.get, "\(v1)/aggregation/liquidations/DOGEUSDT", 200),
    ]

    static let live: [APISample] = [
        APISample(.get, "\(v1)/websocket/stats", 200),
        APISample(.get, "\(v1)/websocket/price/btcusdt", 200),
        APISample(.get, "\(v1)/websocket/price/BTCUSDT?market=spot", 200),
        APISample(.get, "\(v1)/websocket/price/ETHUSDT", 404),
        APISample(.get, "\(v1)/websocket/price/DOGEUSDT", 404),
        APISample(.get, "\(v1)/websocket/price/BTCUSDT?market=x", 400),
        APISample(.get, "\(v1)/websocket/depth/BTCUSDT?limit=3", 200),
        APISample(.get, "\(v1)/websocket/depth/BTCUSDT?market=spot", 200),
        APISample(.get, "\(v1)/websocket/depth/ETHUSDT", 404),
        APISample(.get, "\(v1)/websocket/trades/BTCUSDT?limit=5", 200),
        APISample(.get, "\(v1)/websocket/trades/BTCUSDT?market=spot", 200),
        APISample(.get, "\(v1)/websocket/trades/ETHUSDT", 404),
        APISample(.get, "\(v1)/websocket/trades/BTCUSDT?limit=20000", 200),
        APISample(.get, "\(v1)/websocket/trades/BTCUSDT?limit=0", 200),
        APISample(.get, "\(v1)/websocket/kline/BTCUSDT/1m", 200),
        APISample(.get, "\(v1)/websocket/kline/BTCUSDT/3m?market=spot", 200),
        APISample(.get, "\(v1)/websocket/kline/BTCUSDT/15m", 404),
        APISample(.get, "\(v1)/websocket/kline/BTCUSDT/7m", 400),
        APISample(.get, "\(v1)/websocket/volume/BTCUSDT?interval=1m", 200),
        APISample(.get, "\(v1)/websocket/volume/BTCUSDT?interval=5m&market=spot", 200),
        APISample(.get, "\(v1)/websocket/volume/BTCUSDT?interval=7m", 404),
        APISample(.get, "\(v1)/websocket/volume/ETHUSDT", 404),
        APISample(.get, "\(v1)/websocket/markprice/BTCUSDT", 200),
        APISample(.get, "\(v1)/websocket/markprice/ETHUSDT", 404),
        APISample(.get, "\(v1)/websocket/liquidations/BTCUSDT?limit=2000", 200),
        APISample(.get, "\(v1)/websocket/liquidations/ETHUSDT", 200),
        APISample(.get, "\(v1)/websocket/liquidations/DOGEUSDT", 200),
        APISample(.get, "\(v1)/websocket/liquidations/BTCUSDT?limit=50000", 200),
        APISample(.get, "\(v1)/websocket/liquidations/BTCUSDT?limit=abc", 200),
        APISample(.post, "\(v1)/websocket/symbols/DOGEUSDT", 503),
        APISample(.post, "\(v1)/websocket/symbols/doge-usdt", 400),
    ]

    static let admin: [APISample] = [
        APISample(.get, "\(v1)/symbols", 503),
        APISample(.get, "\(v1)/symbols?active=true", 503),
        APISample(.post, "\(v1)/symbols", 503, body: #"{"symbol":"xrpusdt","base_asset":"XRP","quote_asset":"USDT","status":"TRADING"}"#),
        APISample(.post, "\(v1)/symbols", 400, body: "[1]"),
        APISample(.post, "\(v1)/symbols", 400, body: #"{"symbol":5,"base_asset":"XRP","quote_asset":"USDT","status":"TRADING"}"#),
        APISample(.post, "\(v1)/symbols", 400, body: #"{"symbol":"XRPUSDT","base_asset":"XRP","status":"TRADING"}"#),
        APISample(.post, "\(v1)/symbols", 400, body: #"{"symbol":"XRPUSDT","base_asset":"XRP","quote_asset":"USDT","status":"OPEN"}"#),
        APISample(.get, "\(v1)/symbols/btcusdt", 503),
        APISample(.put, "\(v1)/symbols/BTCUSDT", 503, body: #"{"status":"HALT","is_active":false}"#),
        APISample(.put, "\(v1)/symbols/BTCUSDT", 400, body: "{}"),
        APISample(.put, "\(v1)/symbols/BTCUSDT", 400, body: #"{"status":"OPEN"}"#),
        APISample(.delete, "\(v1)/symbols/BTCUSDT", 503),
        APISample(.get, "\(v1)/data-collection/stats", 200),
        // No database and no feeder here: collection is not running and nobody can be asked
        // (`CollectionRESTTests` has a feeder that answers).
        APISample(.post, "\(v1)/data-collection/collect", 503),
        APISample(.post, "\(v1)/data-collection/historical", 400),
        APISample(.post, "\(v1)/data-collection/start", 500),
        APISample(.post, "\(v1)/data-collection/stop", 409),
        APISample(.post, "\(v1)/data-collection/symbols", 503, body: #"{"symbol":"xrpusdt"}"#),
        APISample(.post, "\(v1)/data-collection/symbols", 400, body: "nope"),
        APISample(.post, "\(v1)/data-collection/symbols", 400, body: #"{"symbol":""}"#),
        APISample(.post, "\(v1)/data-collection/symbols", 400, body: #"{"symbol":"BTC USDT\n"}"#),
        APISample(.delete, "\(v1)/data-collection/symbols/XRPUSDT", 503),
        APISample(.post, "\(v1)/candles/fetch", 200, body: #"{"symbol":"BTCUSDT","interval":"1m","limit":10}"#),
        APISample(.post, "\(v1)/candles/fetch", 400, body: "nope"),
        APISample(.post, "\(v1)/candles/fetch", 400, body: #"{"symbol":"BTCUSDT","interval":"1m","limit":"10"}"#),
        APISample(.get, "\(v1)/openapi.json", 200),
    ]

    /// Paths no route takes (404) and routes asked with another method (405).
    static let refusals: [APISample] = [
        APISample(.get, "\(v1)/nothing", 404),
        APISample(.get, "\(v1)/aggregation/candles/BTCUSDT/1m/", 404),
        APISample(.get, "\(v1)/websocket/price/", 404),
        APISample(.get, "\(v1)/aggregation/multi", 405),
        APISample(.delete, "\(v1)/symbols", 405),
        APISample(.post, "\(v1)/candles/BTCUSDT", 405),
        APISample(.get, "\(v1)/candles/fetch", 405),
        APISample(.patch, "\(v1)/symbols/BTCUSDT", 405),
    ]

    static let answered = candles + multi + analytics + live + admin
    static let all = answered + refusals
}
