import Glibc
import Posix
import Testing
@testable import Worker

/// A real worker over loopback sockets: routes, keep-alive, pipelining, errors.
@Suite("Worker over loopback sockets", .enabled(if: IOUringSupport.isAvailable, "io_uring is unavailable here"),
       .timeLimit(.minutes(1)))
struct LoopbackTests {
    @Test("GET /api/v1/health answers 200 with the provider's body")
    func health() throws {
        let worker = try RunningWorker(hooks: RecordingHooks(body: #"{"status":"ok","feed":"live"}"#))
        defer { worker.stop() }
        let client = try TestClient(port: worker.port)
        let response = try #require(client.get("/api/v1/health"))
        #expect(response.status == 200)
        #expect(response.body == #"{"status":"ok","feed":"live"}"#)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.header("Content-Length") == "29")
        #expect(response.header("Date")?.hasSuffix(" GMT") == true)
        #expect(response.header("Connection") == nil)
    }

    @Test("one keep-alive connection serves 100 sequential requests")
    func keepAlive() throws {
        let worker = try RunningWorker()
        defer { worker.stop() }
        let client = try TestClient(port: worker.port)
        for _ in 0..<100 {
            let response = try #require(client.get("/api/v1/health"))
            #expect(response.status == 200)
        }
        let accepted = worker.hooks.lastCounters.withLock { $0.connectionsAccepted }
        #expect(accepted <= 1)
    }

    @Test("pipelined requests in one write are answered in order")
    func pipelining() throws {
        let worker = try RunningWorker()
        defer { worker.stop() }
        let client = try TestClient(port: worker.port)
        let paths = ["/api/v1/health", "/missing", "/api/v1/health", "/also-missing", "/api/v1/health"]
        client.send(paths.map { "GET \($0) HTTP/1.1\r\nHost: t\r\n\r\n" }.joined())
        let statuses = paths.map { _ in client.readResponse()?.status }
        #expect(statuses == [200, 404, 200, 404, 200])
    }

    @Test("an unknown path gets 404 and a wrong method 405 with Allow")
    func notFoundAndWrongMethod() throws {
        let worker = try RunningWorker()
        defer { worker.stop() }
        let client = try TestClient(port: worker.port)
        let missing = try #require(client.get("/api/v2/nothing"))
        #expect(missing.status == 404)
        #expect(missing.body == #"{"message":"Not Found"}"#)
        client.send("POST /api/v1/health HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}")
        let wrong = try #require(client.readResponse())
        #expect(wrong.status == 405)
        #expect(wrong.body == #"{"message":"Method Not Allowed"}"#)
        #expect(wrong.header("Allow") == "GET, HEAD")
    }

    @Test("HEAD answers the headers of GET without a body")
    func head() throws {
        let worker = try RunningWorker()
        defer { worker.stop() }
        let client = try TestClient(port: worker.port)
        client.send("HEAD /api/v1/health HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try #require(client.readResponse(headOnly: true))
        #expect(response.status == 200)
        #expect(response.header("Content-Length") == "\(worker.hooks.body.count)")
        let next = try #require(client.get("/api/v1/health"))
        #expect(next.body == String(decoding: worker.hooks.body, as: UTF8.self))
    }

    @Test("HTTP/1.0 closes after the response unless it asked for keep-alive")
    func http10() throws {
        let worker = try RunningWorker()
        defer { worker.stop() }
        let kept = try TestClient(port: worker.port)
        kept.send("GET /api/v1/health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(kept.readResponse()?.header("Connection") == "keep-alive")
        #expect(kept.get("/api/v1/health")?.status == 200)
        let closed = try TestClient(port: worker.port)
        closed.send("GET /api/v1/health HTTP/1.0\r\n\r\n")
        #expect(closed.readResponse()?.header("Connection") == "close")
        #expect(closed.waitForClose())
    }

    @Test("Connection: close is honoured after the response")
    func connectionClose() throws {
        let worker = try RunningWorker()
        defer { worker.stop() }
        let client = try TestClient(port: worker.port)
        let response = try #require(client.get("/api/v1/health", extraHeaders: "Connection: close\r\n"))
        #expect(response.header("Connection") == "close")
        #expect(client.waitForClose())
    }

    @Test("a malformed request gets 400 and the connection closes")
    func malformed() throws {
        let worker = try RunningWorker()
        defer { worker.stop() }
        let client = try TestClient(port: worker.port)
        client.send("HELLO THERE\r\n\r\n")
        let response = try #require(client.readResponse())
        #expect(response.status == 400)
        #expect(response.header("Connection") == "close")
        #expect(client.waitForClose())
    }

    @Test("an oversized header gets 431 and the connection closes")
    func oversizedHeader() throws {
        let worker = try RunningWorker()
        defer { worker.stop() }
        let client = try TestClient(port: worker.port)
        client.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: \(String(repeating: "z", count: 20_000))\r\n\r\n")
        #expect(client.readResponse()?.status == 431)
        #expect(client.waitForClose())
    }
}
