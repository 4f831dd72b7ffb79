import Foundation
import Glibc
import ShmRing
import Testing
import TestServices

/// History through the whole chain: a recording replayed by the simulator → the feeder →
/// PostgreSQL (a private cluster the test kills) and Redis (a private server the test kills) → REST.
@Suite("Storage end to end: candles, a database crash, Redis away", .serialized)
struct StorageTests {
    /// One minute of the replayed spot trades, folded the way Binance folds trades into a kline.
    struct Minute: Equatable, CustomStringConvertible {
        var open = 0.0, high = -Double.infinity, low = Double.infinity, close = 0.0, volume = 0.0, takerBuy = 0.0
        var description: String { "o \(open) h \(high) l \(low) c \(close) v \(volume) bv \(takerBuy)" }
    }

    /// The trades the simulator sent from the recording (`/sim/trades`), by id, and folded per minute.
    static func truth(_ sim: SimulatorUnderTest) throws -> (ids: [Int64], minutes: [Int64: Minute]) {
        let r = try HTTP.get(port: sim.spotPort, path: "/sim/trades?venue=spot&symbol=BTCUSDT", timeoutMillis: 5000)
        let rows = try #require(try r.json()["trades"] as? [[String: Any]])
        var minutes: [Int64: Minute] = [:]
        var ids: [Int64] = []
        for row in rows.sorted(by: { (($0["id"] as? NSNumber)?.int64Value ?? 0) < (($1["id"] as? NSNumber)?.int64Value ?? 0) }) {
            guard let id = (row["id"] as? NSNumber)?.int64Value, let t = (row["T"] as? NSNumber)?.int64Value,
                  let p = Double(row["p"] as? String ?? ""), let q = Double(row["q"] as? String ?? "") else { continue }
            ids.append(id)
            var m = minutes[t / 60_000 * 60_000] ?? Minute()
            if m.volume == 0 { m.open = p }
            m.high = max(m.high, p)
            m.low = min(m.low, p)
            m.close = p
            m.volume += q
            if (row["m"] as? Bool) == false { m.takerBuy += q }
            minutes[t / 60_000 * 60_000] = m
        }
        return (ids, minutes)
    }

