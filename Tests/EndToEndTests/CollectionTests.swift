import Foundation
import Glibc
import Posix
import ShmRing
import Testing
import TestServices

/// `/api/v1/data-collection/*` through the whole chain: the simulator → the feeder → a private
/// PostgreSQL cluster, driven over REST.
@Suite("Data collection end to end", .serialized)
struct CollectionEndToEndTests {
    @Test("stats, stop (not stored, counted; kept by a restarted feeder), start (the pause's candles fetched), collect, a symbol dropped and added back")
    func collection() throws {
        let cluster = try PrivateCluster()  // make test installs PostgreSQL: no cluster is a failure
        defer { cluster.destroy() }
        let sim = try SimulatorUnderTest(symbols: "BTCUSDT,ETHUSDT", rate: 20)
        let server = try sim.serve(workers: 2, ["DATABASE_URL": cluster.url, "SYMBOLS": "BTCUSDT,ETHUSDT", "INTERVALS": "1m,5m"])
        defer { _ = server.stop() }
        let base = "/api/v1/data-collection/"
        func call(_ method: String, _ path: String, _ body: String = "") throws -> (Int, [String: Any]) {
            let r = try HTTP.send(method, port: server.port, path: base + path, body: body)
            return (r.status, try r.json())
        }
        func stats() throws -> [String: Any] { try #require(try call("GET", "stats").1["stats"] as? [String: Any]) }
        func int(_ s: [String: Any], _ key: String) -> Int { (s[key] as? NSNumber)?.intValue ?? -1 }
        func trades(_ symbol: String) throws -> Int {
            Int(try StorageTests.query(cluster, "SELECT count(*) FROM trades WHERE symbol = '\(symbol)'").first ?? "") ?? -1
        }

        // The start-up history is a run; both symbols are stored.
        try server.eventually(40, "the start-up history run and trades of both symbols stored") {
            let s = try stats()
            let (btc, eth) = (try trades("BTCUSDT"), try trades("ETHUSDT"))
            return int(s, "successful_runs") >= 1 && int(s, "candles_collected") > 0 && btc > 0 && eth > 0
        }
        var s = try stats()
        #expect(s["is_running"] as? Bool == true && int(s, "total_runs") == 1 && int(s, "failed_runs") == 0)
        #expect(s["active_symbols"] as? [String] == ["BTCUSDT", "ETHUSDT"] && s["active_intervals"] as? [String] == ["1m", "5m"])
        #expect(s["last_error"] is NSNull && (s["last_success_time"] as? String)?.hasPrefix("20") == true)
        #expect(int(s, "collection_period_seconds") == 0 && int(s, "minute_collection_period_seconds") == 1)

        // Stop: nothing more is stored, what is not stored is counted; a second stop is 409.
        let stopped = try call("POST", "stop")
        #expect(stopped.0 == 200 && stopped.1["message"] as? String == "Data collection service stopped successfully")
        #expect(try call("POST", "stop").1["error"] as? String == "not_running")
        #expect(try call("POST", "collect").0 == 503)
        #expect(try call("POST", "historical").0 == 400)
        usleep(1_000_000)
        let pausedTrades = try trades("BTCUSDT") + trades("ETHUSDT")
        // A restarted feeder keeps the pause.
        let feeder = try #require(try server.feeder())
        kill(feeder.pid, SIGKILL)
        try server.eventually(20, "a new feeder") { try server.feeder().map { $0.pid != feeder.pid && $0.state == .running } ?? false }
        usleep(2_500_000)
        #expect(try trades("BTCUSDT") + trades("ETHUSDT") == pausedTrades, "nothing stored while paused")
        #expect(try stats()["is_running"] as? Bool == false)
        try server.eventually(10, "rows not collected counted by the new feeder") { try server.status().storage[.notCollected] > 0 }
        #expect(try HTTP.get(port: server.port, path: "/metrics").text.contains("tterminal_storage_rows_not_collected_total"))

        // The pause's candles come back with the run that start begins (the table is emptied to show it).
        _ = try StorageTests.query(cluster, "DELETE FROM candles")
        let pauseMinute = Int64(Date().timeIntervalSince1970 * 1000) / 60_000 * 60_000
        s = try stats()
        let runs = int(s, "total_runs")
        let started = try call("POST", "start")
        #expect(started.0 == 200 && started.1["message"] as? String == "Data collection service started successfully")
        #expect(try call("POST", "start").1["error"] as? String == "already_running")
        try server.eventually(30, "the run over the pause") {
            let s = try stats()
            return int(s, "total_runs") == runs + 1 && int(s, "successful_runs") == runs + 1
        }
        try server.eventually(10, "the pause's candles in PostgreSQL") {
            let rows = try StorageTests.query(cluster, """
                SELECT count(*), count(*) FILTER (WHERE open_time = to_timestamp(\(pauseMinute / 1000))) FROM candles
                WHERE symbol = 'BTCUSDT' AND market = 'spot' AND interval = '1m'
                """)
            let counts = (rows.first ?? "").split(separator: "|").compactMap { Int($0) }
            return counts.count == 2 && counts[0] >= 100 && counts[1] == 1
        }
        try server.eventually(10, "trades stored again") { try trades("BTCUSDT") + trades("ETHUSDT") > pausedTrades }

        // collect and historical begin runs.
        let collected = try call("POST", "collect")
        #expect(collected.0 == 200 && collected.1["message"] as? String == "Data collection triggered successfully")
        let historical = try call("POST", "historical")
        #expect(historical.0 == 200 && historical.1["status"] as? String == "running")
        try server.eventually(30, "both runs done") { int(try stats(), "successful_runs") == runs + 3 }

        // A symbol dropped keeps streaming but is not stored; added back, it is stored again.
        let removed = try call("DELETE", "symbols/ethusdt")
        #expect(removed.0 == 200 && removed.1["symbol"] as? String == "ETHUSDT")
        #expect(try call("DELETE", "symbols/ETHUSDT").0 == 200, "idempotent")
        #expect(try stats()["active_symbols"] as? [String] == ["BTCUSDT"])
        usleep(1_000_000)
        let (eth, btc) = (try trades("ETHUSDT"), try trades("BTCUSDT"))
        usleep(2_500_000)
        #expect(try trades("ETHUSDT") == eth, "ETHUSDT not stored")
        #expect(try trades("BTCUSDT") > btc, "BTCUSDT still stored")
        let added = try call("POST", "symbols", #"{"symbol":"ethusdt"}"#)
        #expect(added.0 == 200 && added.1["message"] as? String == "Symbol added successfully" && added.1["symbol"] as? String == "ETHUSDT")
        try server.eventually(10, "ETHUSDT stored again") { try trades("ETHUSDT") > eth }
        #expect(try call("POST", "symbols", "[").1["error"] as? String == "invalid_request")
        #expect(try call("POST", "symbols", "{}").1["error"] as? String == "missing_symbol")
    }
}
