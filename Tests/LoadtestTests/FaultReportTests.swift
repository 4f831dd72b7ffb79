import Foundation
import Testing
@testable import Loadtest

/// The faults section: tallies over the pipe, merged over processes, and the table, JSON and
/// HTML that show them.
@Suite("Fault report")
struct FaultReportTests {
    func tally(disconnected: Int64, reconnectMicros: [Int64], recoveryMicros: [Int64]) -> FaultTally {
        var t = FaultTally()
        t[.clientsDisconnected] = disconnected
        t[.disconnects] = disconnected
        t[.reconnects] = Int64(reconnectMicros.count)
        t[.recovered] = disconnected - 1
        t[.epochChanged] = 1
        t[.replayed] = 40
        t[.missingIds] = 3
        t[.clientsWithGap] = 1
        t[.affected] = Int64(recoveryMicros.count) + 1
        t[.liveAgain] = Int64(recoveryMicros.count)
        t[.neverLive] = 1
        reconnectMicros.forEach { t.recordReconnect(micros: $0) }
        recoveryMicros.forEach { t.recordRecovery(micros: $0) }
        return t
    }

    func run() throws -> RunReport {
        var config = try WSLoadConfig(url: "ws://127.0.0.1:9/ws", connections: 4, arrivalRate: 100, processes: 2,
                                      subscribe: #"{"type":"subscribe","symbol":"BTCUSDT","channels":["aggTrades"]}"#,
                                      warmupSeconds: 0, durationSeconds: 10)
        config.reconnect = true
        config.faults = [try FaultSpec(parsing: "kill-worker@2s"), try FaultSpec(parsing: "sim-drop@5s")]
        config.simulatorControl = "http://127.0.0.1:9/sim"
        var a = ChildReport(kind: .final)
        a.faults = [tally(disconnected: 2, reconnectMicros: [40_000, 60_000], recoveryMicros: [90_000, 120_000])]
        a.counters[.openAtEnd] = 2
        var b = ChildReport(kind: .final)
        b.faults = [tally(disconnected: 1, reconnectMicros: [50_000], recoveryMicros: [100_000]), FaultTally()]
        b.counters[.openAtEnd] = 2
        var report = RunReport.merge([a, b], config: config)
        report.faultEvents = [FaultEvent(spec: config.faults[0], appliedSeconds: 2.001, target: "KILL to worker pid 77 (slot 1)"),
                              FaultEvent(spec: config.faults[1], error: "the run ended first")]
        return report
    }

    @Test("a window without a single trade is a problem when the subscription asks for trades, not when it asks only for depth")
    func noTrades() throws {
        func report(_ subscribe: String, trades: Int64) throws -> RunReport {
            let config = try WSLoadConfig(url: "ws://127.0.0.1:9/ws", connections: 2, arrivalRate: 100, processes: 1,
                                          subscribe: subscribe, warmupSeconds: 0, durationSeconds: 10)
            var child = ChildReport(kind: .final)
            child.counters[.openAtEnd] = 2
            child.counters[.tradesInWindow] = trades
            var r = RunReport.merge([child], config: config)
            r.windowSeconds = 10
            return r
        }
        let problem = "no trade arrived in the window although the subscription asks for trades"
        #expect(try report(#"{"type":"subscribe","symbol":"BTCUSDT","channels":["aggTrades"]}"#, trades: 0).problems == [problem])
        #expect(try report(#"{"type":"subscribe","symbol":"BTCUSDT"}"#, trades: 0).problems == [problem], "the original protocol sends trades")
        #expect(try report(#"{"type":"subscribe","symbol":"BTCUSDT","channels":["depth"]}"#, trades: 0).problems.isEmpty)
        #expect(try report(#"{"type":"subscribe","symbol":"BTCUSDT","channels":["trades"]}"#, trades: 5).problems.isEmpty)
    }

    @Test("a tally crosses the pipe unchanged, inside a child's report line")
    func roundTrip() throws {
        let t = tally(disconnected: 5, reconnectMicros: [1, 30_000, 2_000_000], recoveryMicros: [70_000])
        let back = try #require(FaultTally(encoded: t.encoded[...]))
        #expect(back.counts == t.counts && back.maxReconnectMicros == 2_000_000 && back.maxRecoveryMicros == 70_000)
        #expect(back.reconnect.totalCount == 3 && back.recovery.totalCount == 1)
        var report = ChildReport(kind: .final)
        report.faults = [FaultTally(), t]
        let line = report.line
        #expect(!line.dropLast().contains("\n"))
        let parsed = try #require(ChildReport(line: line.dropLast()[...]))
        #expect(parsed.faults.count == 2 && parsed.faults[1].counts == t.counts && parsed.faults[0].counts == FaultTally().counts)
        #expect(FaultTally(encoded: "1,2;3") == nil)
    }

    @Test("processes' tallies add up per fault, histograms and maxima included")
    func merged() throws {
        let report = try run()
        #expect(report.faultTallies.count == 2)
        let t = report.tally(0)
        #expect(t[.clientsDisconnected] == 3 && t[.reconnects] == 3 && t[.recovered] == 1 && t.impossible == 2)
        #expect(t.reconnect.totalCount == 3 && t.maxReconnectMicros == 60_000 && t.maxRecoveryMicros == 120_000)
        #expect(FaultTally.percentile(t.recovery, 99, max: t.maxRecoveryMicros) == 120_000)
        #expect(report.tally(7).counts == FaultTally().counts)
    }

