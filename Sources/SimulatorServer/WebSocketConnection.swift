import Glibc
import Posix
import Simulator
import WebSocketCore

/// A stream connection's loop on its thread: frames from the generator's outbox, control
/// messages and their replies, pings and the pong deadline, the message-rate limit, the maximum
/// age, and the faults the control API sends (drop, stall, junk, serverShutdown, frames of a
/// stream not subscribed to).
final class WebSocketConnection {
    let connection: Connection
    let options: SimulatorOptions
    var session: ControlSession
    let subscriber: Subscriber
    var limiter: MessageRateLimiter
    var assembler = WebSocketMessageAssembler(role: .server, maxFrameSize: 64 << 10, maxMessageSize: 64 << 10)
    var machine = WebSocketStateMachine(role: .server)
    let openedAt: Int64
    var nextPing: Int64
    var pingOutstandingSince: Int64?
    var stallUntil: Int64 = 0
    /// The `unsubscribedStream` fault: until then, no subscribed frames, but one of another
    /// stream at `nextForeign` and every 100 ms after.
    var foreignUntil: Int64 = 0
    var nextForeign: Int64 = 0
    var shutdownAt: Int64?
    /// Set once a close frame is queued: flush it, then close (by this deadline).
    var closingDeadline: Int64?
    var finished = false

    var io: ConnectionIO { connection.io }
    var stats: ServerStats { connection.server.stats }

    init(connection: Connection, endpoint: StreamEndpoint) {
        self.connection = connection
        options = connection.server.options
        session = ControlSession(endpoint: endpoint)
        openedAt = Clock.monotonicNanos()
        subscriber = Subscriber(id: connection.id, venue: endpoint.route.venue, route: endpoint.route,
                                outbox: connection.outbox, openedAtMs: Clock.realtimeMillis())
        limiter = MessageRateLimiter(limit: options.messageLimit(endpoint.route))
        nextPing = openedAt + options.pingIntervalMs(endpoint.route) * 1_000_000
    }

    func run(leftover: [UInt8]) {
        ServerStats.bump(stats.webSocketsOpened)
        ServerStats.bump(stats.webSocketsOpen)
        SimLog.debug("stream connection opened", ["peer": io.peer, "route": session.route.rawValue,
                                                  "streams": session.streams.joined(separator: ",")])
        defer { ServerStats.bump(stats.webSocketsOpen, by: -1) }
        if !leftover.isEmpty { leftover.withUnsafeBytes { received($0) } }
        var woken = true
        while !finished {
            let now = Clock.monotonicNanos()
            if woken { takeOutbox(now: now) }
            guard !finished else { return }
            timers(now: now)
            guard !finished else { return }
            do { try io.flush() } catch { return close(quietly: "write failed: \(error)") }
            if let deadline = closingDeadline, !io.wantsWrite || now >= deadline { return io.close() }
            let events = Int16(POLLIN) | (io.wantsWrite ? Int16(POLLOUT) : 0)
            guard let ready = try? Poll.wait(io.fd, events: events, wakeFD: connection.outbox.wakeFD,
                                             timeoutMillis: pollTimeout(now: now)) else { return io.close() }
            woken = ready.woken
            if ready.socketEvents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { readInput() }
        }
    }

    /// Frames and commands from the outbox.
    func takeOutbox(now: Int64) {
        let taken = connection.outbox.take()
        for c in taken.commands {
            handle(c, now: now)
            if finished { return }
        }
        if taken.overflowed { return slowConsumer("outbox over \(options.outboxBytes) bytes") }
        guard !taken.frames.isEmpty else { return }
        if now < stallUntil || now < foreignUntil || closingDeadline != nil {
            ServerStats.bump(stats.framesDroppedStalled, by: taken.frames.count)
            return
        }
        for f in taken.frames { io.queue(f.bytes) }
        if io.pendingBytes > options.outboxBytes { slowConsumer("\(io.pendingBytes) bytes unsent") }
    }

    func slowConsumer(_ why: String) {
        if !subscriber.markedSlow.exchange(true, ordering: .relaxed) { ServerStats.bump(stats.slowConsumersClosed) }
        close(quietly: "slow consumer: \(why)")
    }

    func handle(_ command: ConnectionCommand, now: Int64) {
        switch command {
        case .drop:
            SimLog.info("fault: dropping connection (TCP reset)", ["peer": io.peer])
            io.reset()
            finished = true
        case .stall(let until):
            stallUntil = max(stallUntil, until)
            pingOutstandingSince = nil
        case .malformed(let count):
            for k in 0..<count { io.queue(JunkFrames.frame(k, combined: session.combined, symbol: firstSymbol())) }
        case .unsubscribedStream(let until):
            foreignUntil = max(foreignUntil, until)
            nextForeign = now
        case .serverShutdown(let at):
            let event = "{\"e\":\"serverShutdown\",\"E\":\(Clock.realtimeMillis())}"
            let text = session.combined ? "{\"stream\":\"!serverShutdown\",\"data\":\(event)}" : event
            io.queue(WireFrame(payload: Array(text.utf8)).bytes)
            shutdownAt = at
        case .shutdown:
            sendClose(.goingAway, "server shutting down")
        }
    }

    func firstSymbol() -> String {
        session.routedTopics.first { !$0.topic.symbol.isEmpty }?.topic.symbol.lowercased() ?? "btcusdt"
    }

