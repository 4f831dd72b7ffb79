import Glibc
import Posix
import Testing
import WebSocketCore
@testable import Loadtest

/// A client process against a scripted WebSocket server on loopback: the epoll loop, the
/// upgrade, the subscription, pings and the final report, over real sockets and pipes.
@Suite("Client process on loopback")
struct ClientProcessTests {
    /// Runs one client process against `server` on `listener` with `config` (its window opened
    /// at once for the run's duration), then closes the server's sockets; the child's last report.
    static func runClient(_ server: ScriptedServer, config: WSLoadConfig, closeBeforeJoin: Bool = false) throws -> ChildReport {
        let thread = JoinableThread { server.serve() }
        let control = try ClientSocket.pipe()
        let report = try ClientSocket.pipe()
        defer { [control.read, control.write, report.read, report.write].forEach { close($0) } }
        let now = Clock.monotonicNanos()
        try FD.writeAll(control.write, "window \(now) \(now + Int64(config.durationSeconds * 1e9))\n")
        let client = try WSClientProcess(config: config, processIndex: 0, controlFD: control.read, reportFD: report.write)
        #expect(client.run() == 0)
        if closeBeforeJoin { server.closeAll() }
        thread.join()
        server.closeAll()
        return try #require(Self.finalReport(report.read))
    }

    @Test("two clients upgrade, subscribe, answer pings and report the trades, gaps and latency they saw")
    func scriptedServer() throws {
        let listener = try Socket.listen(host: "127.0.0.1", port: 0)
        defer { close(listener) }
        let port = Socket.localPort(listener)
        let server = ScriptedServer(listener: listener, clients: 2)
        var config = try WSLoadConfig(url: "ws://127.0.0.1:\(port)/ws", connections: 2, arrivalRate: 1_000, processes: 1,
                                      sources: try SourceAddresses(parsing: "127.0.0.1-127.0.0.2"),
                                      subscribe: #"{"type":"subscribe","symbol":"BTCUSDT"}"#, warmupSeconds: 0, durationSeconds: 1)
        config.connectTimeoutSeconds = 2
        let final = try Self.runClient(server, config: config)
        #expect(final.counters[.opened] == 2)
        #expect(final.counters[.subscribeSent] == 2)
        #expect(final.counters[.trades] == 6)
        #expect(final.counters[.missingIds] == 2)
        #expect(final.counters[.clientsWithGap] == 2)
        #expect(final.counters[.pings] == 2)
        #expect(final.counters.failedToOpen == 0)
        #expect(final.buckets.reduce(0) { $0 + $1.count } == 6)
        #expect(final.counters[.tradesReadLate] == 0 && final.counters[.clientsBehind] == 0)
        #expect(server.pongs == 2)
        #expect(server.subscriptions == [#"{"type":"subscribe","symbol":"BTCUSDT"}"#, #"{"type":"subscribe","symbol":"BTCUSDT"}"#])
    }

    @Test("read without arrival stamps, trades 3 s after the server stamped them are reported behind after the window")
    func behindAfterTheWindow() throws {
        let listener = try Socket.listen(host: "127.0.0.1", port: 0)
        defer { close(listener) }
        let server = ScriptedServer(listener: listener, clients: 1, backlogMicros: 3_000_000)
        var config = try WSLoadConfig(url: "ws://127.0.0.1:\(Socket.localPort(listener))/ws", connections: 1, arrivalRate: 1_000,
                                      processes: 1, sources: try SourceAddresses(parsing: "127.0.0.1"),
                                      subscribe: #"{"type":"subscribe","symbol":"BTCUSDT"}"#, warmupSeconds: 0, durationSeconds: 1)
        config.connectTimeoutSeconds = 2
        // With arrival stamps a trade reaching the socket after the window is the server's delay
        // (ClientSessionTests); read times cannot tell, so the stamps alone judge here.
        config.receiveTime = .read
        let final = try Self.runClient(server, config: config, closeBeforeJoin: true)
        #expect(final.counters[.tradesInWindow] > 0)
        #expect(final.counters[.tradesReadLate] > 0)
        #expect(final.counters[.clientsBehind] == 1)
        var run = RunReport.merge([final], config: config)
        run.config.requireAllDelivered = true
        #expect(run.problems.contains { $0.hasPrefix("the clients fell behind") })
        #expect(run.table.contains("harness behind"))
        #expect(run.json.contains(#""trades_read_late":"#))
    }

    @Test("reconnect attempts refused after a drop are attempts, not connections that failed to open")
    func reconnectAttemptsApart() throws {
        let listener = try Socket.listen(host: "127.0.0.1", port: 0)
        defer { close(listener) }
        let server = ScriptedServer(listener: listener, clients: 1, hangUp: true)
        var config = try WSLoadConfig(url: "ws://127.0.0.1:\(Socket.localPort(listener))/ws", connections: 1, arrivalRate: 1_000,
                                      processes: 1, sources: try SourceAddresses(parsing: "127.0.0.1"),
                                      subscribe: #"{"type":"subscribe","symbol":"BTCUSDT"}"#, warmupSeconds: 0, durationSeconds: 1.5)
        config.connectTimeoutSeconds = 2
        config.reconnect = true
        let final = try Self.runClient(server, config: config)
        #expect(final.counters[.opened] == 1)
        #expect(final.counters.failedToOpen == 0)
        #expect(final.counters.droppedAfterOpen == 1)
        #expect(final.counters[.reconnectAttemptsFailed] >= 2)
        var run = RunReport.merge([final], config: config)
        run.windowSeconds = 1.5
        #expect(run.table.contains("failed to open             0"), "\(run.table)")
        #expect(run.json.contains(#""failed":0,"#) && run.json.contains(#""reconnect_attempts_failed":"#))
    }

    static func finalReport(_ fd: Int32) -> ChildReport? {
        try? FD.setNonBlocking(fd)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while case let n = chunk.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }), n > 0 { bytes += chunk[..<n] }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        return lines.compactMap { ChildReport(line: $0) }.first { $0.kind == .final }
    }
}

/// Accepts `clients` connections one after the other and plays the server's part for each:
/// 101, `connected`, waits for the subscription, sends trades 1, 2 and 4 and a ping, and
/// waits for the pong.
final class ScriptedServer: @unchecked Sendable {
    let listener: Int32
    let clients: Int
    var pongs = 0
    var subscriptions: [String] = []
    var accepted: [Int32] = []

