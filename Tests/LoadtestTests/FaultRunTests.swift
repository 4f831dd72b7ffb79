import Foundation
import Glibc
import Testing
@testable import Loadtest

/// `tterminal loadtest ws --fault` against a real server fed by the simulator: a worker is
/// killed mid-run and its clients come back and resume without losing a trade.
@Suite("Faults against a real server", .serialized)
struct FaultRunTests {
    static let subscribe = #"{"type":"subscribe","symbol":"BTCUSDT","market":"futures","channels":["aggTrades"]}"#

    @Test("kill-worker: the clients it dropped reconnect, resume, and miss no trade", .timeLimit(.minutes(1)))
    func killWorker() throws {
        try #require(FileManager.default.isExecutableFile(atPath: tterminalBinary), "build tterminal first: \(tterminalBinary)")
        let server = try ServerOnLoopback(rate: 200, workers: 2)
        usleep(1_500_000) // the feed settles: books and first trades
        let json = "/tmp/tterminal-loadtest-fault-\(getpid()).json"
        defer { unlink(json) }
        let run = try ProcessUnderTest(
            ["loadtest", "ws", "--url", "ws://127.0.0.1:\(server.port)/api/v1/websocket/connect", "--status-shm", server.segment,
             "--connections", "200", "--arrival-rate", "1000", "--processes", "1", "--subscribe", Self.subscribe,
             "--warmup", "1", "--duration", "7", "--fault", "kill-worker@2s", "--json", json, "--quiet"],
            environment: ["PATH=/usr/bin:/bin"], name: "run")
        guard let status = run.wait(seconds: 40) else { throw RunFailure("the run did not end in 40 s:\n\(run.log.suffix(3000))") }
        let data = try #require(FileManager.default.contents(atPath: json), "no JSON report; exit \(status):\n\(run.log.suffix(3000))")
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let table = run.log
        #expect(status == .exited(0), "\(table)")
        #expect(report["problems"] as? [String] == [], "\(table)")
        let faults = try #require(report["faults"] as? [[String: Any]])
        let fault = try #require(faults.first)
        func count(_ key: String) -> Int { fault[key] as? Int ?? -1 }
        #expect((fault["target"] as? String)?.hasPrefix("KILL to worker pid") == true, "\(table)")
        let dropped = count("clients_disconnected")
        #expect(dropped > 0, "\(table)")
        #expect(count("reconnects") == count("disconnects"), "\(table)")
        #expect(count("recovered") == count("resumes") && count("resumes") == count("reconnects"), "\(table)")
        #expect((fault["impossible"] as? [String: Any])?["total"] as? Int == 0, "\(table)")
        #expect(count("unrecovered_missing_ids") == 0 && count("duplicate_ids") == 0, "\(table)")
        #expect(count("affected_clients") == dropped && count("live_again_clients") == dropped, "\(table)")
        let reconnect = try #require(fault["reconnect_ms"] as? [String: Any])
        #expect((reconnect["max"] as? Double ?? .infinity) < 5_000, "\(table)")
        let connections = try #require(report["connections"] as? [String: Any])
        #expect(connections["open_at_end"] as? Int == 200, "\(table)")
        let sequence = try #require(report["sequence"] as? [String: Any])
        #expect(sequence["missing_ids"] as? Int == 0, "\(table)")
    }
}
