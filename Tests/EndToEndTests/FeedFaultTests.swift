import Foundation
import Glibc
import Market
import Posix
import ShmRing
import Supervisor
import Testing

/// The feeder against the simulator, one fault at a time: after each, the trades in the ring
/// (what every client can see) are exactly the simulator's, in order, without duplicates; the
/// book in the state tables equals the simulator's; and the counters say what happened.
@Suite("Live feed against the simulator, fault by fault", .serialized)
struct FeedFaultTests {
    enum Fault: String, CaseIterable, CustomTestStringConvertible {
        case none, drop, stall, malformed, serverShutdown, http429, skipDepth, skipTrade, feederKilled, splitStreams
        case unsubscribedStream
        var testDescription: String { rawValue }
    }

    @Test("trades complete, books equal, counters right", arguments: Fault.allCases)
    func fault(_ fault: Fault) throws {
        let sim = try SimulatorUnderTest()
        var env = sim.feedEnvironment
        env["SYMBOLS"] = "BTCUSDT"
        env["INTERVALS"] = "1m,5m"
        env["FEED_STALL_MS"] = "1500"
        env["RING_MB"] = "16"
        // Three streams a connection: six connections (2 spot, 1 futures/public, 3 futures/market) instead of three.
        if fault == .splitStreams { env["FEED_STREAMS_PER_CONNECTION"] = "3" }
        let server = ServerUnderTest(workers: 1, extra: env)
        try server.start()
        try server.waitHealthy()
        try server.eventually(15, "the feed to go live") { try server.status().feedState == .live }
        var tap = RingTap(segment: try server.segment())
        try server.eventually(10, "trades from both markets") {
            tap.poll()
            return tap.spotTrades.count > 20 && tap.futuresAggTrades.count > 10
        }

        switch fault {
        case .none: break
        case .drop: try sim.fault("drop", venue: "spot")
        case .stall: try sim.fault("stall", venue: "spot", extra: "&durationMs=4000")
        case .malformed: try sim.fault("malformed", venue: "spot", extra: "&count=5")
        case .unsubscribedStream: try sim.fault("unsubscribedStream", venue: "spot", extra: "&durationMs=4000")
        case .serverShutdown: try sim.fault("serverShutdown", venue: "futures")
        case .http429:
            // The next REST answers are 429s; a skipped trade then needs REST to be filled.
            try sim.fault("http429", venue: "spot", extra: "&count=2")
            try sim.fault("skipTrade", venue: "spot")
        case .skipDepth: try sim.fault("skipDepth", venue: "spot")
        case .skipTrade: try sim.fault("skipTrade", venue: "futures")
        case .feederKilled:
            let feeder = try #require(try server.feeder())
            let epoch = try server.status().epoch
            _ = Signal.kill.send(to: feeder.pid)
            try server.eventually(10, "a new feeder with a new epoch") { try server.status().epoch > epoch }
        case .splitStreams:
            #expect(try server.status().feed.connections.count == 6)
        }
        // Let the fault play out and the feed recover, then compare against the truth.
        usleep(fault == .stall || fault == .http429 || fault == .unsubscribedStream ? 6_000_000 : 3_000_000)
        try server.eventually(20, "the feed to be live again") { try server.status().feedState == .live }
        try expectComplete(venue: "spot", sim: sim, server: server, tap: &tap, ids: \.spotTrades)
        try expectComplete(venue: "futures", sim: sim, server: server, tap: &tap, ids: \.futuresAggTrades)
        try expectBooksEqual(sim: sim, server: server)

        let feed = try server.status().feed
        let counter = Dictionary(uniqueKeysWithValues: feed.counters.map { ($0.name, $0.value) })
        let spot = try #require(feed.symbols.first { $0.symbol == "BTCUSDT" && $0.market == .spot })
        let futures = try #require(feed.symbols.first { $0.symbol == "BTCUSDT" && $0.market == .futures })
        #expect(spot.gapsLost == 0 && futures.gapsLost == 0 && spot.idsMissing == 0 && futures.idsMissing == 0)
        switch fault {
        case .none:
            #expect(feed.gapsFound == 0 && counter["unplanned_drops"] == 0)
        case .drop:
            #expect(counter["unplanned_drops", default: 0] >= 1)
        case .stall:
            #expect(counter["stalls", default: 0] >= 1 && counter["planned_switches", default: 0] >= 1)
        case .malformed:
            #expect(counter["malformed_frames", default: 0] >= 5)
        case .unsubscribedStream:
            // Frames of a stream it did not subscribe to (pings too) are no data: the connection is stalled and replaced.
            #expect(counter["stalls", default: 0] >= 1 && counter["planned_switches", default: 0] >= 1, "\(counter)")
        case .serverShutdown:
            #expect(counter["server_shutdowns", default: 0] >= 2 && counter["planned_switches", default: 0] >= 2)
            #expect(counter["unplanned_drops"] == 0)
        case .http429:
            #expect(counter["rest_rate_limited", default: 0] >= 1)
            #expect(spot.gapsFilled >= 1 && spot.idsRecovered >= 1)
        case .skipDepth:
            #expect(spot.bookResyncs >= 1)
            #expect(tap.gaps.contains { $0.channel == .depth && $0.status == .filled })
        case .feederKilled:
            // The new feeder found the trades the old one never saw and filled them from REST.
            #expect(spot.gapsFilled + futures.gapsFilled >= 1)
            #expect(tap.gaps.contains { $0.status == .filled })
        case .splitStreams:
            // The last futures/market connection carries only `!forceOrder@arr`: quiet between
            // liquidations, which is no stall (it was replaced over and over, and the count of
            // live connections wavered).
            #expect(counter["live_connections"] == 6 && feed.gapsFound == 0, "\(counter)")
            #expect(counter["stalls"] == 0 && counter["silent_connections"] == 0 && counter["planned_switches"] == 0, "\(counter)")
        case .skipTrade:
            #expect(futures.gapsFound >= 1 && futures.gapsFilled >= 1 && futures.idsRecovered >= 1)
            #expect(tap.gaps.contains { $0.channel == .aggTrade && $0.status == .filled })
        }
        _ = server.stop()
    }

