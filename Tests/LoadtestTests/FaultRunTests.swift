import Foundation
import Glibc
import Posix
import Testing
@testable import Loadtest

/// `tterminal loadtest ws --fault` against a real server fed by the simulator: a worker is
/// killed mid-run and its clients come back and resume without losing a trade.
@Suite("Faults against a real server", .serialized)
struct FaultRunTests {
    static let subscribe = #"{"type":"subscribe","symbol":"BTCUSDT","market":"futures","channels":["aggTrades"]}"#

    @Test("nothing listening: every connection fails, and the run ends at once with the failures by reason, not after warm-up and duration",
          .timeLimit(.minutes(1)))
    func nothingListening() throws {
        try #require(FileManager.default.isExecutableFile(atPath: tterminalBinary), "build tterminal first: \(tterminalBinary)")
        let listener = try Socket.listen(host: "127.0.0.1", port: 0)
        let port = Socket.localPort(listener)
        close(listener)
        let json = "/tmp/tterminal-loadtest-refused-\(getpid()).json"
        defer { unlink(json) }
        let started = Date()
        let run = try ProcessUnderTest(
            ["loadtest", "ws", "--url", "ws://127.0.0.1:\(port)/api/v1/websocket/connect", "--connections", "20",
             "--processes", "1", "--warmup", "10", "--duration", "30", "--json", json],
            environment: ["PATH=/usr/bin:/bin"], name: "refused")
        guard let status = run.wait(seconds: 30) else { throw RunFailure("the run did not end in 30 s:\n\(run.log.suffix(3000))") }
        #expect(Date().timeIntervalSince(started) < 10, "it waited for a window with nothing in it")
        #expect(status == .exited(1), "\(run.log)")
        #expect(run.log.contains("no connection open of 20 when the ramp ended: nothing to measure"), "\(run.log)")
        let data = try #require(FileManager.default.contents(atPath: json), "no JSON report:\n\(run.log.suffix(3000))")
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let connections = try #require(report["connections"] as? [String: Any])
        #expect(connections["failed"] as? Int == 20 && connections["opened"] as? Int == 0, "\(connections)")
        #expect(((connections["reasons"] as? [String: Any])?["refused"] as? [String: Any])?["count"] as? Int == 20, "\(connections)")
        #expect(report["problems"] as? [String] == ["20 connections failed to open and 0 were dropped (allowed 0)"], "\(report)")
        #expect(run.log.contains("window              none: no connection opened"), "\(run.log)")
    }

    @Test("Ctrl-C (INT to the harness's process group) mid-window: the clients stop, the report covers what was measured, exit 130, no client process left",
          .timeLimit(.minutes(1)))
    func interruptedWS() throws {
        try #require(FileManager.default.isExecutableFile(atPath: tterminalBinary), "build tterminal first: \(tterminalBinary)")
        let server = try ServerOnLoopback(rate: 200, workers: 1)
        usleep(1_500_000)
        let json = "/tmp/tterminal-loadtest-int-\(getpid()).json"
        defer { unlink(json) }
        let run = try ProcessUnderTest(
            ["loadtest", "ws", "--url", "ws://127.0.0.1:\(server.port)/api/v1/websocket/connect", "--connections", "50",
             "--processes", "2", "--subscribe", Self.subscribe, "--warmup", "0.5", "--duration", "60", "--json", json],
            environment: ["PATH=/usr/bin:/bin"], name: "int")
        #expect(run.waitForLog("loadtest: measuring"), "\(run.log.suffix(2000))")
        usleep(1_500_000)
        let children = Self.children(of: run.pid)
        #expect(children.count == 2, "\(children)")
        kill(-run.pid, SIGINT)  // what a terminal's Ctrl-C does: the whole foreground group
        guard let status = run.wait(seconds: 15) else { throw RunFailure("no end 15 s after INT:\n\(run.log.suffix(3000))") }
        #expect(status == .exited(130), "\(run.log.suffix(3000))")
        let data = try #require(FileManager.default.contents(atPath: json), "no JSON report:\n\(run.log.suffix(3000))")
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let problems = report["problems"] as? [String] ?? []
        #expect(problems.contains { $0.hasPrefix("interrupted by SIGINT after") }, "\(problems)")
        let window = report["window_s"] as? Double ?? 0
        #expect(window > 0.5 && window < 10, "window \(window) s")
        let deliveries = report["deliveries"] as? [String: Any] ?? [:]
        #expect((deliveries["trades_in_window"] as? Int ?? 0) > 0, "\(deliveries)")
        #expect(children.allSatisfy { kill($0, 0) != 0 }, "client processes left: \(children)")
    }

    @Test("the server goes away mid-window: the run ends within a few seconds, not at the end of its 60 s, and says why",
          .timeLimit(.minutes(1)))
    func serverGone() throws {
        try #require(FileManager.default.isExecutableFile(atPath: tterminalBinary), "build tterminal first: \(tterminalBinary)")
        let server = try ServerOnLoopback(rate: 200, workers: 1)
        usleep(1_500_000)
        let run = try ProcessUnderTest(
            ["loadtest", "ws", "--url", "ws://127.0.0.1:\(server.port)/api/v1/websocket/connect", "--connections", "20",
             "--processes", "1", "--subscribe", Self.subscribe, "--warmup", "0.5", "--duration", "60"],
            environment: ["PATH=/usr/bin:/bin"], name: "gone")
        #expect(run.waitForLog("loadtest: measuring"), "\(run.log.suffix(2000))")
        let stopped = Date()
        server.server = nil  // TERM to the server's group, KILL after 5 s
        guard let status = run.wait(seconds: 20) else { throw RunFailure("still running 20 s after the server went away:\n\(run.log.suffix(3000))") }
        #expect(Date().timeIntervalSince(stopped) < 15)
        #expect(status == .exited(1), "\(run.log.suffix(3000))")
        #expect(run.log.contains("every connection is gone"), "\(run.log.suffix(3000))")
    }

    /// The pids whose parent is `pid` (from /proc).
    static func children(of pid: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == pid
        }
    }

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
        let memory = report["worker_memory"] as? [String: Any] ?? [:]
        #expect(memory["private_dirty_before"] is Double && memory["private_dirty_after"] is NSNull,
                "a killed worker leaves no figure to compare, not 0: \(memory)")
        let reconnect = try #require(fault["reconnect_ms"] as? [String: Any])
        #expect((reconnect["max"] as? Double ?? .infinity) < 5_000, "\(table)")
        let connections = try #require(report["connections"] as? [String: Any])
        #expect(connections["open_at_end"] as? Int == 200, "\(table)")
        let sequence = try #require(report["sequence"] as? [String: Any])
        #expect(sequence["missing_ids"] as? Int == 0, "\(table)")
    }
}