    /// `psql` against the cluster: one column of values.
    static func query(_ cluster: PrivateCluster, _ sql: String) throws -> [String] {
        let out = "/tmp/tt-psql-\(getpid())-\(Int.random(in: 0..<1_000_000)).out"
        defer { unlink(out) }
        let command = "\(cluster.bin)/psql -X -At -h 127.0.0.1 -p \(cluster.port) -U postgres -d postgres -c '\(sql.replacingQuotes)' > \(out) 2>&1"
        guard PrivateCluster.shell(command) == 0 else { throw TestFailure("psql failed: \((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")") }
        return ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-6 * max(1, abs(a), abs(b)) }

    @Test("REST candles (memory and PostgreSQL) equal the replayed recording's trades folded here; a database crash mid-replay loses no trade")
    func candlesAndCrash() throws {
        let cluster = try PrivateCluster()  // make test installs PostgreSQL: no cluster is a failure
        defer { cluster.destroy() }
        let recording = repositoryRoot + "/fixtures/binance/hftbacktest/spot_btcusdt_20240808.gz"
        let sim = try SimulatorUnderTest(extra: ["--replay", recording, "--replay-speed", "5"])
        var env = sim.feedEnvironment
        env["DATABASE_URL"] = cluster.url
        env["INTERVALS"] = "1m,5m"
        env["SYMBOLS"] = "BTCUSDT"
        env["BOOK_SNAPSHOT_SECONDS"] = "1"
        let server = ServerUnderTest(workers: 1, extra: env)
        try server.start()
        defer { _ = server.stop() }
        try server.waitHealthy()
        try server.eventually(15, "the feed to go live") { try server.status().feedState == .live }
        try server.eventually(15, "spot trades in PostgreSQL") {
            try Self.query(cluster, "SELECT count(*) FROM trades WHERE market = 'spot'").first.flatMap { Int($0) } ?? 0 > 0
        }
        let firstStored = try #require(Int64(try Self.query(cluster, "SELECT min(trade_id) FROM trades WHERE market = 'spot'").first ?? ""))

        // The database dies under the writer; trades keep coming; it comes back.
        try cluster.stopImmediately()
        try server.eventually(15, "the writer to notice the outage") { try server.status().storage.state != .up }
        usleep(3_000_000)
        #expect(try server.status().storage[.pending] > 0, "rows wait while the database is away")
        try cluster.start()
        try server.eventually(30, "the rows that waited to be written") {
            let s = try server.status().storage
            // Rows keep coming while the replay runs: "written" is back to a batch or two pending.
            return s.state == .up && s[.outages] >= 1 && s[.pending] < 500
        }
        // Past the next minute boundary (and the closed candle's flush), so at least one whole
        // minute of trades can be compared.
        let boundary = (try Self.truth(sim).minutes.keys.max() ?? 0) + 60_000
        while Int64(Date().timeIntervalSince1970 * 1000) < boundary + 2_500 { usleep(200_000) }
        let (ids, minutes) = try Self.truth(sim)
        usleep(1_500_000)  // what was sent just now reaches the database
        let stored = Set(try Self.query(cluster, "SELECT trade_id FROM trades WHERE market = 'spot' AND symbol = 'BTCUSDT'")
            .compactMap { Int64($0) })
        let expected = ids.filter { $0 >= firstStored }
        let missing = expected.filter { !stored.contains($0) }
        print("StorageTests: \(ids.count) simulator trades, \(expected.count) from the first stored (\(firstStored)), \(stored.count) stored")
        #expect(expected.count > 100 && missing.isEmpty, "\(missing.count) of \(expected.count) trades missing, e.g. \(missing.prefix(5))")
        #expect(try server.status().storage[.dropped] == 0)
        let metrics = try HTTP.get(port: server.port, path: "/metrics").text
        #expect(metrics.contains("tterminal_storage_outages_total 1") && metrics.contains(#"tterminal_storage_rows_written_total{table="trades"}"#))

        // Candles: every closed minute the simulator traded in, from PostgreSQL (range) and memory.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // Closed minutes. The first one counts too: a kline is the simulator's own fold of every
        // trade of its minute, whenever the feeder joined.
        let closed = minutes.keys.filter { $0 + 60_000 <= now }.sorted()
        let range = try HTTP.get(port: server.port, path: "/api/v1/candles/BTCUSDT/range?interval=1m&market=spot&start_time=2000-01-01T00:00:00Z&end_time=2100-01-01T00:00:00Z")
        let rows = try #require(try range.json()["candles"] as? [[String: Any]])
        let memory = try HTTP.get(port: server.port, path: "/api/v1/aggregation/candles/BTCUSDT/1m?limit=1500&market=spot")
        let list = try #require(try memory.json()["d"] as? [[String: Double]])
        #expect(!closed.isEmpty, "the run spans a whole minute")
        for t in closed {
            let want = try #require(minutes[t])
            let db = try #require(rows.first { ($0["id"] as? NSNumber)?.int64Value == t }, "minute \(t) not in PostgreSQL")
            let got = [db["open"], db["high"], db["low"], db["close"], db["volume"], db["taker_buy_base_asset_volume"]]
                .map { Double($0 as? String ?? "") ?? .nan }
            #expect(zip(got, [want.open, want.high, want.low, want.close, want.volume, want.takerBuy]).allSatisfy(Self.close),
                    "PostgreSQL \(got) vs trades \(want)")
            let m = try #require(list.first { $0["t"] == Double(t) }, "minute \(t) not in memory")
            #expect(zip([m["o"]!, m["h"]!, m["l"]!, m["c"]!, m["v"]!, m["bv"]!],
                        [want.open, want.high, want.low, want.close, want.volume, want.takerBuy]).allSatisfy(Self.close),
                    "REST \(m) vs trades \(want)")
        }
        // The symbols table, filled from exchangeInfo, answers the symbols route.
        try server.eventually(15, "BTCUSDT in the symbols table") {
            try Self.query(cluster, "SELECT count(*) FROM symbols WHERE symbol = 'BTCUSDT'").first == "1"
        }
        let symbol = try HTTP.get(port: server.port, path: "/api/v1/symbols/BTCUSDT", timeoutMillis: 5000)
        let base = try symbol.json()["base_asset"] as? String
        #expect(symbol.status == 200 && base == "BTC")
        // Book snapshots for the heatmap were stored, and the heatmap reads them.
        #expect(try server.status().storage[.bookSnapshotsWritten] > 0)
        let heatmap = try HTTP.get(port: server.port, path: "/api/v1/aggregation/heatmap/BTCUSDT?hours=1&market=spot", timeoutMillis: 5000)
        let cells = try heatmap.json()["l"] as? [Any] ?? []
        #expect(heatmap.status == 200 && !cells.isEmpty)
    }

    @Test("Redis killed: REST keeps answering and health says the cache is down; back: used again")
    func redisAway() throws {
        let redis = try PrivateRedis(offset: 31)
        defer { redis.stop() }
        let sim = try SimulatorUnderTest(rate: 20)
        var env = sim.feedEnvironment
        env["REDIS_URL"] = redis.url
        env["DATABASE_URL"] = ProcessInfo.processInfo.environment["DATABASE_URL"]
        let server = ServerUnderTest(workers: 1, extra: env.compactMapValues { $0 })
        try server.start()
        defer { _ = server.stop() }
        try server.waitHealthy()
        func health() throws -> [String: Any] { try HTTP.get(port: server.port, path: "/api/v1/health").json() }
        func candles() throws -> Int { try HTTP.get(port: server.port, path: "/api/v1/aggregation/candles/BTCUSDT/1m?limit=1500", timeoutMillis: 5000).status }
        #expect(try health()["cache"] as? String == "up")
        redis.stop()
        try server.eventually(10, "health to say the cache is down") {
            #expect(try candles() == 200)
            return try health()["cache"] as? String == "down"
        }
        #expect(try health()["status"] as? String != "unhealthy", "a cache away is not a server down")
        try redis.start()
        try server.eventually(10, "the cache to be used again") {
            #expect(try candles() == 200)
            return try health()["cache"] as? String == "up"
        }
    }
}
