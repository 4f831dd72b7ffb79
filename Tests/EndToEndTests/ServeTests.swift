import Foundation
import Glibc
import Posix
import ShmRing
import Testing

/// Real `tterminal serve` processes on loopback: the supervisor, its feeder and workers.
@Suite("tterminal serve, end to end", .serialized)
struct ServeTests {
    @Test("health answers 200 with live ring figures")
    func health() throws {
        let s = ServerUnderTest()
        try s.start()
        try s.waitHealthy()
        try s.eventually(10, "the feed to go live") { try s.status().feedState == .live }
        let first = try HTTP.get(port: s.port, path: "/api/v1/health")
        #expect(first.status == 200)
        let a = try first.json()
        let feed = try #require(a["feed"] as? [String: Any])
        #expect(feed["state"] as? String == "live")
        let ring = try #require(a["ring"] as? [String: Any])
        let seq1 = try #require(ring["sequence"] as? Int)
        #expect(a["database"] as? String == "not_configured")
        #expect((a["supervisor"] as? [String: Any])?["pid"] as? Int == Int(s.pid))
        usleep(300_000)
        let b = try HTTP.get(port: s.port, path: "/api/v1/health").json()
        let seq2 = try #require((b["ring"] as? [String: Any])?["sequence"] as? Int)
        #expect(seq2 > seq1, "the ring moves: \(seq1) → \(seq2)")
        let trade = try #require(StateTables(segment: try s.segment()).latestTrade(symbolIndex: 0), "no latest BTCUSDT trade in the state table")
        #expect(trade.price > 50_000 * 100_000_000 && trade.price < 70_000 * 100_000_000, "recorded BTCUSDT price: \(trade.price)")
        #expect(s.stop() == .exited(0))
    }

    @Test("kill -9 of a worker: a new pid serves within a second and a client keeps getting answers")
    func workerKill() throws {
        let s = ServerUnderTest(workers: 2)
        try s.start()
        try s.waitHealthy()
        try s.eventually(5, "two running workers") { try s.workers().count == 2 }
        let victim = try #require(try s.workers().first)
        Signal.kill.send(to: victim.pid)
        let killed = Date()
        var failures = 0
        var answered = 0
        var replaced: Date?
        while Date().timeIntervalSince(killed) < 2.0 {
            if let r = try? HTTP.get(port: s.port, path: "/api/v1/health"), r.status == 200 { answered += 1 } else { failures += 1 }
            if replaced == nil, let w = try? s.status().children.first(where: { $0.slot == victim.slot }), w.pid != victim.pid, w.pid > 0,
               (try? HTTP.get(port: s.port, path: "/api/v1/health"))?.status == 200 {
                replaced = Date()
            }
        }
        let r = try #require(replaced, "the worker in slot \(victim.slot) was not replaced")
        #expect(r.timeIntervalSince(killed) < 1.0)
        #expect(failures == 0, "\(failures) failed requests of \(answered + failures)")
        #expect(!alive(victim.pid))
        #expect(try s.status().children.first { $0.slot == victim.slot }?.restarts == 1)
    }

    @Test("kill -9 of the feeder: a new epoch begins and records flow again")
    func feederKill() throws {
        let s = ServerUnderTest()
        try s.start()
        try s.waitHealthy()
        try s.eventually(5, "records") { try s.status().ringSequence > 10 }
        let before = try s.status()
        let feeder = try #require(try s.feeder())
        Signal.kill.send(to: feeder.pid)
        try s.eventually(5, "a new feeder epoch") { try s.status().epoch > before.epoch }
        let afterEpoch = try s.status().ringSequence
        try s.eventually(5, "records after the restart") { try s.status().ringSequence > afterEpoch + 10 }
        let now = try s.status()
        #expect(now.ringSequence > before.ringSequence)
        #expect(try s.feeder()?.pid != feeder.pid)
        let h = try HTTP.get(port: s.port, path: "/api/v1/health").json()
        #expect((h["feed"] as? [String: Any])?["epoch"] as? Int == Int(now.epoch))
    }