    /// The ring's ids from its first one up to the simulator's newest are the simulator's.
    func expectComplete(venue: String, sim: SimulatorUnderTest, server: ServerUnderTest, tap: inout RingTap,
                        ids: KeyPath<RingTap, [Int64]>) throws {
        let truth = try sim.truth(venue: venue)
        let last = try #require(truth.last)
        var t = tap
        try server.eventually(15, "\(venue) trade \(last) in the ring") {
            t.poll()
            return (t[keyPath: ids].last ?? 0) >= last
        }
        tap = t
        let got = tap[keyPath: ids]
        let first = try #require(got.first)
        let expected = truth.filter { $0 >= first && $0 <= last }
        let seen = got.filter { $0 <= last }
        #expect(tap.laps == 0)
        #expect(seen == expected, "\(venue): ring has \(seen.count) ids, simulator generated \(expected.count); missing \(Set(expected).subtracting(seen).sorted().prefix(10)), extra \(Set(seen).subtracting(expected).sorted().prefix(10))")
    }

    /// The state tables' book equals the simulator's at the same update id.
    func expectBooksEqual(sim: SimulatorUnderTest, server: ServerUnderTest) throws {
        let tables = StateTables(segment: try server.segment())
        for (venue, market) in [("spot", MarketKind.spot), ("futures", MarketKind.futures)] {
            var matched = false
            var last = ""
            for _ in 0..<100 where !matched {
                let truth = try sim.depth(venue: venue)
                for _ in 0..<20 {
                    guard let book = tables.book(symbolIndex: 0, market: market, depth: 20) else { break }
                    if book.top.lastUpdateId < truth.lastUpdateId { usleep(5_000); continue }
                    if book.top.lastUpdateId == truth.lastUpdateId {
                        let n = min(20, truth.bids.count, truth.asks.count)
                        let bids = book.bids.prefix(n).map { PriceLevel(price: $0.price, quantity: $0.quantity) }
                        let asks = book.asks.prefix(n).map { PriceLevel(price: $0.price, quantity: $0.quantity) }
                        #expect(book.top.isSynced)
                        #expect(bids == Array(truth.bids.prefix(n)) && asks == Array(truth.asks.prefix(n)), "\(venue) book differs at \(truth.lastUpdateId)")
                        matched = true
                    }
                    last = "state table at \(book.top.lastUpdateId), simulator at \(truth.lastUpdateId)"
                    break
                }
                if !matched { usleep(10_000) }
            }
            #expect(matched, "\(venue): never caught the simulator's book at one update id (\(last))")
        }
    }
}