    @Test("the table has a row per fault: disconnects, reconnect and recovery times, outcomes, gaps")
    func table() throws {
        let table = try run().table
        let rows = table.split(separator: "\n")
        let row = try #require(rows.first { $0.contains("kill-worker@2s") })
        #expect(row.contains("2.00") && row.contains("KILL to worker pid 77 (slot 1)"))
        #expect(row.contains("50.0/60.0/60.0"))
        #expect(row.contains("1/2 (epoch_changed 2)"))
        #expect(row.contains("6/2") && row.contains("3/5"))
        #expect(row.contains("100.0/120.0/120.0"))
        #expect(rows.contains { $0.contains("sim-drop@5s") && $0.contains("not applied: the run ended first") })
    }

    @Test("the JSON lists each fault with its figures, and a fault not applied is a problem")
    func json() throws {
        let report = try run()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        let faults = try #require(object["faults"] as? [[String: Any]])
        #expect(faults.count == 2)
        #expect(faults[0]["spec"] as? String == "kill-worker@2s" && faults[0]["clients_disconnected"] as? Int == 3)
        #expect(faults[0]["unrecovered_missing_ids"] as? Int == 6 && faults[0]["never_live_clients"] as? Int == 2)
        let impossible = try #require(faults[0]["impossible"] as? [String: Any])
        #expect(impossible["epoch_changed"] as? Int == 2)
        let recovery = try #require(faults[0]["recovery_ms"] as? [String: Any])
        #expect(recovery["max"] as? Double == 120)
        #expect(faults[1]["error"] as? String == "the run ended first" && faults[1]["applied_s"] is NSNull)
        #expect(object["reconnect"] as? Bool == true)
        #expect(report.problems.contains { $0.contains("sim-drop@5s") })
        #expect(!report.problems.contains { $0.contains("not connected") })
    }

    @Test("clients not connected at the end are a problem that says where each was: waiting to reconnect, connecting, upgrading, given up")
    func awayAtTheEnd() throws {
        var config = try WSLoadConfig(url: "ws://127.0.0.1:9/ws", connections: 4, arrivalRate: 100, processes: 2,
                                      subscribe: nil, warmupSeconds: 0, durationSeconds: 10)
        config.reconnect = true
        var a = ChildReport(kind: .final), b = ChildReport(kind: .final)
        a.counters[.openAtEnd] = 1
        a.counters[.awayWaiting] = 1
        b.counters[.openAtEnd] = 1
        b.counters[.awayUpgrading] = 1
        let report = RunReport.merge([a, b], config: config)
        #expect(report.problems == ["2 of 4 clients were not connected at the end (allowed 0): 1 waiting to reconnect, "
                                    + "1 waiting for the upgrade's answer"])
        var session = ClientSession()
        var counters = CounterSet()
        for phase in [ClientSession.Phase.waiting, .connecting, .upgrading, .open, .finished, .open] {
            session.phase = phase
            session.summarize(into: &counters)
        }
        #expect(counters[.openAtEnd] == 2 && counters[.awayWaiting] == 1 && counters[.awayConnecting] == 1)
        #expect(counters[.awayUpgrading] == 1 && counters[.awayFinished] == 1)
    }

    @Test("a fault not applied shows no figures of its own; a fault that affected no client shows no recovery time")
    func notAppliedOrNoneAffected() throws {
        var report = try run()
        // What the clients saw during a fault that was never applied is not its doing.
        var seen = FaultTally()
        seen[.affected] = 4
        seen[.liveAgain] = 4
        seen.recordRecovery(micros: 11_500)
        report.faultTallies = [FaultTally(), seen]
        let failed = try #require(report.faultRows.last)
        #expect(failed.last == "fault not applied" && failed[failed.count - 2] == "0/0", "\(failed)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        let faults = try #require(object["faults"] as? [[String: Any]])
        #expect(faults[1]["applied"] as? Bool == false && faults[1]["affected_clients"] as? Int == 0)
        #expect(faults[0]["applied"] as? Bool == true)
        let missed = try #require(report.faultRows.first)
        #expect(missed.last == "no client affected", "\(missed)")
        #expect(report.problems.contains { $0.contains("sim-drop@5s not applied") })
    }

    @Test("every reconnect of the run is in one histogram too, across the pipe and the merge")
    func wholeRun() throws {
        var child = ChildReport(kind: .final)
        child.reconnects.recordReconnect(micros: 30_000)
        child.reconnects.recordReconnect(micros: 90_000)
        child.counters[.reconnects] = 2
        let back = try #require(ChildReport(line: child.line.dropLast()[...]))
        #expect(back.reconnects.reconnect.totalCount == 2 && back.reconnects.maxReconnectMicros == 90_000)
        var config = try WSLoadConfig(url: "ws://127.0.0.1:9/ws", connections: 2, arrivalRate: 100, processes: 1, subscribe: "{}",
                                      warmupSeconds: 0, durationSeconds: 1)
        config.reconnect = true
        let run = RunReport.merge([back, back], config: config)
        #expect(run.reconnects.reconnect.totalCount == 4)
        #expect(run.table.contains("4 reconnects (ms p50/p99/max 30.0/90.0/90.0)"))
    }

    @Test("the HTML page has the faults table")
    func html() throws {
        let page = try run().html
        #expect(page.contains("<h2>Faults</h2>") && page.contains("<td>kill-worker@2s</td>"))
    }
}
