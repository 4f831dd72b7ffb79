import Foundation
import Posix
import Synchronization
import Testing
import TLS
@testable import Net

/// An HTTP server on its own thread: accepts connections one after another and lets `handle`
/// answer each request (returning false closes that connection). Counts what it accepted.
final class TestHTTPServer: Sendable {
    let listener: Listener
    let accepted = Mutex(0)
    let requests = Mutex<[String]>([])
    private let thread: Background

    init(
        tls: TLSContext? = nil, connections: Int,
        _ handle: @escaping @Sendable (_ peer: ServerPeer, _ index: Int, _ line: String, _ body: [UInt8]) throws -> Bool
    ) throws {
        let listener = try loopbackListener()
        self.listener = listener
        let accepted = Mutex(0), requests = Mutex<[String]>([])
        thread = Background {
            var index = 0
            for _ in 0..<connections {
                let peer = try ServerPeer.accept(listener, tls: tls)
                accepted.withLock { $0 += 1 }
                while let request = try peer.readRequest() {
                    requests.withLock { $0.append(request.line) }
                    index += 1
                    guard try handle(peer, index, request.line, request.body) else { break }
                }
                peer.close()
            }
        }
        _ = accepted
        _ = requests
        self.acceptedCount = { accepted.withLock { $0 } }
        self.requestLines = { requests.withLock { $0 } }
    }

    let acceptedCount: @Sendable () -> Int
    let requestLines: @Sendable () -> [String]

    func base(secure: Bool = false) throws -> Endpoint {
        try Endpoint(parsing: "\(secure ? "https" : "http")://localhost:\(listener.port)/api")
    }

    func join() -> Bool { thread.join() }
    var error: String? { thread.error }
}

func respond(_ peer: ServerPeer, status: String = "200 OK", headers: [String] = [], body: String) throws {
    let head = (["HTTP/1.1 \(status)", "Content-Length: \(body.utf8.count)"] + headers).joined(separator: "\r\n")
    try peer.write(head + "\r\n\r\n" + body)
}

