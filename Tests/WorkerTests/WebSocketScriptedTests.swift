import Glibc
import Testing
import WebSocketCore
@testable import Worker

/// WebSocket connections in the loop, driven by scripted completions and the hand-moved clock.
@Suite("WebSocket over a scripted backend")
struct WebSocketScriptedTests {
    static let echo = "/api/v1/websocket/echo"
    static let connect = "/api/v1/websocket/connect"
    /// The first symbol a test subscribes to, in the default market (the open directory numbers symbols as they come).
    static let btc = SubscriptionKey(symbol: 0, market: .futures)

    @Test("an upgrade is answered with 101 and the right accept key, then text is echoed")
    func upgradeAndEcho() throws {
        let ws = try WebSocketScript(path: Self.echo)
        #expect(ws.frames().isEmpty)
        #expect(ws.responseHead.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"))
        #expect(ws.responseHead.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"))
        ws.send(text: "hello")
        ws.send(.binary, [0, 1, 2, 255])
        let frames = ws.frames()
        #expect(frames.map(\.opcode) == [.text, .binary])
        #expect(frames.map(\.payload) == [Array("hello".utf8), [0, 1, 2, 255]])
        #expect(!ws.closed)
    }

    @Test("frames in the same receive as the upgrade request go to the WebSocket decoder")
    func bytesAfterRequest() throws {
        let frame = WebSocketFrameEncoder.frame(opcode: .text, payload: Array("early".utf8), maskingKey: WebSocketMaskingKey(7))
        let ws = try WebSocketScript(path: Self.echo, trailing: frame)
        #expect(ws.texts() == ["early"])
    }

    @Test("a fragmented message is echoed whole, with a ping answered in between")
    func fragmentsAndPing() throws {
        let ws = try WebSocketScript(path: Self.echo)
        ws.send(.text, Array("frag".utf8), fin: false)
        ws.send(.ping, Array("p1".utf8))
        ws.send(.continuation, Array("ment".utf8))
        let frames = ws.frames()
        #expect(frames.map(\.opcode) == [.pong, .text])
        #expect(frames.first?.payload == Array("p1".utf8))
        #expect(frames.last?.payload == Array("fragment".utf8))
    }

    @Test("a plain GET to a WebSocket route gets 426 with Upgrade: websocket")
    func plainGetIs426() throws {
        let s = ScriptedLoop()
        let tag = try #require(s.accept(fd: 10))
        s.backend.receive("GET \(Self.connect) HTTP/1.1\r\nHost: t\r\n\r\n", for: tag)
        s.turn()
        let text = try #require(s.backend.sends.first?.text)
        #expect(text.hasPrefix("HTTP/1.1 426 Upgrade Required\r\n"))
        #expect(text.contains("Upgrade: websocket\r\n"))
    }

