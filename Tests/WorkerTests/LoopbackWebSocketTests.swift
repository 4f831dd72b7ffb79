import Foundation
import Glibc
import Posix
import Testing
import WebSocketCore
@testable import Worker

/// WebSocket routes of a real worker over loopback sockets.
@Suite("WebSocket over loopback sockets", .enabled(if: IOUringSupport.isAvailable, "io_uring is unavailable here"),
       .timeLimit(.minutes(1)))
struct LoopbackWebSocketTests {
    @Test("the echo route returns text and binary messages, large ones included, and echoes a close")
    func echo() throws {
        let worker = try RunningWorker()
        defer { worker.stop() }
        let client = try WebSocketTestClient(port: worker.port, path: "/api/v1/websocket/echo")
        client.send(text: "hello")
        #expect(client.readText() == "hello")
        let big = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        client.send(.binary, big)
        let frame = try #require(client.readFrame())
        #expect(frame.opcode == .binary && frame.payload == big)
        client.send(.close, WebSocketClosePayload.make(code: .normalClosure))
        let close = try #require(client.readFrame())
        #expect(close.opcode == .close && close.payload.prefix(2) == [0x03, 0xE8])
        #expect(client.waitForClose())
    }

    @Test("the terminal route says connected and answers ping, subscribe and bad messages")
    func terminal() throws {
        let worker = try RunningWorker()
        defer { worker.stop() }
        let client = try WebSocketTestClient(port: worker.port, path: "/api/v1/websocket/connect")
        let connected = try #require(client.readText())
        #expect(connected.range(of: #"^\{"type":"connected","message":"WebSocket connection established","clientId":"[0-9a-f]{8}","timestamp":[0-9]+\}$"#,
                                options: .regularExpression) != nil)
        client.send(text: #"{"type":"ping"}"#)
        #expect(client.readText()?.hasPrefix(#"{"type":"pong","timestamp":"#) == true)
        client.send(text: #"{"type":"subscribe","symbol":"ethusdt"}"#)
        #expect(client.readText()?.hasPrefix(#"{"type":"subscribed","symbol":"ETHUSDT","message":"Successfully subscribed to ETHUSDT","#) == true)
        client.send(text: "{oops")
        #expect(client.readText() == #"{"type":"error","message":"invalid JSON"}"#)
    }

    @Test("a terminal client flooding messages gets its burst answered, one rate-limited error, then a 1008 close; the tick publishes both counts")
    func messageBudget() throws {
        var options = WorkerOptions.testing
        options.wsMessageLimits = MessageBudget.Limits(perSecond: 20, burst: 50, closeAfter: .milliseconds(600))
        let worker = try RunningWorker(options: options)
        defer { worker.stop() }
        let client = try WebSocketTestClient(port: worker.port, path: "/api/v1/websocket/connect")
        #expect(client.readText()?.hasPrefix(#"{"type":"connected""#) == true)
        for _ in 0..<100 { client.send(text: #"{"type":"ping"}"#) }
        var texts: [String] = []
        for _ in 0..<51 { texts.append(client.readText() ?? "") }
        #expect(texts.prefix(50).allSatisfy { $0.hasPrefix(#"{"type":"pong""#) })
        #expect(texts.last?.hasPrefix(#"{"type":"error","message":"rate limited: at most 20 messages a second, bursts of 50"#) == true,
                "\(texts.last ?? "")")
        // Keep flooding for longer than closeAfter; the close arrives among a few pongs and errors.
        let start = Clock.monotonicNanos()
        while Clock.monotonicNanos() - start < 1_200_000_000 {
            for _ in 0..<10 { client.send(text: #"{"type":"ping"}"#) }
            usleep(20_000)
        }
        var close: [UInt8]?
        while close == nil, let frame = client.readFrame() {
            if frame.opcode == .close { close = frame.payload }
        }
        #expect(close.flatMap(WebSocketScript.closeCode) == 1008)
        #expect(close.map { String(decoding: $0.dropFirst(2), as: UTF8.self) } == "rate limited: over 20 messages a second for 0.6 s")
        let deadline = Clock.monotonicNanos() + 3_000_000_000
        while worker.hooks.lastCounters.withLock({ $0.wsRateLimitClosed }) == 0 && Clock.monotonicNanos() < deadline { usleep(10_000) }
        let counters = worker.hooks.lastCounters.withLock { $0 }
        #expect(counters.wsRateLimitClosed == 1 && counters.wsRateLimited > 50)
    }

    @Test("a stopping worker closes its WebSockets with 1001")
    func stopGoingAway() throws {
        let worker = try RunningWorker()
        let client = try WebSocketTestClient(port: worker.port, path: "/api/v1/websocket/echo")
        client.send(text: "x")
        #expect(client.readText() == "x")
        worker.server.requestStop()
        let close = try #require(client.readFrame())
        #expect(close.opcode == .close && close.payload.prefix(2) == [0x03, 0xE9])
        client.send(.close, WebSocketClosePayload.make(code: .goingAway))
        #expect(client.waitForClose())
        worker.stop()
    }
}
