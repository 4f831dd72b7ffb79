import Foundation
import Testing

/// `GET /metrics` and the worker counters in `status --json`, from a running server.
@Suite("metrics, end to end", .serialized)
struct MetricsTests {
    /// A scrape's samples by family name, each with its label text (`worker="1"`) and value.
    struct Scrape {
        var types: [String: String] = [:]
        var helps: Set<String> = []
        var samples: [String: [(labels: String, value: Double)]] = [:]

        /// Parses the body, failing on any line that is not a comment, blank, or a sample of a
        /// family typed before it.
        init(_ text: String) throws {
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ", maxSplits: 3)
                if line.hasPrefix("# TYPE "), words.count == 4 { types[String(words[2])] = String(words[3]); continue }
                if line.hasPrefix("# HELP "), words.count >= 3 { helps.insert(String(words[2])); continue }
                let sample = line.wholeMatch(of: /([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ([^ ]+)/)
                guard let sample, let value = Double(sample.3), types[String(sample.1)] != nil else {
                    throw TestFailure("not a sample of a typed family: \(line)")
                }
                samples[String(sample.1), default: []].append((String(sample.2 ?? ""), value))
            }
        }

        /// The sum of a family's samples (over workers).
        func total(_ name: String) -> Double { samples[name]?.reduce(0) { $0 + $1.value } ?? 0 }
    }

    static func scrape(_ port: UInt16) throws -> Scrape {
        let r = try HTTP.get(port: port, path: "/metrics")
        guard r.status == 200 else { throw TestFailure("/metrics answered \(r.status): \(r.text)") }
        return try Scrape(r.text)
    }

    /// The sum of `websockets_open` over the worker objects of `status --json`.
    static func statusWebSocketsOpen(_ port: UInt16) throws -> Int {
        let children = try HTTP.get(port: port, path: "/api/v1/system/status").json()["children"] as? [[String: Any]] ?? []
        return children.compactMap { ($0["counters"] as? [String: Any])?["websockets_open"] as? Int }.reduce(0, +)
    }

    @Test("/metrics answers Prometheus text for every worker, and counts an open WebSocket")
    func metrics() throws {
        let s = ServerUnderTest(workers: 2)
        try s.start()
        try s.waitHealthy()
        try s.eventually(5, "two running workers") { try s.workers().count == 2 }
        let r = try HTTP.get(port: s.port, path: "/metrics")
        #expect(r.status == 200)
        #expect(r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        let first = try Scrape(r.text)
        #expect(first.helps == Set(first.types.keys))
        for (name, type) in first.types { #expect(type == (name.hasSuffix("_total") ? "counter" : "gauge"), "\(name)") }
        #expect(first.samples["tterminal_worker_websockets_open"]?.count == 2)
        #expect(first.samples["tterminal_process_restarts_total"]?.count == 3)
        #expect(first.total("tterminal_ring_latest_sequence") > 0)
        let head = try HTTP.exchange(port: s.port, raw: "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(head.status == 200 && head.body.isEmpty && Int(head.headers["content-length"] ?? "") ?? 0 > 0)

        var ws: WebSocketClient? = try WebSocketClient(port: s.port, path: "/api/v1/websocket/connect")
        #expect(try ws?.nextJSON()["type"] as? String == "connected")
        try s.eventually(5, "websockets_open ≥ 1 in /metrics") { try Self.scrape(s.port).total("tterminal_worker_websockets_open") >= 1 }
        try s.eventually(5, "websockets_open ≥ 1 in status --json") { try Self.statusWebSocketsOpen(s.port) >= 1 }
        ws = nil
        try s.eventually(5, "websockets_open back to 0") { try Self.scrape(s.port).total("tterminal_worker_websockets_open") == 0 }
        #expect(try Self.scrape(s.port).total("tterminal_worker_requests_total") > 0)
        #expect(s.stop() == .exited(0))
    }

    /// A worker counter summed over the worker objects of `status --json`.
    static func statusCounter(_ port: UInt16, _ name: String) throws -> Int {
        let children = try HTTP.get(port: port, path: "/api/v1/system/status").json()["children"] as? [[String: Any]] ?? []
        return children.compactMap { ($0["counters"] as? [String: Any])?[name] as? Int }.reduce(0, +)
    }

    @Test("WS_RATE_LIMIT_* reach the workers: a flooding terminal client gets its burst, the rate-limited error, and is closed; status and /metrics count both")
    func messageBudget() throws {
        let s = ServerUnderTest(workers: 1, extra: ["WS_RATE_LIMIT_MPS": "10", "WS_RATE_LIMIT_BURST": "30", "WS_RATE_LIMIT_CLOSE_AFTER": "1"])
        try s.start()
        try s.waitHealthy()
        // In a scope of its own: the socket closes at its end (the worker's close went
        // unanswered), so the stop below need not wait out the close timeout.
        do {
            let ws = try WebSocketClient(port: s.port, path: "/api/v1/websocket/connect")
            #expect(try ws.nextJSON()["type"] as? String == "connected")
            for _ in 0..<40 { try ws.sendText(#"{"type":"ping"}"#) }
            var replies: [[String: Any]] = []
            for _ in 0..<31 { replies.append(try ws.nextJSON()) }
            #expect(replies.prefix(30).allSatisfy { $0["type"] as? String == "pong" })
            let error = try #require(replies.last)
            #expect(error["type"] as? String == "error" && error["reason"] as? String == "rate_limited", "\(error)")
            #expect(error["limit"] as? Int == 10 && error["burst"] as? Int == 30)
            // Flood on past WS_RATE_LIMIT_CLOSE_AFTER (1 s): the worker closes the connection.
            let start = Date()
            while Date().timeIntervalSince(start) < 1.6 {
                for _ in 0..<10 { try ws.sendText(#"{"type":"ping"}"#) }
                usleep(50_000)
            }
        }
        try s.eventually(5, "ws_rate_limit_closed_total 1 in /metrics") {
            try Self.scrape(s.port).total("tterminal_worker_ws_rate_limit_closed_total") == 1
        }
        #expect(try Self.scrape(s.port).total("tterminal_worker_ws_rate_limited_total") >= 10)
        #expect(try Self.statusCounter(s.port, "ws_rate_limit_closed_total") == 1)
        #expect(try Self.statusCounter(s.port, "ws_rate_limited_total") >= 10)
        #expect(s.stop() == .exited(0))
    }
}