    /// When set: after the subscription, trades stamped this long ago flow every 5 ms until the
    /// client goes away (a backlog the client never catches up on).
    let backlogMicros: Int64?

    /// When set: after the first client's pong, its connection is closed and the listener shut
    /// (later connects are refused), as a server going away.
    let hangUp: Bool

    init(listener: Int32, clients: Int, backlogMicros: Int64? = nil, hangUp: Bool = false) {
        self.listener = listener
        self.clients = clients
        self.backlogMicros = backlogMicros
        self.hangUp = hangUp
    }

    func serve() {
        for _ in 0..<clients {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            Socket.setReceiveTimeout(fd, millis: 3_000)
            accepted.append(fd)
            play(fd)
            if hangUp {
                shutdown(listener, Int32(SHUT_RDWR))
                close(fd)
                accepted.removeAll()
                return
            }
        }
    }

    /// The client resets its sockets when its window ends; ours stay open until then.
    func closeAll() { accepted.forEach { close($0) } }

    private func play(_ fd: Int32) {
        var input: [UInt8] = []
        guard let head = readUntil(fd, &input, { $0.withUnsafeBytes { HandshakeResponse.headLength($0) != nil } }) else { return }
        let request = String(decoding: head, as: UTF8.self)
        guard let keyLine = request.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("sec-websocket-key:") }) else { return }
        let key = keyLine.dropFirst("sec-websocket-key:".count).trimmingSpaces
        send(fd, Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(WebSocketHandshake.accept(key: key))\r\n\r\n".utf8))
        send(fd, WebSocketFrameEncoder.frame(opcode: .text, payload: Array(#"{"type":"connected","clientId":"1"}"#.utf8)))
        input.removeAll()
        guard let subscribe = readFrame(fd, &input) else { return }
        subscriptions.append(String(decoding: subscribe.payload, as: UTF8.self))
        if let backlogMicros { return flow(fd, stampedAgo: backlogMicros) }
        for id in [1, 2, 4] {
            let text = #"{"type":"trade_update","symbol":"BTCUSDT","id":\#(id),"recv_us":\#(Clock.realtimeNanos() / 1000),"seq":\#(id)}"#
            send(fd, WebSocketFrameEncoder.frame(opcode: .text, payload: Array(text.utf8)))
        }
        send(fd, WebSocketFrameEncoder.frame(opcode: .ping, payload: [9]))
        if let pong = readFrame(fd, &input), pong.opcode == 0xA, pong.payload == [9] { pongs += 1 }
    }

    private func flow(_ fd: Int32, stampedAgo: Int64) {
        let deadline = Clock.monotonicNanos() + 10_000_000_000
        var id: Int64 = 1
        while Clock.monotonicNanos() < deadline {
            let text = #"{"type":"trade_update","symbol":"BTCUSDT","id":\#(id),"recv_us":\#(Clock.realtimeNanos() / 1000 - stampedAgo),"seq":\#(id)}"#
            let frame = WebSocketFrameEncoder.frame(opcode: .text, payload: Array(text.utf8))
            let sent = frame.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            id += 1
            usleep(5_000)
        }
    }

    private func send(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { _ = Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until `done` holds for what was read; what was read, nil on timeout or close.
    private func readUntil(_ fd: Int32, _ input: inout [UInt8], _ done: ([UInt8]) -> Bool) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !done(input) {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return nil }
            input += chunk[..<n]
        }
        return input
    }

    /// One masked client frame (short payloads only): opcode and unmasked payload.
    private func readFrame(_ fd: Int32, _ input: inout [UInt8]) -> (opcode: UInt8, payload: [UInt8])? {
        guard let bytes = readUntil(fd, &input, { $0.count >= 2 && $0.count >= 6 + Int($0[1] & 0x7F) }) else { return nil }
        let length = Int(bytes[1] & 0x7F)
        let key = UInt32(bytes[2]) << 24 | UInt32(bytes[3]) << 16 | UInt32(bytes[4]) << 8 | UInt32(bytes[5])
        var payload = Array(bytes[6..<(6 + length)])
        payload.withUnsafeMutableBytes { WebSocketMaskingKey(key).apply(to: $0) }
        input.removeFirst(6 + length)
        return (bytes[0] & 0x0F, payload)
    }
}

