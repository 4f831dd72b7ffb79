import Foundation
import Glibc
import Testing
@testable import Worker

/// The REST API around its routes: answers handed to a thread, ETags, CORS, the rate limit.
@Suite("REST requests in the event loop")
struct APILoopTests {
    static func request(_ path: String, _ headers: String = "") -> String {
        "GET \(path) HTTP/1.1\r\nHost: t\r\n\(headers)\r\n"
    }

    @Test("an answer that comes later goes out first; the request pipelined behind it waits and follows in order")
    func laterInOrder() throws {
        let s = ScriptedLoop()
        let tag = try #require(s.accept(fd: 10))
        s.backend.receive(Self.request("/api/v1/slow/later") + Self.request("/api/v1/fast"), for: tag)
        s.turn()
        #expect(s.backend.sends.isEmpty, "nothing leaves before the first answer")
        #expect(s.hooks.apiRequests.withLock { $0.map(\.target) } == ["/api/v1/slow/later"])
        let subscriber = try #require(s.hooks.apiRequests.withLock { $0.first?.subscriber })
        s.loop.answer(.ok(Array(#"{"slow":true}"#.utf8)), to: subscriber)
        s.turn()
        let text = s.backend.sends.map(\.text).joined()
        let slow = try #require(text.range(of: #"{"slow":true}"#))
        let fast = try #require(text.range(of: #"{"path":"/api/v1/fast"}"#))
        #expect(slow.lowerBound < fast.lowerBound)
        #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
        #expect(text.contains("X-Test: 1\r\n") && text.contains("ETag: \""))
    }

    @Test("Connection: close on a request answered later: the answer goes out, then the connection closes")
    func laterThenClose() throws {
        let s = ScriptedLoop()
        let tag = try #require(s.accept(fd: 10))
        s.backend.receive("GET /api/v1/slow/later HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", for: tag)
        s.turn()
        #expect(s.backend.closed.isEmpty, "not closed before its answer")
        let subscriber = try #require(s.hooks.apiRequests.withLock { $0.first?.subscriber })
        s.loop.answer(.ok(Array("{}".utf8)), to: subscriber)
        s.turn()
        let sent = try #require(s.backend.sends.last)
        #expect(sent.text.hasPrefix("HTTP/1.1 200 OK") && sent.text.contains("Connection: close\r\n"))
        s.backend.complete(sent.tag, result: Int32(sent.text.utf8.count))
        s.turn()
        #expect(s.backend.closed == [10])
    }

    @Test("an answer for a connection that has gone is dropped")
    func answerAfterClose() throws {
        let s = ScriptedLoop()
        let tag = try #require(s.accept(fd: 10))
        s.backend.receive(Self.request("/api/v1/slow/later"), for: tag)
        s.turn()
        let subscriber = try #require(s.hooks.apiRequests.withLock { $0.first?.subscriber })
        s.backend.complete(tag, result: 0)
        s.turn()
        #expect(s.backend.closed == [10])
        s.loop.answer(.ok(Array("{}".utf8)), to: subscriber)
        s.turn()
        #expect(s.backend.sends.isEmpty)
    }

    @Test("a body's ETag answers If-None-Match with 304: no body, no length; another tag gets the body")
    func etag() throws {
        let s = ScriptedLoop()
        let tag = try #require(s.accept(fd: 10))
        s.backend.receive(Self.request("/api/v1/x"), for: tag)
        s.turn()
        let first = try #require(s.backend.sends.last?.text)
        let etag = try #require(first.split(separator: "\r\n").first { $0.hasPrefix("ETag: ") }?.dropFirst(6))
        #expect(etag == Substring(BodyTag.of(Array(#"{"path":"/api/v1/x"}"#.utf8))))
        s.backend.complete(s.backend.sends.last!.tag, result: Int32(first.utf8.count))
        s.backend.receive(Self.request("/api/v1/x", "If-None-Match: W/\(etag), \"other\"\r\n"), for: tag)
        s.turn()
        let second = try #require(s.backend.sends.last?.text)
        #expect(second.hasPrefix("HTTP/1.1 304 Not Modified\r\n") && second.hasSuffix("\r\n\r\n"))
        #expect(!second.contains("Content-Length") && second.contains("ETag: \(etag)\r\n"))
        s.backend.complete(s.backend.sends.last!.tag, result: Int32(second.utf8.count))
        s.backend.receive(Self.request("/api/v1/x", "If-None-Match: \"0000000000000000\"\r\n"), for: tag)
        s.turn()
        #expect(s.backend.sends.last?.text.hasSuffix(#"{"path":"/api/v1/x"}"#) == true)
        #expect(BodyTag.matches("*", "\"x\"") && !BodyTag.matches("\"y\"", "\"x\""))
    }

    @Test("CORS: any origin with *, a listed origin only otherwise; a preflight is 204 with no body")
    func cors() throws {
        let open = ScriptedLoop()
        let a = try #require(open.accept(fd: 10))
        open.backend.receive(Self.request("/api/v1/x", "Origin: https://any.example\r\n"), for: a)
        open.turn()
        #expect(open.backend.sends.last?.text.contains("Access-Control-Allow-Origin: *\r\n") == true)

        var options = WorkerOptions.testing
        options.corsOrigins = ["https://terminal.example"]
        let listed = ScriptedLoop(options: options)
        let b = try #require(listed.accept(fd: 11))
        listed.backend.receive(Self.request("/api/v1/nope", "Origin: https://evil.example\r\n"), for: b)
        listed.turn()
        let refused = try #require(listed.backend.sends.last)
        #expect(!refused.text.contains("Access-Control-Allow-Origin"))
        listed.backend.complete(refused.tag, result: Int32(refused.text.utf8.count))
        listed.backend.receive("OPTIONS /api/v1/aggregation/multi HTTP/1.1\r\nHost: t\r\nOrigin: https://terminal.example\r\n"
            + "Access-Control-Request-Method: POST\r\n\r\n", for: b)
        listed.turn()
        let preflight = try #require(listed.backend.sends.last?.text)
        #expect(preflight.hasPrefix("HTTP/1.1 204 No Content\r\n") && !preflight.contains("\r\nContent-Length:"))
        #expect(preflight.contains("Access-Control-Allow-Origin: https://terminal.example\r\nVary: Origin\r\n"))
        #expect(preflight.contains("Access-Control-Allow-Methods: GET, POST"))
    }

    @Test("Expect: 100-continue gets 100 Continue once the headers are in, then the answer once the body is; none without it")
    func expectContinue() throws {
        let s = ScriptedLoop()
        let a = try #require(s.accept(fd: 10))
        let body = #"{"symbol":"BTCUSDT"}"#
        s.backend.receive("POST /api/v1/x HTTP/1.1\r\nHost: t\r\nExpect: 100-Continue\r\nContent-Length: \(body.utf8.count)\r\n\r\n", for: a)
        s.turn()
        let interim = try #require(s.backend.sends.last)
        #expect(interim.text == "HTTP/1.1 100 Continue\r\n\r\n")
        s.backend.complete(interim.tag, result: Int32(interim.text.utf8.count))
        s.backend.receive(body, for: a)
        s.turn()
        #expect(s.backend.sends.count == 2 && s.backend.sends.last?.text.hasPrefix("HTTP/1.1 ") == true
                && s.backend.sends.last?.text.contains("100 Continue") == false)
        s.backend.complete(s.backend.sends.last!.tag, result: Int32(s.backend.sends.last!.text.utf8.count))
        // Without Expect, or with the body already there, nothing interim.
        s.backend.receive("POST /api/v1/x HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n", for: a)
        s.turn()
        s.backend.receive("{}", for: a)
        s.turn()
        #expect(s.backend.sends.count == 3 && !s.backend.sends.map(\.text).dropFirst().contains { $0.contains("100 Continue") })
    }

    @Test("a kept body leaves by sendfile on an idle connection and through the queue behind other output: the same bytes")
    func keptBodies() throws {
        let worker = try RunningWorker()
        defer { worker.stop() }
        let a = try TestClient(port: worker.port)
        let want = String(decoding: RecordingHooks.bigBody, as: UTF8.self)
        for _ in 0..<3 {
            let r = try #require(a.get("/api/v1/x/big"))
            #expect(r.status == 200 && r.body == want && r.header("ETag") == BodyTag.of(RecordingHooks.bigBody))
        }
        // Pipelined: the second answer is queued behind the first, so it takes the queue's path.
        a.send("GET /api/v1/x/big HTTP/1.1\r\nHost: t\r\n\r\nGET /api/v1/x/big HTTP/1.1\r\nHost: t\r\n\r\n")
        for _ in 0..<2 {
            let r = try #require(a.readResponse())
            #expect(r.status == 200 && r.body == want)
        }
        let head = try #require(a.get("/api/v1/x/big", extraHeaders: ""))
        #expect(head.body == want)
    }

    @Test("each client address has its own bucket: past the burst 429 with the original's body and Retry-After, then refilled")
    func rateLimit() throws {
        var options = WorkerOptions.testing
        options.rateLimitPerSecond = 20
        options.rateLimitBurst = 3
        let worker = try RunningWorker(options: options)
        defer { worker.stop() }
        let a = try TestClient(port: worker.port)
        let statuses = (0..<5).map { _ in a.get("/api/v1/health")?.status ?? 0 }
        #expect(statuses.prefix(3).allSatisfy { $0 == 200 })
        let limited = try #require(a.get("/api/v1/x"))
        #expect(limited.status == 429 && limited.body.contains("Rate limit exceeded"))
        #expect(limited.header("Retry-After") == "1", "a token every 50 ms: try again in a second")
        let other = try TestClient(port: worker.port, source: "127.0.0.2")
        #expect(other.get("/api/v1/health")?.status == 200, "another address is not throttled with it")
        usleep(200_000)
        #expect(a.get("/api/v1/health")?.status == 200, "tokens come back at the rate")
        usleep(100_000)
        #expect(worker.hooks.lastCounters.withLock { $0.rateLimited } >= 2)
    }
}