@Suite("HTTPClient against an in-test server")
struct HTTPClientTests {
    @Test("a Content-Length response over one kept-alive connection, reused for three requests")
    func keepAlive() throws {
        let server = try TestHTTPServer(connections: 1) { peer, index, _, _ in
            try respond(peer, headers: ["Content-Type: application/json"], body: #"{"serverTime":\#(index)}"#)
            return index < 3
        }
        let client = HTTPClient(base: try server.base(), tls: nil, timeoutNs: 5_000_000_000)
        for i in 1...3 {
            let response = try client.get("/v3/time?x=\(i)")
            #expect(response.status == 200)
            #expect(response.text == #"{"serverTime":\#(i)}"#)
            #expect(response.header("content-type") == "application/json")
        }
        client.close()
        #expect(server.join())
        #expect(server.acceptedCount() == 1)
        #expect(client.connectionsOpened == 1)
        #expect(server.requestLines() == (1...3).map { "GET /api/v3/time?x=\($0) HTTP/1.1" })
    }

    @Test("a chunked response over TLS is decoded")
    func chunked() throws {
        let server = try TestHTTPServer(tls: try serverTLS(), connections: 1) { peer, _, _, _ in
            try peer.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n[1,2\r\n3\r\n,3]\r\n0\r\n\r\n")
            return false
        }
        let client = HTTPClient(base: try server.base(secure: true), tls: try clientTLS(), timeoutNs: 5_000_000_000)
        let response = try client.get("/v3/klines")
        #expect(response.text == "[1,2,3]")
        client.close()
        #expect(server.join())
        #expect(server.error == nil)
    }

    @Test("a request on a kept connection the server dropped unanswered is sent again on a new one")
    func retryAfterServerClose() throws {
        let server = try TestHTTPServer(connections: 2) { peer, index, _, _ in
            if index == 2 { return false }  // read the second request, then close without a word
            try respond(peer, body: "answer \(index)")
            return true
        }
        let client = HTTPClient(base: try server.base(), tls: nil, timeoutNs: 5_000_000_000)
        #expect(try client.get("/a").text == "answer 1")
        #expect(try client.get("/b").text == "answer 3")
        client.close()
        #expect(server.join())
        #expect(server.acceptedCount() == 2)
        #expect(server.requestLines().count == 3)
        #expect(client.retries == 1)
    }

    @Test("a kept connection the server closed while idle is replaced before use")
    func staleConnection() throws {
        let closed = DispatchSemaphore(value: 0)
        let server = try TestHTTPServer(connections: 2) { peer, index, _, _ in
            try respond(peer, body: "answer \(index)")
            guard index == 1 else { return true }
            peer.close()
            closed.signal()
            return false
        }
        let client = HTTPClient(base: try server.base(), tls: nil, timeoutNs: 5_000_000_000)
        #expect(try client.get("/a").text == "answer 1")
        closed.wait()
        #expect(try client.get("/b").text == "answer 2")
        client.close()
        #expect(server.join())
        #expect(server.acceptedCount() == 2)
        #expect(client.retries == 0)
    }

    @Test("429 with Retry-After is an ordinary response, and a POST carries its body")
    func rateLimitedAndPost() throws {
        let server = try TestHTTPServer(connections: 1) { peer, index, line, body in
            if index == 1 {
                try respond(peer, status: "429 Too Many Requests", headers: ["Retry-After: 7"], body: #"{"code":-1003}"#)
            } else {
                #expect(line == "POST /api/v3/order HTTP/1.1")
                try respond(peer, body: String(decoding: body, as: UTF8.self).uppercased())
            }
            return index < 2
        }
        let client = HTTPClient(base: try server.base(), tls: nil, timeoutNs: 5_000_000_000)
        let limited = try client.get("/v3/depth")
        #expect(limited.status == 429)
        #expect(limited.retryAfterSeconds == 7)
        #expect(limited.text == #"{"code":-1003}"#)
        let posted = try client.post("/v3/order", body: Array("symbol=btcusdt".utf8), headers: [("Content-Type", "application/x-www-form-urlencoded")])
        #expect(posted.text == "SYMBOL=BTCUSDT")
        client.close()
        #expect(server.join())
        #expect(server.acceptedCount() == 1)
    }

    @Test("a body ended by the server's close is read whole, and the connection is not reused")
    func closeDelimited() throws {
        let server = try TestHTTPServer(connections: 2) { peer, index, _, _ in
            try peer.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close \(index)")
            return false
        }
        let client = HTTPClient(base: try server.base(), tls: nil, timeoutNs: 5_000_000_000)
        #expect(try client.get("/x").text == "until close 1")
        #expect(try client.get("/y").text == "until close 2")
        #expect(server.join())
        #expect(client.connectionsOpened == 2)
    }

    @Test("a body over the limit is tooLarge, and a connection closed before any answer fails naming the request")
    func limits() throws {
        let server = try TestHTTPServer(connections: 2) { peer, index, _, _ in
            if index == 1 { try respond(peer, body: String(repeating: "x", count: 1000)) }
            return false  // the second request gets no answer: the connection just closes later
        }
        let big = HTTPClient(base: try server.base(), tls: nil, timeoutNs: 5_000_000_000, maxBodySize: 100)
        expectFailure(.tooLarge) { _ = try big.get("/big") }
        let start = Deadline.now()
        let slow = HTTPClient(base: try server.base(), tls: nil, timeoutNs: 200_000_000)
        let error = expectFailure(.closed) { _ = try slow.get("/slow") }
        #expect(error?.message.contains("GET http://localhost:\(server.listener.port)/api/slow") == true, "\(String(describing: error))")
        #expect(Deadline.now() - start < 2_000_000_000)
        #expect(server.join())
    }

    @Test("a server that accepts but never answers times out at the request's bound")
    func timeout() throws {
        let listener = try loopbackListener()
        let held = Background {
            let peer = try ServerPeer.accept(listener)
            _ = try peer.readRequest()
            _ = try? peer.readRequest()  // waits for the client to give up and close
        }
        let client = HTTPClient(base: try Endpoint(parsing: "http://127.0.0.1:\(listener.port)"), tls: nil, timeoutNs: 200_000_000)
        let start = Deadline.now()
        expectFailure(.timeout) { _ = try client.get("/v3/ping") }
        let elapsed = Deadline.now() - start
        #expect(elapsed >= 190_000_000 && elapsed < 2_000_000_000, "\(elapsed) ns")
        client.close()
        #expect(held.join())
    }
}