    @Test("an upgrade with a wrong version gets 426 naming version 13 and one without a key 400, both with a JSON error body, then the connection closes")
    func refusals() throws {
        for (headers, status, body) in [
            ("Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "426", #"{"message":"Sec-WebSocket-Version must be 13"}"#),
            ("Sec-WebSocket-Version: 13", "400", #"{"message":"expected one Sec-WebSocket-Key"}"#),
        ] {
            let s = ScriptedLoop()
            let tag = try #require(s.accept(fd: 10))
            s.backend.receive("GET \(Self.echo) HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\(headers)\r\n\r\n", for: tag)
            s.turn()
            let send = try #require(s.backend.sentBytes.first)
            let text = String(decoding: send.bytes, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 \(status) "))
            #expect(text.contains("Content-Type: application/json\r\n") && text.contains("Connection: close\r\n"))
            #expect(text.hasSuffix("\r\n\r\n" + body) && text.contains("Content-Length: \(body.utf8.count)\r\n"))
            #expect(text.contains("Sec-WebSocket-Version: 13\r\n") == (status == "426"))
            s.backend.complete(send.tag, result: Int32(send.bytes.count))
            s.turn()
            #expect(s.backend.closed == [10])
        }
    }

    @Test("the client's close is echoed with its code and TCP is closed after it leaves")
    func clientClose() throws {
        let ws = try WebSocketScript(path: Self.echo)
        _ = ws.frames()
        ws.send(.close, WebSocketClosePayload.make(code: .normalClosure, reason: "bye"))
        let frames = ws.frames()
        #expect(frames.map(\.opcode) == [.close])
        #expect(WebSocketScript.closeCode(frames[0].payload) == 1000)
        #expect(ws.closed)
    }

    @Test("protocol errors close with the assembler's code (1002 unmasked, 1007 bad UTF-8, 1009 too big) and are counted")
    func protocolErrors() throws {
        let cases: [(String, UInt16, (WebSocketScript) -> Void)] = [
            (Self.echo, 1002, { $0.send(.text, Array("x".utf8), masked: false) }),
            (Self.echo, 1007, { $0.send(.text, [0xC3, 0x28]) }),
            (Self.connect, 1009, { $0.send(.text, [UInt8](repeating: 0x61, count: (64 << 10) + 1)) }),
        ]
        for (path, code, act) in cases {
            let ws = try WebSocketScript(path: path)
            _ = ws.frames()
            act(ws)
            let frames = ws.frames()
            #expect(frames.last?.opcode == .close)
            #expect(frames.last.flatMap { WebSocketScript.closeCode($0.payload) } == code)
            #expect(ws.closed)
            #expect(ws.s.loop.counters.wsProtocolErrors == 1, "close \(code)")
        }
        // A binary message on the terminal route is answered with an error, and counted.
        let ws = try WebSocketScript(path: Self.connect)
        _ = ws.frames()
        ws.send(.binary, [1, 2, 3])
        #expect(ws.frames().last.map { String(decoding: $0.payload, as: UTF8.self).contains("binary messages") } == true)
        #expect(ws.s.loop.counters.wsProtocolErrors == 1 && !ws.closed)
    }

    @Test("a client whose own requests' answers pile up unread is closed at once and counted as slow, not as dropped")
    func floodWithoutReading() throws {
        var options = WorkerOptions.testing
        options.maxQueuedOutput = 1024
        options.wsTerminalMaxMessage = 1024
        let ws = try WebSocketScript(path: Self.connect, options: options)
        var sent = 0
        while !ws.closed && sent < 1_000 {
            ws.send(text: #"{"type":"getStats"}"#)
            sent += 1
        }
        #expect(ws.closed && sent < 100, "closed after \(sent) unread requests")
        #expect(ws.s.loop.counters.slowClientsClosed == 1 && ws.s.loop.counters.connectionsDropped == 0)
    }

    @Test("a WebSocket is pinged every wsPingInterval, skips the HTTP idle timeout, and closes when silent")
    func pingAndIdle() throws {
        var options = WorkerOptions.testing
        options.idleTimeout = .seconds(1)
        options.wsPingInterval = .seconds(2)
        options.wsIdleTimeout = .seconds(5)
        options.wsCloseTimeout = .seconds(1)
        let ws = try WebSocketScript(path: Self.echo, options: options)
        _ = ws.frames()
        ws.tick(afterMilliseconds: 1500)
        #expect(ws.frames().isEmpty && !ws.closed)
        ws.tick(afterMilliseconds: 600)
        #expect(ws.frames().map(\.opcode) == [.ping])
        ws.send(.pong, [])  // heard at 2.1 s: idle now counts from here
        ws.tick(afterMilliseconds: 2000)
        #expect(ws.frames().map(\.opcode) == [.ping])
        ws.tick(afterMilliseconds: 3100)
        let close = ws.frames()
        #expect(close.map(\.opcode) == [.close])
        #expect(close.first.flatMap { WebSocketScript.closeCode($0.payload) } == 1001)
        #expect(!ws.closed)
        ws.tick(afterMilliseconds: 1100)
        #expect(ws.closed)
    }

    @Test("a graceful stop sends 1001 and closes once the client answers")
    func stopSendsGoingAway() throws {
        let ws = try WebSocketScript(path: Self.echo)
        _ = ws.frames()
        ws.s.loop.beginStop()
        ws.s.turn()
        let frames = ws.frames()
        #expect(frames.map(\.opcode) == [.close])
        #expect(frames.first.flatMap { WebSocketScript.closeCode($0.payload) } == 1001)
        #expect(!ws.closed && !ws.s.loop.finished)
        ws.send(.close, WebSocketClosePayload.make(code: .goingAway))
        #expect(ws.closed)
    }

    @Test("the terminal route says connected, answers ping, subscribe, unsubscribe, and errors for the rest")
    func terminalProtocol() throws {
        let ws = try WebSocketScript(path: Self.connect)
        let connected = try #require(ws.texts().first)
        #expect(connected.hasPrefix(#"{"type":"connected","message":"WebSocket connection established","clientId":""#))
        ws.send(text: #"{"type":"ping"}"#)
        ws.send(text: #"{"type":"subscribe","symbol":"btcusdt"}"#)
        ws.send(text: #"{"type":"unsubscribe","symbol":"ETHUSDT"}"#)
        ws.send(text: #"{"type":"dance"}"#)
        ws.send(text: "not json")
        let replies = ws.texts()
        #expect(replies.count == 5)
        #expect(replies[0].hasPrefix(#"{"type":"pong","timestamp":"#))
        #expect(replies[1].hasPrefix(#"{"type":"subscribed","symbol":"BTCUSDT","message":"Successfully subscribed to BTCUSDT","timestamp":"#))
        #expect(replies[1].hasSuffix(#","market":"futures"}"#))
        #expect(replies[2].hasPrefix(#"{"type":"unsubscribed","symbol":"ETHUSDT","#))
        #expect(replies[3] == #"{"type":"error","message":"unknown message type"}"#)
        #expect(replies[4] == #"{"type":"error","message":"invalid JSON"}"#)
        ws.send(text: #"{"type":"subscribe","symbol":"ethusdt"}"#)
        ws.send(text: #"{"type":"getStats"}"#)
        let stats = ws.texts()
        #expect(stats.last?.hasPrefix(#"{"type":"stats","clientCount":1,"subscriptions":{"BTCUSDT":1,"ETHUSDT":1},"yourSymbols":["BTCUSDT","ETHUSDT"],"timestamp":"#) == true)
        #expect(ws.s.loop.subscriptionIndex.subscribers(of: Self.btc) == [ws.tag.slot])
    }

    @Test("a broadcast reaches exactly the subscribers through the index, and unsubscribing removes the connection from it")
    func broadcastIndex() throws {
        let ws = try WebSocketScript(path: Self.connect)
        _ = ws.texts()
        let message = Array(#"{"type":"trade_update","symbol":"BTCUSDT"}"#.utf8)
        #expect(message.withUnsafeBytes { ws.s.loop.broadcast(text: $0, to: Self.btc, channel: .trades(of: .futures).union(.trades), sequence: 1) } == 0)
        ws.send(text: #"{"type":"subscribe","symbol":"btcusdt"}"#)
        _ = ws.texts()
        #expect(ws.s.loop.subscriptionIndex.count(of: Self.btc) == 1)
        #expect(message.withUnsafeBytes { ws.s.loop.broadcast(text: $0, to: Self.btc, channel: .trades(of: .futures).union(.trades), sequence: 1) } == 1)
        #expect(message.withUnsafeBytes { ws.s.loop.broadcast(text: $0, to: SubscriptionKey(symbol: 0, market: .spot), channel: .trades(of: .futures).union(.trades), sequence: 1) } == 0)
        #expect(message.withUnsafeBytes { ws.s.loop.broadcast(text: $0, to: SubscriptionKey(symbol: 1, market: .futures), channel: .trades(of: .futures).union(.trades), sequence: 1) } == 0)
        ws.s.loop.flush()
        #expect(ws.texts() == [#"{"type":"trade_update","symbol":"BTCUSDT"}"#])
        ws.send(text: #"{"type":"unsubscribe","symbol":"BTCUSDT"}"#)
        _ = ws.texts()
        #expect(ws.s.loop.subscriptionIndex.isEmpty)
        #expect(message.withUnsafeBytes { ws.s.loop.broadcast(text: $0, to: Self.btc, channel: .trades(of: .futures).union(.trades), sequence: 1) } == 0)
        #expect(ws.s.loop.counters.wsDeliveries == 1)
    }

    @Test("a subscriber that closes leaves the index when its slot is released")
    func closeUnindexes() throws {
        let ws = try WebSocketScript(path: Self.connect)
        _ = ws.texts()
        ws.send(text: #"{"type":"subscribe","symbol":"BTCUSDT"}"#)
        _ = ws.texts()
        #expect(ws.s.loop.subscriptionIndex.count(of: Self.btc) == 1)
        ws.send(.close, WebSocketClosePayload.make(code: .normalClosure, reason: "bye"))
        _ = ws.frames()
        #expect(ws.closed)
        ws.s.backend.complete(ws.tag, result: -ECANCELED)
        ws.s.turn()
        #expect(ws.s.loop.table.inUse == 0)
        #expect(ws.s.loop.subscriptionIndex.isEmpty)
    }

    @Test("a message queued to one connection through the fan-out API leaves with the connection's next send")
    func queueEncodedFrame() throws {
        let ws = try WebSocketScript(path: Self.connect)
        _ = ws.frames()
        var queued = false
        let connection = try #require(ws.s.loop.table.lookup(ws.tag))
        queued = Array(#"{"type":"trade_update"}"#.utf8).withUnsafeBytes { ws.s.loop.send(text: $0, to: connection.subscriberID) }
        ws.s.loop.flush()
        #expect(queued)
        #expect(ws.texts() == [#"{"type":"trade_update"}"#])
    }
}

/// The terminal's small JSON reader.
@Suite("JSON field scanner")
struct JSONFieldScannerTests {
    @Test("top-level string fields are returned, nested values skipped, escapes decoded")
    func fields() {
        let text = #" { "type" : "sub\"scribe", "n": -1.5e3, "x": {"type":"inner"}, "a": [1, "two", null], "symbol":"A\u0042" } "#
        #expect(JSONFieldScanner.topLevelStrings(Array(text.utf8)) == ["type": "sub\"scribe", "symbol": "AB"])
    }

    @Test("text that is not one JSON object is refused")
    func refusals() {
        for text in ["", "[]", "{", #"{"a":}"#, #"{"a":"b"} x"#, #"{"a" "b"}"#, "{\"a\":\"\u{1}\"}"] {
            #expect(JSONFieldScanner.topLevelStrings(Array(text.utf8)) == nil, "\(text)")
        }
    }
}

/// Upgrades while the worker stops.
@Suite("WebSocket upgrade while stopping")
struct WebSocketStoppingTests {
    @Test("an upgrade that arrives while stopping gets 503 and the connection closes")
    func upgradeWhileStopping() throws {
        let s = ScriptedLoop()
        let tag = try #require(s.accept(fd: 10))
        s.loop.beginStop()
        s.backend.receive(bytes: WebSocketClientHandshake(key: "dGhlIHNhbXBsZSBub25jZQ==").request(host: "t", path: "/api/v1/websocket/echo"),
                          for: tag)
        s.turn()
        let send = try #require(s.backend.sentBytes.first)
        #expect(String(decoding: send.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 503 "))
        s.backend.complete(send.tag, result: Int32(send.bytes.count))
        s.turn()
        #expect(s.backend.closed == [10])
    }
}