    @Test("a SIGSTOPped worker is detected by its heartbeat and replaced")
    func stoppedWorker() throws {
        let s = ServerUnderTest(workers: 1)
        try s.start()
        try s.waitHealthy()
        try s.eventually(5, "a running worker") { try s.workers().count == 1 }
        let victim = try #require(try s.workers().first)
        Signal.stop.send(to: victim.pid)
        try s.eventually(5, "a replacement for the stopped worker") {
            guard let w = try s.workers().first else { return false }
            return w.pid != victim.pid
        }
        #expect(!alive(victim.pid))
        #expect(s.log().contains("missed its heartbeats"))
        #expect(try HTTP.get(port: s.port, path: "/api/v1/health").status == 200)
    }

    @Test("TTIN and TTOU change the number of workers")
    func scaling() throws {
        let s = ServerUnderTest(workers: 1)
        try s.start()
        try s.waitHealthy()
        s.signal(.ttin)
        try s.eventually(5, "two workers") { try s.workers().count == 2 }
        s.signal(.ttin)
        try s.eventually(5, "three workers") { try s.workers().count == 3 }
        let pids = try s.workers().map(\.pid)
        s.signal(.ttou)
        try s.eventually(5, "two workers again") { try s.status().children.filter { $0.kind == .worker }.count == 2 }
        #expect(try s.status().workersWanted == 2)
        try s.eventually(2, "the retired worker to exit") { pids.filter(alive).count == 2 }
    }

    @Test("HUP rolls the workers with zero failed requests during a request loop")
    func reload() throws {
        let s = ServerUnderTest(workers: 2)
        try s.start()
        try s.waitHealthy()
        try s.eventually(5, "two running workers") { try s.workers().count == 2 }
        let old = Set(try s.workers().map(\.pid))
        s.signal(.hup)
        var failures = 0
        var total = 0
        let start = Date()
        var rolled = false
        var reasons: [String] = []
        while Date().timeIntervalSince(start) < 4.0 {
            total += 1
            do {
                let r = try HTTP.get(port: s.port, path: "/api/v1/health")
                if r.status != 200 { failures += 1; reasons.append("status \(r.status)") }
            } catch {
                failures += 1
                reasons.append("\(error)")
            }
            if !rolled, let w = try? s.workers(), w.count == 2, Set(w.map(\.pid)).isDisjoint(with: old), old.allSatisfy({ !alive($0) }) {
                rolled = true
            }
        }
        #expect(rolled, "the old workers were not replaced")
        #expect(failures == 0, "\(failures) of \(total) requests failed during the reload: \(reasons)")
        #expect(try s.status().generation == 2)
    }

    @Test("TERM leaves no process and no segment behind")
    func term() throws {
        let s = ServerUnderTest(workers: 2)
        try s.start()
        try s.waitHealthy()
        try s.eventually(5, "all children running") { try s.workers().count == 2 && s.feeder()?.state == .running }
        let pids = try s.status().children.map(\.pid)
        #expect(pids.count == 3)
        #expect(s.stop() == .exited(0))
        #expect(pids.filter(alive).isEmpty, "left behind: \(pids.filter(alive))")
        #expect(throws: (any Error).self) { try Segment.open(name: s.segmentName) }
        #expect(!FileManager.default.fileExists(atPath: "/dev/shm" + s.segmentName))
        #expect(s.log().contains("supervisor stopped"))
    }

    @Test("a bad configuration value stops start-up with exit code 2 and names the variable")
    func badConfig() throws {
        let s = ServerUnderTest(extra: ["WORKERS": "lots"])
        let out = "/tmp/tterminal-test-\(s.port).stderr"
        let pid = try Spawn.start(SpawnRequest(path: "/bin/sh", arguments: ["-c", "exec \(tterminalBinary) serve 2>\(out)"],
                                               environment: s.env.map { "\($0.key)=\($0.value)" }))
        #expect(Wait.waitFor(pid, timeoutMillis: 5000) == .exited(2))
        let message = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        #expect(message.contains("WORKERS=lots"))
        #expect(message.contains("expected an integer"))
        unlink(out)
    }

    @Test("a feeder that exits with code 2 stops the server with code 2 instead of a respawn loop")
    func fatalChild() throws {
        let s = ServerUnderTest(extra: ["REPLAY_FILE": "/nonexistent/replay.gz"])
        try s.start()
        #expect(s.waitExit(timeoutMillis: 10_000) == .exited(2))
        #expect(s.log().contains("fatal, not restarting"))
        #expect(s.log().contains("/nonexistent/replay.gz"))
        #expect(!FileManager.default.fileExists(atPath: "/dev/shm" + s.segmentName))
    }

