import Foundation
import Posix
import Testing
import TLS
import WebSocketCore
@testable import Net

/// A WebSocket server for one connection, run by `script` on its own thread after the upgrade.
func webSocketServer(
    tls: TLSContext? = nil, _ script: @escaping @Sendable (ServerPeer, [(name: String, value: String)]) throws -> Void
) throws -> (Listener, Background) {
    let listener = try loopbackListener()
    let server = Background {
        let peer = try ServerPeer.accept(listener, tls: tls)
        let headers = try peer.upgrade()
        try script(peer, headers)
        peer.close()
    }
    return (listener, server)
}

func connectClient(_ listener: Listener, secure: Bool = false, maxMessageSize: Int = 16 << 20) throws -> WebSocketClient {
    let endpoint = try Endpoint(parsing: "\(secure ? "wss" : "ws")://localhost:\(listener.port)/stream?streams=btcusdt@trade")
    return try WebSocketClient.connect(
        endpoint, tls: secure ? try clientTLS() : nil, extraHeaders: [("X-Test", "1")],
        maxMessageSize: maxMessageSize, deadline: deadline())
}

@Suite("WebSocketClient against an in-test server")
struct WebSocketClientTests {
    @Test("a text message goes out masked and its echo comes back, over plain TCP and TLS", arguments: [false, true])
    func textRoundTrip(secure: Bool) throws {
        let (listener, server) = try webSocketServer(tls: secure ? try serverTLS() : nil) { peer, headers in
            #expect(headers.contains { $0.name == "X-Test" && $0.value == "1" })
            guard let (header, payload) = try peer.readFrame() else { throw NetError(.closed, "no frame") }
            #expect(header.maskingKey != nil)
            try peer.sendFrame(header.opcode, payload)
            _ = try peer.readFrame()  // the client's close
        }
        let client = try connectClient(listener, secure: secure)
        try client.sendText(#"{"method":"SUBSCRIBE","params":["btcusdt@aggTrade"],"id":1}"#, deadline: deadline())
        let got = try receiveOne(client)
        #expect(got?.0 == .text)
        #expect(got.map { String(decoding: $0.1, as: UTF8.self) } == #"{"method":"SUBSCRIBE","params":["btcusdt@aggTrade"],"id":1}"#)
        #expect(client.messagesReceived == 1)
        client.close()
        #expect(server.join())
        #expect(server.error == nil)
    }

    @Test("a fragmented message is reassembled around a ping, which is answered with the same payload")
    func fragmentsAndPing() throws {
        let (listener, server) = try webSocketServer { peer, _ in
            try peer.sendFrame(.text, Array("hel".utf8), fin: false)
            try peer.sendFrame(.ping, [1, 2, 3])
            try peer.sendFrame(.continuation, Array("lo ".utf8), fin: false)
            try peer.sendFrame(.continuation, Array("wörld".utf8), fin: true)
            guard let (header, payload) = try peer.readFrame() else { throw NetError(.closed, "no pong") }
            #expect(header.opcode == .pong)
            #expect(payload == [1, 2, 3])
        }
        let client = try connectClient(listener)
        let ping = try receiveOne(client)
        #expect(ping?.0 == .ping)
        #expect(ping?.1 == [1, 2, 3])
        let text = try receiveOne(client)
        #expect(text?.0 == .text)
        #expect(text.map { String(decoding: $0.1, as: UTF8.self) } == "hello wörld")
        #expect(server.join())
        #expect(server.error == nil)
        #expect(client.pingsReceived == 1)
    }

    @Test("a ping flood is answered at most three times a second (Binance's control-message limit), the rest counted")
    func pingFlood() throws {
        let (listener, server) = try webSocketServer { peer, _ in
            for i in 0..<50 { try peer.sendFrame(.ping, [UInt8(i)]) }
            try peer.sendFrame(.text, Array("end".utf8))
            var pongs: [[UInt8]] = []
            while pongs.count < 3, let (header, payload) = try peer.readFrame() {
                if header.opcode == .pong { pongs.append(payload) }
            }
            #expect(pongs == [[0], [1], [2]])
            _ = try peer.readFrame()  // the client's close
        }
        let client = try connectClient(listener)
        while let (event, _) = try receiveOne(client), event != .text {}
        #expect(client.pingsReceived == 50 && client.pongsSkipped == 47)
        client.close()
        #expect(server.join())
        #expect(server.error == nil)
    }

    @Test("the server's close is answered with the same code, then calls throw closed")
    func serverClose() throws {
        let (listener, server) = try webSocketServer { peer, _ in
            try peer.write(WebSocketFrameEncoder.closeFrame(code: .goingAway, reason: "restart"))
            guard let (header, payload) = try peer.readFrame() else { throw NetError(.closed, "no close answer") }
            #expect(header.opcode == .close)
            #expect(Array(payload.prefix(2)) == [0x03, 0xE9])
        }
        let client = try connectClient(listener)
        let got = try receiveOne(client)
        #expect(got?.0 == .close(code: 1001, reason: "restart"))
        expectFailure(.closed) { _ = try receiveOne(client) }
        expectFailure(.closed) { try client.sendText("late", deadline: deadline()) }
        #expect(server.join())
        #expect(server.error == nil)
    }

    @Test("invalid UTF-8 in a text message is a protocol violation, closed with 1007")
    func invalidUTF8() throws {
        try expectServerSeesClose(code: 1007, kind: .protocolViolation) { peer in try peer.sendFrame(.text, [0x7B, 0xC3, 0x28]) }
    }

    @Test("a message over the size limit is tooLarge, closed with 1009, whether one frame or fragments")
    func oversize() throws {
        try expectServerSeesClose(code: 1009, kind: .tooLarge, maxMessageSize: 1024) { peer in
            try peer.sendFrame(.binary, [UInt8](repeating: 1, count: 2000))
        }
        try expectServerSeesClose(code: 1009, kind: .tooLarge, maxMessageSize: 1024) { peer in
            try peer.sendFrame(.binary, [UInt8](repeating: 1, count: 1000), fin: false)
            try peer.sendFrame(.continuation, [UInt8](repeating: 1, count: 1000), fin: true)
        }
    }

    @Test("a masked server frame is a protocol violation, closed with 1002")
    func maskedFromServer() throws {
        try expectServerSeesClose(code: 1002, kind: .protocolViolation) { peer in
            try peer.write(WebSocketFrameEncoder.frame(opcode: .text, payload: [65], maskingKey: WebSocketMaskingKey(7)))
        }
    }

    /// The server sends what `misbehave` sends; the client must fail with `kind` and send a close
    /// with `code`.
    private func expectServerSeesClose(
        code: UInt16, kind: NetError.Kind, maxMessageSize: Int = 16 << 20, _ misbehave: @escaping @Sendable (ServerPeer) throws -> Void
    ) throws {
        let (listener, server) = try webSocketServer { peer, _ in
            try misbehave(peer)
            guard let (header, payload) = try peer.readFrame() else { throw NetError(.closed, "no close") }
            #expect(header.opcode == .close)
            #expect(Array(payload.prefix(2)) == [UInt8(code >> 8), UInt8(code & 0xFF)])
        }
        let client = try connectClient(listener, maxMessageSize: maxMessageSize)
        expectFailure(kind) { _ = try receiveOne(client) }
        #expect(!client.isOpen)
        #expect(server.join())
        #expect(server.error == nil)
    }

    @Test("many frames in one write and one large frame across many reads all arrive intact, in order")
    func batchesAndLargeFrames() throws {
        let large = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let (listener, server) = try webSocketServer { peer, _ in
            var batch: [UInt8] = []
            for i in 0..<2000 { batch += WebSocketFrameEncoder.frame(opcode: .text, payload: Array(#"{"u":\#(i)}"#.utf8)) }
            try peer.write(batch)
            try peer.sendFrame(.binary, large)
        }
        let client = try connectClient(listener)
        for i in 0..<2000 {
            let got = try receiveOne(client)
            guard got.map({ String(decoding: $0.1, as: UTF8.self) }) == #"{"u":\#(i)}"# else {
                Issue.record("message \(i) was \(String(describing: got))")
                return
            }
        }
        let big = try receiveOne(client)
        #expect(big?.0 == .binary)
        #expect(big?.1 == large)
        #expect(client.messagesReceived == 2001)
        #expect(server.join())
    }

    @Test("receive returns false at its deadline, and interrupt from another thread ends a wait without one")
    func timeoutAndInterrupt() throws {
        let (listener, server) = try webSocketServer { peer, _ in _ = try? peer.readFrame() }
        let client = try connectClient(listener)
        #expect(try client.receive(deadline: Deadline.after(millis: 50)) { _, _ in } == false)
        let waiting = Background { _ = try client.receive(deadline: nil) { _, _ in } }
        Thread.sleep(forTimeInterval: 0.05)  // let it reach poll; the interrupt is sticky either way
        client.interrupt()
        #expect(waiting.join(seconds: 2))
        #expect(waiting.error?.contains("interrupted") == true, "\(waiting.error ?? "no error")")
        client.close()
        #expect(server.join())
    }

    @Test("closing from the client side sends a close and waits briefly for the answer")
    func clientClose() throws {
        let (listener, server) = try webSocketServer { peer, _ in
            guard let (header, payload) = try peer.readFrame() else { throw NetError(.closed, "no close") }
            #expect(header.opcode == .close)
            #expect(payload == WebSocketClosePayload.make(code: .normalClosure, reason: "bye"))
            try peer.write(WebSocketFrameEncoder.closeFrame(code: .normalClosure))
        }
        let client = try connectClient(listener)
        let start = Deadline.now()
        client.close(code: 1000, reason: "bye")
        #expect(Deadline.now() - start < 1_000_000_000)
        #expect(!client.isOpen)
        #expect(server.join())
        #expect(server.error == nil)
    }

    @Test("an upgrade answered 429 or 418 is rateLimited with its status and Retry-After (capped, 60 s when absent); other refusals are protocol violations")
    func refusedUpgrade() throws {
        let answers: [(head: String, kind: NetError.Kind, rateLimit: RateLimitAnswer?)] = [
            ("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30", .rateLimited, RateLimitAnswer(status: 429, retryAfterSeconds: 30)),
            ("HTTP/1.1 418 I'm a teapot\r\nRetry-After: 999999999", .rateLimited,
             RateLimitAnswer(status: 418, retryAfterSeconds: RateLimitAnswer.maxRetryAfterSeconds)),
            ("HTTP/1.1 429 Too Many Requests", .rateLimited, RateLimitAnswer(status: 429, retryAfterSeconds: 60)),
            ("HTTP/1.1 429 Too Many Requests\r\nRetry-After: Wed, 21 Oct 2015 07:28:00 GMT", .rateLimited,
             RateLimitAnswer(status: 429, retryAfterSeconds: 60)),
            ("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5", .protocolViolation, nil),
        ]
        for answer in answers {
            let listener = try loopbackListener()
            let head = answer.head
            let server = Background {
                let peer = try ServerPeer.accept(listener)
                _ = try peer.readRequest()
                try peer.write(head + "\r\nContent-Length: 0\r\n\r\n")
            }
            let error = expectFailure(answer.kind) { _ = try connectClient(listener) }
            #expect(error?.rateLimit == answer.rateLimit, "\(head): \(String(describing: error))")
            let status = head.split(separator: " ")[1]
            #expect(error?.message.contains(String(status)) == true, "\(String(describing: error))")
            #expect(server.join())
        }
    }
}
