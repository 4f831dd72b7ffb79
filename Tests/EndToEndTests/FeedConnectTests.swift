import Foundation
import Glibc
import Posix
import ShmRing
import Supervisor
import Testing

/// The feeder's connection attempts against the simulator: Binance's 429/418 answers to an
/// upgrade, and endpoints that cannot be reached.
@Suite("Live feed connection attempts", .serialized)
struct FeedConnectTests {
    func counters(_ server: ServerUnderTest) throws -> [String: UInt64] {
        Dictionary(uniqueKeysWithValues: try server.status().feed.counters.map { ($0.name, $0.value) })
    }

    func simTotals(_ sim: SimulatorUnderTest) throws -> [String: Any] {
        try HTTP.get(port: sim.spotPort, path: "/sim/state").json()["totals"] as? [String: Any] ?? [:]
    }

    func liveRoutes(_ server: ServerUnderTest) throws -> Set<FeedRouteCode> {
        Set(try server.status().feed.connections.filter { $0.state == .live }.map(\.route))
    }

    @Test("an upgrade answered 429 stops spot's connection attempts for its Retry-After (no 418 earned); futures reconnects at once")
    func upgrade429() throws {
        let sim = try SimulatorUnderTest()
        let server = try sim.serve(["SYMBOLS": "BTCUSDT", "INTERVALS": "1m", "FEED_STALL_MS": "1500"])
        try server.eventually(15, "the feed to go live") { try server.status().feedState == .live }
        // The next spot upgrade gets 429 with Retry-After 3; any spot upgrade in the 3 s after it gets 418.
        try sim.fault("ws429", venue: "spot", extra: "&count=1&durationMs=3000")
        try sim.fault("drop", venue: "spot")
        try sim.fault("drop", venue: "futures")
        let dropped = Date()
        try server.eventually(5, "the 429 counted") { try counters(server)["ws_rate_limited"] == 1 }
        try server.eventually(5, "futures live again while spot waits") {
            let live = try liveRoutes(server)
            return live.contains(.futuresPublic) && live.contains(.futuresMarket) && !live.contains(.spot)
        }
        try server.eventually(15, "the feed to be live again") { try server.status().feedState == .live }
        #expect(Date().timeIntervalSince(dropped) >= 2.9, "spot waited out Retry-After")
        let totals = try simTotals(sim)
        #expect(totals["ws429"] as? Int == 1 && totals["ws418"] as? Int == 0, "\(totals)")
        let c = try counters(server)
        #expect(c["ws_rate_limited"] == 1 && c["ws_banned"] == 0 && c["handshake_failures", default: 0] >= 1, "\(c)")
        #expect(server.log().contains("no spot stream connection for 3 s"))
        let metrics = try HTTP.get(port: server.port, path: "/metrics").text
        #expect(metrics.contains("tterminal_feed_ws_rate_limited_total 1"))
        _ = server.stop()
    }

    @Test("an endpoint that refuses the TCP connect counts as a handshake failure in status and /metrics; the next one serves")
    func handshakeFailures() throws {
        let sim = try SimulatorUnderTest()
        // Nothing listens on 58431: the first spot endpoint fails, the feeder fails over to the simulator.
        let server = try sim.serve(["SYMBOLS": "BTCUSDT", "INTERVALS": "1m",
                                    "SPOT_WS_URLS": "ws://127.0.0.1:58431," + sim.url("spot")])
        try server.eventually(15, "the feed to go live on the second endpoint") { try server.status().feedState == .live }
        let c = try counters(server)
        #expect(c["handshake_failures", default: 0] >= 1 && c["ws_rate_limited"] == 0, "\(c)")
        try server.eventually(5, "handshake failures in /metrics") {
            let metrics = try HTTP.get(port: server.port, path: "/metrics").text
            return metrics.contains("# TYPE tterminal_feed_handshake_failures_total counter")
                && !metrics.contains("tterminal_feed_handshake_failures_total 0")
        }
        _ = server.stop()
    }
}
