import Testing
import WebSocketCore
@testable import Loadtest

/// Judging the server's answer to the upgrade request.
@Suite("Upgrade answers")
struct HandshakeResponseTests {
    let handshake = WebSocketClientHandshake(key: "dGhlIHNhbXBsZSBub25jZQ==")

    func evaluate(_ text: String, endOfStream: Bool = false) -> HandshakeResponse.Outcome {
        Array(text.utf8).withUnsafeBytes { HandshakeResponse.evaluate($0, handshake: handshake, endOfStream: endOfStream) }
    }

    var upgrade: String {
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: \(WebSocketHandshake.accept(key: handshake.key))\r\n\r\n"
    }

    @Test("a valid 101 is an upgrade whose head length leaves the frames that followed it")
    func upgraded() {
        let frames = "\u{81}\u{02}hi"
        #expect(evaluate(upgrade + frames) == .upgraded(headLength: upgrade.utf8.count))
    }

    @Test("a head still arriving waits for more, and so does a 503 whose body is not all here")
    func needMore() {
        #expect(evaluate(String(upgrade.dropLast(3))) == .needMore)
        #expect(evaluate("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 40\r\n\r\nworker conn") == .needMore)
    }

    @Test("a 503 is told apart, with its body line saying which limit")
    func serviceUnavailable() {
        let body = "per-address connection limit (5000) reached\n"
        let text = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        #expect(evaluate(text) == .rejected(.http503, "HTTP 503: per-address connection limit (5000) reached"))
    }

    @Test("other statuses, a wrong accept key and a silent close are each their own reason")
    func otherFailures() {
        #expect(evaluate("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n") == .rejected(.httpStatus, "HTTP 404"))
        let wrong = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: nope\r\n\r\n"
        if case .rejected(let reason, _) = evaluate(wrong) { #expect(reason == .handshake) } else { Issue.record("accepted a wrong key") }
        if case .rejected(let reason, _) = evaluate("", endOfStream: true) {
            #expect(reason == .closedBeforeUpgrade)
        } else {
            Issue.record("a silent close was not a failure")
        }
        if case .rejected(let reason, _) = evaluate("garbage\r\n\r\n") { #expect(reason == .handshake) } else { Issue.record("garbage") }
    }
}
