import Foundation
import ShmRing
import Testing
@testable import Worker

/// GET `/websocket/stats` over a segment: what the state tables hold, the feed's lines and
/// the workers' client rows, as the control block says.
@Suite("/websocket/stats over the control block and the state tables")
struct WebSocketStatsRESTTests {
    static func stats(_ f: OpenAPIFixture) throws -> [String: Any] {
        let request = HTTPRequest(method: .get, path: "/api/v1/websocket/stats", query: nil)
        guard case .response(let r) = f.rest.answer(request, subscriber: OpenAPIFixture.client) else {
            Issue.record("the stats were not answered at once")
            return [:]
        }
        #expect(r.status == 200)
        return try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
    }

    /// A child in `slot`, published the way the supervisor does.
    static func child(_ c: ControlBlock, _ slot: Int, _ kind: ChildKind, _ state: SlotState) {
        c.slot(slot).publish(state: state, kind: kind, pid: Int32(200 + slot), startRealtimeNs: 1, restarts: 0, generation: 1)
    }

    /// Feed connection line `line` of `route` in `state`.
    static func line(_ c: ControlBlock, _ line: Int, _ route: FeedRouteCode, _ state: FeedConnectionState) {
        c.feedConnectionWord(line, Layout.Feed.Connection.route).storeRelaxed(route.rawValue)
        c.feedConnectionWord(line, Layout.Feed.Connection.state).storeReleasing(state.rawValue)
    }

    @Test("counts are what the tables hold, clients are the running workers' rows, the flags follow the feed's live lines")
    func figures() throws {
        let f = try OpenAPIFixture()
        let c = f.segment.control
        Self.child(c, 0, .feeder, .running)
        Self.child(c, 1, .worker, .running)
        Self.child(c, 2, .worker, .running)
        Self.child(c, 3, .worker, .stopping)
        c.publishTerminalClients(slot: 1, clients: 2, subscribers: [2])
        c.publishTerminalClients(slot: 2, clients: 1, subscribers: [0, 1])
        c.publishTerminalClients(slot: 3, clients: 9, subscribers: [9, 9])
        c.word(Layout.Control.feedSourceKind).storeRelaxed(FeedSourceCode.binance.rawValue)
        c.word(Layout.Control.feedState).storeRelaxed(FeedState.live.rawValue)
        Self.line(c, 0, .spot, .live)
        Self.line(c, 1, .futuresMarket, .connecting)
        Self.line(c, 2, .futuresPublic, .free)

        var o = try Self.stats(f)
        #expect(o["connected_clients"] as? Int == 3 && o["subscriptions"] as? [String: Int] == ["BTCUSDT": 2, "ETHUSDT": 1])
        #expect(o["status"] as? String == "active" && o["service"] as? String == "websocket")
        var stream = try #require(o["binance_stream"] as? [String: Any])
        #expect(stream["symbols"] as? [String] == ["BTCUSDT", "ETHUSDT"] && stream["connected_symbols"] as? Int == 2)
        let counts = ["price_data_count", "depth_data_count", "kline_data_count", "futures_ticker_count", "mark_price_count",
                      "funding_rate_count"].map { stream[$0] as? Int }
        #expect(counts == [1, 1, 1, 0, 1, 1], "only BTCUSDT has data, and no ticker")
        #expect(stream["trade_counts"] as? [String: Int] == ["BTCUSDT": 40, "ETHUSDT": 0], "20 trades held in each market")
        #expect(stream["liquidation_counts"] as? [String: Int] == ["BTCUSDT": 3, "ETHUSDT": 0])
        #expect(stream["is_running"] as? Bool == true && stream["spot_connected"] as? Bool == true)
        #expect(stream["futures_connected"] as? Bool == false, "a futures line connecting is not connected")
        #expect(stream["stream_types"] as? [String] == ["spot_ticker", "futures_ticker", "depth@100ms", "bookTicker", "trade", "aggTrade",
                                                      "kline_1m", "kline_5m", "kline_15m", "kline_1h", "kline_4h", "kline_1d",
                                                      "markPrice", "liquidations"])
        #expect(o["data_types"] as? [String] == ["price_update", "depth_update", "trade_update", "kline_update",
                                                 "mark_price_update", "liquidation_update"])
        #expect((o["endpoints"] as? [String: String])?["websocket"] == "/api/v1/websocket/connect")

        Self.line(c, 1, .futuresMarket, .live)
        c.word(Layout.Control.feedState).storeRelaxed(FeedState.stalled.rawValue)
        o = try Self.stats(f)
        stream = try #require(o["binance_stream"] as? [String: Any])
        #expect(o["status"] as? String == "stalled" && stream["futures_connected"] as? Bool == true)

        Self.child(c, 0, .feeder, .backoff)
        o = try Self.stats(f)
        stream = try #require(o["binance_stream"] as? [String: Any])
        #expect(o["status"] as? String == "down", "a dead feeder's lines and state are not believed")
        #expect(stream["is_running"] as? Bool == false && stream["spot_connected"] as? Bool == false
                && stream["futures_connected"] as? Bool == false)
    }
}