    @Test("status prints the children, pids, uptime, restarts, ring position and lag")
    func statusCommand() throws {
        let s = ServerUnderTest(workers: 2)
        try s.start()
        try s.waitHealthy()
        try s.eventually(5, "two running workers") { try s.workers().count == 2 }
        let out = "/tmp/tterminal-test-\(s.port).status"
        let pid = try Spawn.start(SpawnRequest(path: "/bin/sh", arguments: ["-c", "exec \(tterminalBinary) status > \(out)"],
                                               environment: s.env.map { "\($0.key)=\($0.value)" }))
        #expect(Wait.waitFor(pid, timeoutMillis: 5000) == .exited(0))
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        unlink(out)
        for word in ["supervisor pid \(s.pid)", "feeder", "worker", "RESTARTS", "LAG", "RING SEQ", "UPTIME", "epoch"] {
            #expect(text.contains(word), "status lacks \(word):\n\(text)")
        }
        for w in try s.workers() { #expect(text.contains("\(w.pid)")) }
        let json = try HTTP.get(port: s.port, path: "/api/v1/system/status").json()
        #expect((json["supervisor"] as? [String: Any])?["pid"] as? Int == Int(s.pid))
        #expect((json["children"] as? [[String: Any]])?.count == 3)
    }

    @Test("a binary copied away from the checkout and run from elsewhere still migrates: the migrations are built in",
          .enabled(if: ProcessInfo.processInfo.environment["DATABASE_URL"] != nil, "needs DATABASE_URL (make test starts PostgreSQL)"))
    func migratesAwayFromCheckout() throws {
        let dir = "/tmp/tterminal-away-\(getpid())"
        mkdir(dir, 0o755)
        let copy = dir + "/tterminal"
        // A hard link where /tmp shares the build's file system, else a copy.
        if link(tterminalBinary, copy) != 0 {
            try FileManager.default.copyItem(atPath: tterminalBinary, toPath: copy)
        }
        defer { unlink(copy); rmdir(dir) }
        let s = ServerUnderTest(workers: 1, extra: ["DATABASE_URL": ProcessInfo.processInfo.environment["DATABASE_URL"]!])
        s.binary = copy
        s.workingDirectory = dir
        try s.start()
        try s.waitHealthy()
        try s.eventually(10, "migrations at start") { s.log().contains("database migrated") || s.log().contains("database schema up to date") }
        #expect(!s.log().contains("not migrating"), "\(s.log().suffix(2000))")
        #expect(s.stop() == .exited(0))
    }

    @Test("malformed HTTP gets 400 and the worker keeps serving")
    func malformed() throws {
        let s = ServerUnderTest(workers: 1)
        try s.start()
        try s.waitHealthy()
        let bad = try HTTP.exchange(port: s.port, raw: "GARBAGE\r\n\r\n")
        #expect(bad.status == 400)
        let notFound = try HTTP.get(port: s.port, path: "/nope")
        #expect(notFound.status == 404)
        let method = try HTTP.exchange(port: s.port, raw: "DELETE /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(method.status == 405)
        #expect(try HTTP.get(port: s.port, path: "/api/v1/health").status == 200)
    }

    @Test("health reports the database: healthy when it answers (migrated at start), 503 unhealthy when it does not; one request's bad data is its own 400",
          .enabled(if: ProcessInfo.processInfo.environment["DATABASE_URL"] != nil, "needs DATABASE_URL (make test starts PostgreSQL)"))
    func databaseHealth() throws {
        let good = ServerUnderTest(workers: 1, extra: ["DATABASE_URL": ProcessInfo.processInfo.environment["DATABASE_URL"]!])
        try good.start()
        try good.waitHealthy()
        try good.eventually(10, "database healthy") { try HTTP.get(port: good.port, path: "/api/v1/health").json()["database"] as? String == "healthy" }
        #expect(good.log().contains("database migrated") || good.log().contains("database schema up to date"))
        // A request whose data PostgreSQL refuses is that request's 400; the worker's connection
        // stays, so the next request (anyone's) is answered at once, never with its error.
        let long = String(repeating: "X", count: 30)  // base_asset is VARCHAR(20)
        let body = #"{"symbol":"XTESTUSDT","base_asset":"\#(long)","quote_asset":"USDT","status":"TRADING"}"#
        for _ in 0..<3 {
            let refused = try HTTP.exchange(port: good.port, raw: "POST /api/v1/symbols HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)", timeoutMillis: 5000)
            #expect(refused.status == 400 && refused.text.contains("too long"), "\(refused.status) \(refused.text)")
            let badTime = try HTTP.get(port: good.port, path: "/api/v1/candles/BTCUSDT/range?interval=1m&start_time=2026-11-28T00:00:00%2B99:99&end_time=2026-11-29T00:00:00Z")
            #expect(badTime.status == 400, "\(badTime.text)")
            let next = try HTTP.get(port: good.port, path: "/api/v1/symbols", timeoutMillis: 5000)
            #expect(next.status == 200 && !next.text.contains("too long"), "\(next.status) \(next.text.prefix(200))")
        }
        #expect(good.stop() == .exited(0))

        let bad = ServerUnderTest(workers: 1, extra: ["DATABASE_URL": "postgres://postgres@127.0.0.1:1/none"])
        try bad.start()
        try bad.eventually(15, "database unhealthy with 503") {
            let r = try HTTP.get(port: bad.port, path: "/api/v1/health")
            let db = try r.json()["database"] as? String
            return r.status == 503 && db == "unhealthy"
        }
        #expect(bad.log().contains("database migrations not applied"), "a database that is away does not stop the server")
        // Clients are told it is away, not where it is or who connects.
        let away = try HTTP.get(port: bad.port, path: "/api/v1/symbols", timeoutMillis: 5000)
        #expect(away.status == 503 && away.text == #"{"error":"database unavailable"}"#, "\(away.text)")
        #expect(bad.stop() == .exited(0))
    }

    @Test("USR1 makes the supervisor and every child reopen the log file")
    func reopenLogs() throws {
        let s = ServerUnderTest(workers: 2)
        try s.start()
        try s.waitHealthy()
        try s.eventually(5, "all children running") { try s.workers().count == 2 && s.feeder()?.state == .running }
        let rotated = s.logPath + ".1"
        unlink(rotated)
        #expect(rename(s.logPath, rotated) == 0)
        s.signal(.usr1)
        try s.eventually(5, "three children and the supervisor writing the new file") {
            let text = s.log()
            return text.components(separatedBy: "log file reopened").count - 1 >= 3 && text.contains("supervisor[")
        }
        let pids = try s.status().children.map(\.pid)
        for pid in pids where try s.status().children.first(where: { $0.pid == pid })?.kind == .worker {
            #expect(s.log().contains("[\(pid)] log file reopened"))
        }
        unlink(rotated)
    }

    @Test("kill -9 of the supervisor takes its children down, and a new server on the same port replaces the stale segment")
    func supervisorKill() throws {
        let s = ServerUnderTest(workers: 2)
        try s.start()
        try s.waitHealthy()
        try s.eventually(5, "all children running") { try s.workers().count == 2 && s.feeder()?.state == .running }
        let children = try s.status().children.map(\.pid)
        Signal.kill.send(to: s.pid)
        #expect(s.waitExit(timeoutMillis: 5000) == .signaled(SIGKILL))
        try s.eventually(10, "the orphaned children to stop") { children.filter(alive).isEmpty }
        #expect(FileManager.default.fileExists(atPath: "/dev/shm" + s.segmentName), "the dead supervisor's segment stays behind")

        let again = ServerUnderTest(workers: 1)
        again.env["PORT"] = "\(s.port)"
        again.env["SHM_NAME"] = s.segmentName
        try again.startOnPort(s.port)
        try again.waitHealthy()
        #expect(again.log().contains("removing a stale segment"))
        #expect(again.stop() == .exited(0))
    }

    @Test("Ctrl-C (INT to the whole foreground process group) stops everything once, without restarts")
    func controlC() throws {
        let s = ServerUnderTest(workers: 2)
        try s.start()
        try s.waitHealthy()
        try s.eventually(5, "all children running") { try s.workers().count == 2 && s.feeder()?.state == .running }
        let pids = try s.status().children.map(\.pid)
        #expect(kill(-s.pid, SIGINT) == 0)
        #expect(s.waitExit(timeoutMillis: 10_000) == .exited(0))
        #expect(pids.filter(alive).isEmpty)
        #expect(!s.log().contains("restarting"), "a child was restarted during the stop")
    }
}
