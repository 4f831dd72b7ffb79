import WebSocketCore

/// WebSocket connections: the upgrade, frames in, frames out, the close handshake and timers.
extension EventLoop {
    /// Send buffers of a WebSocket connection idle this long are freed (memory per idle connection).
    static var idleBufferNs: Int64 { 1_000_000_000 }

    static var upgradeRequiredHeaders: StaticString { "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n" }

    var webSocketTimers: WebSocketSession.Timers {
        WebSocketSession.Timers(pingInterval: options.wsPingInterval.nanoseconds, idleTimeout: options.wsIdleTimeout.nanoseconds,
                                closeTimeout: options.wsCloseTimeout.nanoseconds)
    }

    /// A request for a WebSocket route: 426 without `Upgrade`, the handshake's refusal as a
    /// JSON error (then close), or the 101 and frames from the next byte on.
    func respondWebSocket(_ connection: Connection, to request: HTTPRequest, kind: WebSocketRouteKind, header: ConnectionHeader) {
        guard request.wantsUpgrade else {
            return HTTPStatus.upgradeRequired.messageBody.withUnsafeBytes {
                write(connection, .upgradeRequired, $0, extra: Self.upgradeRequiredHeaders.bytes,
                      headOnly: request.method == .head, header: header)
            }
        }
        guard !stopping else { return answerAndClose(connection, status: .serviceUnavailable) }
        let decision = WebSocketHandshake.serverDecision(
            method: request.method.description,
            version: WebSocketHTTPVersion(major: 1, minor: request.version == .http11 ? 1 : 0),
            headers: request.upgradeFields.map { (name: $0.name, value: $0.value) })
        switch decision {
        case .refuse(let status, let reason, _):
            counters.badRequests += 1
            connection.closeAfterSend = true
            // Like every other error: JSON, the handshake's reason as the message; a 426 names
            // the version this server speaks (RFC 6455 §4.4).
            let body = Array(#"{"message":\#(TerminalProtocol.quoted(reason))}"#.utf8)
            body.withUnsafeBytes {
                write(connection, HTTPStatus(status), $0, extra: status == 426 ? Self.upgradeRequiredHeaders.bytes : nil,
                      headOnly: request.method == .head, header: .close)
            }
        case .accept(let response):
            connection.sends.withPending { $0.append(response) }
            open(connection, kind: kind)
        }
    }

    private func open(_ connection: Connection, kind: WebSocketRouteKind) {
        let limit = kind == .echo ? options.wsEchoMaxMessage : options.wsTerminalMaxMessage
        connection.webSocket = WebSocketSession(kind: kind, maxMessage: limit, clientID: WebSocketSession.makeClientID(), now: now)
        counters.webSocketsOpened += 1
        counters.webSocketsOpen += 1
        if kind == .terminal {
            counters.terminalClients += 1
            sendText(TerminalProtocol.connected(clientID: connection.webSocket!.clientID, timestamp: clock.realtimeMillis()), to: connection)
        }
    }

    /// Frames in `input` for an upgraded connection, each through the assembler and the close
    /// state machine.
    func ingestFrames(_ connection: Connection, _ input: inout UnsafeRawBufferPointer) {
        connection.webSocket!.lastHeard = now
        while connection.phase == .open && !connection.closeAfterSend && connection.webSocket!.machine.state != .closed {
            let event = connection.webSocket!.assembler.next(&input)
            if case .needMoreData = event { return }
            // A broken frame or message (closed with 1002, 1007 or 1009) is the client's error.
            if case .error = event { counters.wsProtocolErrors += 1 }
            perform(connection.webSocket!.machine.received(event), on: connection)
        }
    }

    func perform(_ action: WebSocketStateMachine.Action, on connection: Connection) {
        switch action {
        case .none:
            break
        case .deliverText(let payload):
            deliver(connection, payload, isText: true)
        case .deliverBinary(let payload):
            deliver(connection, payload, isText: false)
        case .sendPong(let payload):
            queueFrame(connection, .pong, payload)
        case .sendClose(let payload, let thenClose):
            queueFrame(connection, .close, payload)
            if thenClose { connection.closeAfterSend = true } else { connection.webSocket!.closeSentAt = now }
        case .closeConnection:
            connection.closeAfterSend = true
            queueFlush(connection)
        }
    }

    private func deliver(_ connection: Connection, _ payload: [UInt8], isText: Bool) {
        switch connection.webSocket!.kind {
        case .echo:
            queueFrame(connection, isText ? .text : .binary, payload)
        case .terminal:
            guard isText else {
                guard admit(connection, weight: .light) else { return }
                counters.wsProtocolErrors += 1
                return sendText(TerminalProtocol.error("binary messages are not supported"), to: connection)
            }
            terminalMessage(connection, payload)
        }
    }

    func sendText(_ text: String, to connection: Connection) {
        var text = text
        text.withUTF8 { queueFrame(connection, .text, UnsafeRawBufferPointer($0)) }
    }

    func queueFrame(_ connection: Connection, _ opcode: WebSocketOpcode, _ payload: [UInt8]) {
        payload.withUnsafeBytes { queueFrame(connection, opcode, $0) }
    }

    /// Appends one unmasked, final frame to the connection's send queue.
    func queueFrame(_ connection: Connection, _ opcode: WebSocketOpcode, _ payload: UnsafeRawBufferPointer) {
        var scratch: (UInt64, UInt64) = (0, 0)  // room for the largest header, no allocation
        withUnsafeMutableBytes(of: &scratch) { header in
            let size = WebSocketFrameEncoder.writeHeader(into: header, opcode: opcode, payloadLength: payload.count)
            connection.sends.withPending { out in
                out.append(UnsafeRawBufferPointer(rebasing: header[..<size]))
                out.append(payload)
            }
        }
        queueFlush(connection)
    }

    /// Starts the close handshake from our side (no-op unless open).
    func closeWebSocket(_ connection: Connection, code: WebSocketCloseCode, reason: String) {
        guard connection.phase == .open, !connection.closeAfterSend, connection.webSocket != nil else { return }
        perform(connection.webSocket!.machine.close(code: code, reason: reason), on: connection)
    }

    /// The tick's work for a WebSocket connection: stalled output, close timeout, idle, pings.
    func sweepWebSocket(_ connection: Connection) {
        if !connection.sends.isEmpty && now - connection.lastSendProgress > timeouts.send { return drop(connection) }
        // A connection that sent nothing for a while gives its send buffers back.
        if now - connection.lastSendProgress > Self.idleBufferNs { connection.sends.releaseIdleMemory() }
        switch connection.webSocket!.check(now: now, timers: webSocketTimers) {
        case .none:
            break
        case .ping:
            queueFrame(connection, .ping, UnsafeRawBufferPointer(start: nil, count: 0))
        case .idleClose:
            counters.idleTimeouts += 1
            closeWebSocket(connection, code: .goingAway, reason: "idle timeout")
        case .giveUp:
            perform(connection.webSocket!.machine.closeTimedOut(), on: connection)
        }
    }

    /// On stop: every open WebSocket is told 1001 and given the close timeout to answer.
    func closeWebSocketsForStop() {
        for connection in table.slots where connection.phase == .open && connection.webSocket != nil {
            closeWebSocket(connection, code: .goingAway, reason: "server stopping")
        }
    }
}