@Suite("Live feed over TLS", .serialized)
struct FeedTLSTests {
    @Test("wss and https to the simulator's self-signed certificate: trusted, the feed goes live; untrusted, it never does and the log says why")
    func tls() throws {
        let dir = "/tmp/tterminal-sim-cert-\(getpid())"
        let sim = try SimulatorUnderTest(extra: ["--tls", "--cert-dir", dir])
        let cert = try #require(sim.ready["cert"] as? String)
        #expect(sim.url("spot").hasPrefix("wss://") && sim.url("rest").hasPrefix("https://"))

        var env = sim.feedEnvironment
        env["SYMBOLS"] = "BTCUSDT"
        env["TLS_TRUST_FILE"] = cert
        let trusted = ServerUnderTest(workers: 1, extra: env)
        try trusted.start()
        try trusted.waitHealthy()
        try trusted.eventually(15, "the feed to go live over TLS") { try trusted.status().feedState == .live }
        var tap = RingTap(segment: try trusted.segment())
        try trusted.eventually(10, "trades over TLS") {
            tap.poll()
            return tap.spotTrades.count > 5 && tap.futuresAggTrades.count > 5 && tap.snapshots >= 2
        }
        _ = trusted.stop()

        env["TLS_TRUST_FILE"] = nil
        let untrusted = ServerUnderTest(workers: 1, extra: env)
        try untrusted.start()
        try untrusted.waitHealthy()
        try untrusted.eventually(10, "a certificate error in the log") { untrusted.log().contains("certificate") }
        #expect(try untrusted.status().feedState != .live)
        #expect(try untrusted.status().recordsPublished == 0)
        _ = untrusted.stop()
    }
}

@Suite("Silent futures connections", .serialized)
struct FeedSilentTests {
    @Test("an unrouted futures URL connects and acknowledges but delivers nothing: reported silent, failed over, never live")
    func silent() throws {
        let sim = try SimulatorUnderTest()
        let server = try sim.serve(["SYMBOLS": "BTCUSDT", "FUTURES_ROUTED": "false", "FEED_STALL_MS": "1000"])
        try server.eventually(15, "silent connections counted") {
            try server.status().feed.counters.first { $0.name == "silent_connections" }?.value ?? 0 >= 2
        }
        let status = try server.status()
        #expect(status.feedState != .live)
        let health = try HTTP.get(port: server.port, path: "/api/v1/health").json()
        let feed = try #require(health["feed"] as? [String: Any])
        #expect((feed["silent_connections"] as? Int ?? 0) >= 2 && feed["state"] as? String != "live")
        #expect(server.log().contains("delivers nothing it subscribed to"))
        // Spot still flows: the silent futures connections do not take it down.
        var tap = RingTap(segment: try server.segment())
        try server.eventually(10, "spot trades") { tap.poll(); return tap.spotTrades.count > 5 && tap.futuresAggTrades.isEmpty }
        _ = server.stop()
    }
}
