import Simulator
import Testing
@testable import WebSocketCore

@Suite("Opening handshake")
struct HandshakeTests {
    let key = "dGhlIHNhbXBsZSBub25jZQ=="
    let http11 = WebSocketHTTPVersion(major: 1, minor: 1)

    var goodHeaders: [(name: String, value: String)] {
        [("Host", "server.example.com"), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
         ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13")]
    }

    @Test("the accept value matches the RFC 6455 §1.3 example")
    func acceptExample() {
        #expect(WebSocketHandshake.accept(key: key) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test("a valid upgrade request gets a 101 with the accept value")
    func acceptsValidRequest() {
        let expected = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
        #expect(WebSocketHandshake.serverDecision(method: "GET", version: http11, headers: goodHeaders)
            == .accept(response: Array(expected.utf8)))
    }

    @Test("header names match in any case and Upgrade/Connection are token lists")
    func caseInsensitiveTokens() {
        let headers: [(name: String, value: String)] = [
            ("upgrade", "h2c, WebSocket"), ("CONNECTION", "keep-alive"), ("connection", " keep-alive ,\tUPGRADE "),
            ("sec-websocket-key", key), ("SEC-WEBSOCKET-VERSION", "13"),
        ]
        guard case .accept = WebSocketHandshake.serverDecision(method: "GET", version: http11, headers: headers) else {
            Issue.record("refused")
            return
        }
    }

    @Test("requests a server must refuse get 400", arguments: [
        ("POST", 1, 1, [] as [String], nil as String?),
        ("GET", 1, 0, [], nil),
        ("GET", 1, 1, ["Upgrade"], nil),
        ("GET", 1, 1, ["Connection"], nil),
        ("GET", 1, 1, ["Sec-WebSocket-Key"], nil),
        ("GET", 1, 1, [], "AQID"),
        ("GET", 1, 1, [], "not base64 at all!"),
        ("GET", 1, 1, [], "AAAAAAAAAAAAAAAAAAAAAAAA"),
    ])
    func badRequests(method: String, major: Int, minor: Int, dropped: [String], replacementKey: String?) {
        var headers = goodHeaders.filter { !dropped.contains($0.name) }
        if let replacementKey {
            headers = headers.map { $0.name == "Sec-WebSocket-Key" ? ($0.name, replacementKey) : $0 }
        }
        let decision = WebSocketHandshake.serverDecision(
            method: method, version: WebSocketHTTPVersion(major: major, minor: minor), headers: headers)
        guard case .refuse(let status, _, let response) = decision else {
            Issue.record("accepted")
            return
        }
        #expect(status == 400)
        #expect(String(decoding: response, as: UTF8.self).hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
    }

    @Test("Upgrade or Connection with the wrong token gets 400")
    func wrongTokens() {
        for (name, value) in [("Upgrade", "h2c"), ("Connection", "keep-alive"), ("Connection", "upgraded")] {
            let headers = goodHeaders.map { $0.name == name ? (name: name, value: value) : $0 }
            guard case .refuse(400, _, _) = WebSocketHandshake.serverDecision(method: "GET", version: http11, headers: headers) else {
                Issue.record("\(name): \(value) not refused with 400")
                continue
            }
        }
    }

    @Test("a missing or wrong version gets 426 naming version 13", arguments: [nil, "8", "14", "13, 8"] as [String?])
    func wrongVersion(version: String?) {
        var headers = goodHeaders.filter { $0.name != "Sec-WebSocket-Version" }
        if let version { headers.append(("Sec-WebSocket-Version", version)) }
        guard case .refuse(426, _, let response) = WebSocketHandshake.serverDecision(method: "GET", version: http11, headers: headers) else {
            Issue.record("not refused with 426")
            return
        }
        let text = String(decoding: response, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 426 Upgrade Required\r\n"))
        #expect(text.contains("\r\nSec-WebSocket-Version: 13\r\n"))
    }

    @Test("a client request carries a fresh 16-byte key and the upgrade headers")
    func clientRequest() {
        var rng = SimRandom(seed: 7)
        let handshake = WebSocketClientHandshake(using: &rng)
        #expect(Base64.decode(handshake.key)?.count == 16)
        #expect(WebSocketClientHandshake(using: &rng).key != handshake.key)
        let request = String(decoding: handshake.request(host: "stream.binance.com:9443", path: "/stream?streams=btcusdt@trade"),
                             as: UTF8.self)
        #expect(request == "GET /stream?streams=btcusdt@trade HTTP/1.1\r\nHost: stream.binance.com:9443\r\n"
            + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(handshake.key)\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n")
    }

    @Test("the server's answer to a client request is accepted by that client")
    func clientServerAgree() {
        let client = WebSocketClientHandshake()
        let headers: [(name: String, value: String)] = [
            ("Host", "h"), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", client.key), ("Sec-WebSocket-Version", "13"),
        ]
        guard case .accept = WebSocketHandshake.serverDecision(method: "GET", version: http11, headers: headers) else {
            Issue.record("refused")
            return
        }
        let response: [(name: String, value: String)] = [
            ("upgrade", "WebSocket"), ("connection", "upgrade"), ("sec-websocket-accept", WebSocketHandshake.accept(key: client.key)),
        ]
        #expect(client.validate(status: 101, headers: response) == .accepted)
    }

    @Test("a client rejects a wrong status, missing headers, a wrong accept, or unoffered extensions")
    func clientRejects() {
        let client = WebSocketClientHandshake(key: key)
        let good: [(name: String, value: String)] = [
            ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        ]
        #expect(client.validate(status: 101, headers: good) == .accepted)
        #expect(client.validate(status: 200, headers: good) != .accepted)
        #expect(client.validate(status: 101, headers: Array(good.dropFirst())) != .accepted)
        #expect(client.validate(status: 101, headers: [good[0], good[2]]) != .accepted)
        #expect(client.validate(status: 101, headers: [good[0], good[1], ("Sec-WebSocket-Accept", "AAAA")]) != .accepted)
        #expect(client.validate(status: 101, headers: good + [("Sec-WebSocket-Extensions", "permessage-deflate")]) != .accepted)
        #expect(client.validate(status: 101, headers: good + [("Sec-WebSocket-Protocol", "chat")]) != .accepted)
    }
}
