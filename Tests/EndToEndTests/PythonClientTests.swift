import Foundation
import Glibc
import Market
import Posix
import ShmRing
import Testing

/// A WebSocket client from another ecosystem (Python `websockets` 15, `scripts/ws-client-check.py`)
/// against a real server whose feeder replays a Binance recording through the simulator: what it
/// receives is judged against the simulator's trades and the feeder's book.
@Suite("A Python websockets client against the server, fed by a replayed recording", .serialized)
struct PythonClientTests {
    /// The Python with `websockets`: `TTERMINAL_PYTHON` (`make test` sets it to the venv
    /// `make deps` fills), else the system's.
    static let python = ProcessInfo.processInfo.environment["TTERMINAL_PYTHON"] ?? "/usr/bin/python3"

    static let available: Bool = {
        if ProcessInfo.processInfo.environment["TTERMINAL_PYTHON"] != nil { return true }  // must run: a failure is a failure
        guard let probe = try? ChildUnderTest(python, ["-c", "import websockets"]) else { return false }
        return probe.wait(seconds: 30) == .exited(0)
    }()

    static let recording = repositoryRoot + "/fixtures/binance/hftbacktest/spot_btcusdt_20240808.gz"
    static let bookDepth = 20

    /// What one run of the client left: its JSON result, the feeder's book while the feed was
    /// stalled, and every spot trade id the simulator generated.
    struct Outcome {
        var result: [String: Any]
        var feederBook: (top: BookTop, bids: [BookLevel], asks: [BookLevel])?
        var truth: [Int64]
        var trades: [Int64] { (result["trades"] as? [NSNumber] ?? []).map(\.int64Value) }
        subscript(_ key: String) -> [String: Any] { result[key] as? [String: Any] ?? [:] }
    }

    @Test("on the extended subscribe (trades, depth): every trade once and in order, the feeder's book, exactly the missed messages after resuming with epoch and seq, and epoch_changed for a wrong epoch",
          .enabled(if: available, "skipped: no Python with websockets; run make deps-python"), .timeLimit(.minutes(4)))
    func extendedSubscribe() throws {
        let run = try Self.run(legacy: false)
        try expectTradesAndBook(run, phases: 3)
        let subscribed = run["subscribed"]
        let epoch = try #require(subscribed["epoch"] as? Int, "subscribed: \(subscribed)")
        #expect(subscribed["channels"] as? [String] == ["trades", "depth"])
        let counts = run["counts"]
        for other in ["price_update", "kline_update", "mark_price_update", "liquidation_update"] {
            #expect(counts[other] == nil, "\(other) on a trades + depth subscription")
        }

        let resume = run["resume"]
        let recovery = resume["recovery"] as? [String: Any] ?? [:]
        let seq = try #require(resume["seq"] as? Int)
        #expect(recovery["status"] as? String == "recovered", "\(recovery)")
        #expect(recovery["from_seq"] as? Int == seq + 1 && recovery["epoch"] as? Int == epoch, "resumed after seq \(seq): \(recovery)")
        #expect((recovery["to_seq"] as? Int ?? 0) >= seq + 1)
        // Exactly the missed messages: as many as the server says it replayed, trades among
        // them, the first continuing the last one seen; then the book again as one snapshot.
        #expect(recovery["messages"] as? Int == resume["data_before_recovery"] as? Int, "\(recovery) vs \(resume)")
        #expect((resume["trades_before_recovery"] as? Int ?? 0) > 0, "nothing was missed in \(resume)")
        let depth = resume["depth_after_recovery"] as? String ?? ""
        #expect(depth.hasPrefix("sd") && !depth.dropFirst().contains("s"), "depth after recovery (s: snapshot, d: diff): \(depth)")
        let sessions = run.result["sessions"] as? [[String: Any]] ?? []
        let resumed = try #require(sessions.first { $0["name"] as? String == "resumed" }, "\(sessions)")
        let lastTrade = try #require(resume["last_trade"] as? Int)
        #expect(resumed["trades_from"] as? Int == lastTrade + 1 && (resumed["first_seq"] as? Int ?? 0) > seq, "\(resume) \(resumed)")

        let wrong = run["wrong_epoch"]
        let refused = wrong["recovery"] as? [String: Any] ?? [:]
        #expect(refused["status"] as? String == "impossible" && refused["reason"] as? String == "epoch_changed", "\(refused)")
        #expect(refused["epoch"] as? Int == epoch)
        #expect(wrong["snapshot_update_id"] is Int, "no snapshot after an impossible recovery: \(wrong)")
        #expect((wrong["errors"] as? [String])?.isEmpty == true, "after the refused resume: \(wrong["errors"] ?? "-")")
    }