    func timers(now: Int64) {
        guard closingDeadline == nil else { return }
        if let at = shutdownAt, now >= at { return sendClose(.goingAway, "serverShutdown") }
        if now - openedAt >= options.maxConnectionAgeMs * 1_000_000 {
            ServerStats.bump(stats.maxAgeClosed)
            SimLog.info("connection reached its maximum age", ["peer": io.peer])
            return sendClose(.normalClosure, "")
        }
        if now < foreignUntil, now >= nextForeign {
            io.queue(JunkFrames.unsubscribed(venue: session.route.venue, symbol: firstSymbol(), subscribed: session.streams,
                                             combined: session.combined, nowMs: Clock.realtimeMillis()))
            nextForeign = now + 100_000_000
        }
        guard now >= stallUntil else { return }
        let interval = options.pingIntervalMs(session.route) * 1_000_000
        if stallUntil > 0 {  // a stall just ended: pings start over
            stallUntil = 0
            nextPing = now + interval
        }
        if let since = pingOutstandingSince, now - since > options.pongTimeoutMs(session.route) * 1_000_000 {
            ServerStats.bump(stats.pongTimeoutClosed)
            SimLog.info("no pong in time, disconnecting", ["peer": io.peer])
            return sendClose(.policyViolation, "pong timeout")
        }
        if now >= nextPing {
            let payload = Array(String(Clock.realtimeMillis()).utf8)
            io.queue(WebSocketFrameEncoder.frame(opcode: .ping, payload: payload))
            ServerStats.bump(stats.pingsSent)
            if pingOutstandingSince == nil { pingOutstandingSince = now }
            nextPing = now + interval
        }
    }

    func pollTimeout(now: Int64) -> Int32 {
        var next = now + 1_000_000_000
        if let d = closingDeadline { next = min(next, d) }
        if let at = shutdownAt { next = min(next, at) }
        if now < stallUntil { next = min(next, stallUntil) } else { next = min(next, nextPing) }
        if now < foreignUntil { next = min(next, nextForeign) }
        if let since = pingOutstandingSince {
            next = min(next, since + options.pongTimeoutMs(session.route) * 1_000_000 + 1)
        }
        next = min(next, openedAt + options.maxConnectionAgeMs * 1_000_000)
        return Int32(max(0, (next - now + 999_999) / 1_000_000))
    }

    func readInput() {
        var open = true
        do {
            open = try io.readAvailable { received($0) }
        } catch {
            return close(quietly: "read failed: \(error)")
        }
        if !open && !finished { close(quietly: "peer closed") }
    }

    /// Runs received bytes through the assembler and the close handshake.
    func received(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        while !finished {
            let event = assembler.next(&rest)
            if case .needMoreData = event { return }
            countIncoming(event)
            if finished { return }
            switch machine.received(event) {
            case .none: if case .pong = event { pongReceived() }
            case .deliverText(let text): control(text)
            case .deliverBinary:
                ServerStats.bump(stats.malformedClientMessages)
                reply(Array("{\"error\":{\"code\":3,\"msg\":\"Invalid JSON: expected value at line 1 column 1\"},\"id\":null}".utf8))
            case .sendPong(let payload): io.queue(WebSocketFrameEncoder.frame(opcode: .pong, payload: payload))
            case .sendClose(let payload, _):
                if case .error(let code, let reason) = event {
                    ServerStats.bump(stats.malformedClientMessages)
                    SimLog.info("WebSocket protocol error", ["peer": io.peer, "code": "\(code)", "reason": reason])
                }
                io.queue(WebSocketFrameEncoder.frame(opcode: .close, payload: payload))
                closingDeadline = Clock.monotonicNanos() + 2_000_000_000
                return
            case .closeConnection:
                finished = true
                io.close()
                return
            }
        }
    }

    /// Binance counts pings, pongs and control messages toward the per-second limit.
    func countIncoming(_ event: WebSocketMessageAssembler.Event) {
        switch event {
        case .text, .binary, .ping, .pong:
            guard closingDeadline == nil, !limiter.admit(now: Clock.monotonicNanos()) else { return }
            ServerStats.bump(stats.rateLimitClosed)
            SimLog.info("too many incoming messages, disconnecting",
                        ["peer": io.peer, "limit": "\(limiter.limit)/s"])
            sendClose(.policyViolation, "Too many requests")
        default: break
        }
    }

    func pongReceived() {
        ServerStats.bump(stats.pongsReceived)
        pingOutstandingSince = nil
    }

    func control(_ text: [UInt8]) {
        let r = session.handle(text: text)
        if r.isError { ServerStats.bump(stats.malformedClientMessages) }
        reply(r.body)
        if r.changed { connection.server.hub.update(id: connection.id, subscriber: subscriber, session: session) }
    }

    func reply(_ body: [UInt8]) { io.queue(WireFrame(payload: body).bytes) }

    func sendClose(_ code: WebSocketCloseCode, _ reason: String) {
        guard closingDeadline == nil else { return }
        _ = machine.close(code: code, reason: reason)
        io.queue(WebSocketFrameEncoder.closeFrame(code: code, reason: reason))
        closingDeadline = Clock.monotonicNanos() + 2_000_000_000
    }

    func close(quietly why: String) {
        SimLog.debug("stream connection closed", ["peer": io.peer, "why": why])
        finished = true
        io.close()
    }
}