    @Test("on the original subscribe: every trade once and in order, and the feeder's book",
          .enabled(if: available, "skipped: no Python with websockets; run make deps-python"), .timeLimit(.minutes(3)))
    func legacySubscribe() throws {
        try expectTradesAndBook(try Self.run(legacy: true), phases: 2)
    }

    /// (a) the trade ids the client saw are the simulator's over the window it was connected,
    /// without gap or duplicate; (b) its book equals the feeder's at the same update id.
    func expectTradesAndBook(_ run: Outcome, phases: Int) throws {
        #expect((run.result["errors"] as? [String] ?? ["no result"]).isEmpty, "client: \(run.result["errors"] ?? "-")")
        let trades = run.trades
        #expect(trades.count >= 40 * phases, "only \(trades.count) trades")
        let first = try #require(trades.first)
        let last = try #require(trades.last)
        let expected = run.truth.filter { $0 >= first && $0 <= last }
        #expect(trades == expected, "client has \(trades.count) ids in \(first)...\(last), the simulator made \(expected.count); missing \(Set(expected).subtracting(trades).sorted().prefix(10)), extra or repeated \(trades.count - Set(trades).count)")

        let book = run["book"]
        let feeder = try #require(run.feederBook, "the feeder's book was never read (the client never reported a quiet stream)")
        #expect(feeder.top.isSynced)
        #expect(book["update_id"] as? Int == Int(feeder.top.lastUpdateId), "client's book at \(book["update_id"] ?? "-"), feeder's at \(feeder.top.lastUpdateId)")
        let bids = Self.levels(book["bids"]), asks = Self.levels(book["asks"])
        #expect(bids.count == Self.bookDepth && asks.count == Self.bookDepth)
        #expect(bids == feeder.bids.map { PriceLevel(price: $0.price, quantity: $0.quantity) }, "bids differ")
        #expect(asks == feeder.asks.map { PriceLevel(price: $0.price, quantity: $0.quantity) }, "asks differ")
    }

    static func levels(_ value: Any?) -> [PriceLevel] {
        (value as? [[String]] ?? []).compactMap { pair in
            guard pair.count == 2, let p = Fixed.parse(pair[0]), let q = Fixed.parse(pair[1]) else { return nil }
            return PriceLevel(price: p, quantity: q)
        }
    }

    /// A simulator replaying spot BTCUSDT, a server fed by it, and the client run to its end.
    /// When the client reports its stream quiet (the feed stalled), the feeder's book is read
    /// from the state tables and the client told to go on.
    static func run(legacy: Bool) throws -> Outcome {
        let sim = try SimulatorUnderTest(extra: ["--replay", recording])
        // A stall longer than the client's (7 s): the feeder must keep the stalled connection, or
        // its replacement would move the book on while the two are compared.
        let server = try sim.serve(["SYMBOLS": "BTCUSDT", "INTERVALS": "1m", "RING_MB": "16", "FEED_STALL_MS": "20000"])
        try server.eventually(20, "the feed to go live") { try server.status().feedState == .live }

        let dir = "/tmp/tterminal-pyclient-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/result.json", quiet = dir + "/book.json"
        let args = [repositoryRoot + "/scripts/ws-client-check.py",
                    "--url", "ws://127.0.0.1:\(server.port)/api/v1/websocket/connect", "--control", sim.url("control"),
                    "--out", out, "--quiet-file", quiet, "--book-depth", "\(bookDepth)"] + (legacy ? ["--legacy"] : [])
        let client = try ChildUnderTest(python, args)
        let tables = StateTables(segment: try server.segment())
        var feederBook: (top: BookTop, bids: [BookLevel], asks: [BookLevel])?
        let status = client.wait(seconds: 150) {
            guard feederBook == nil, FileManager.default.fileExists(atPath: quiet) else { return }
            feederBook = tables.book(symbolIndex: 0, market: .spot, depth: bookDepth)
            _ = FileManager.default.createFile(atPath: quiet + ".ack", contents: nil)
        }
        print("ws-client-check.py (\(legacy ? "legacy" : "extended")): \(client.stdout)")
        #expect(status == .exited(0), "ws-client-check.py: \(String(describing: status))\n\(client.stdout)\n\(client.stderr.suffix(3000))")
        let data = FileManager.default.contents(atPath: out) ?? Data()
        let result = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        let truth = try sim.truth(venue: "spot")
        _ = server.stop()
        return Outcome(result: result, feederBook: feederBook, truth: truth)
    }
}
