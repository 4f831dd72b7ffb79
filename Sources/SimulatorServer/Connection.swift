import Glibc
import Posix
import Simulator
import WebSocketCore

/// One accepted connection on its own thread: TLS handshake, then HTTP requests (REST and the
/// control API, keep-alive) until one upgrades to WebSocket, which `WebSocketConnection` runs.
final class Connection {
    let server: SimulatedExchange
    /// The venue of the port it came in on (spot or futures streams).
    let venue: Venue
    let io: ConnectionIO
    let outbox: Outbox
    let id: Int
    static let idleTimeoutNanos: Int64 = 120_000_000_000
    static let handshakeTimeoutNanos: Int64 = 10_000_000_000

    init(server: SimulatedExchange, venue: Venue, io: ConnectionIO, outbox: Outbox) {
        self.server = server
        self.venue = venue
        self.io = io
        self.outbox = outbox
        id = server.hub.register(outbox: outbox, venue: venue, peer: io.peer)
    }

    /// The thread body; returns when the connection is closed.
    func run() {
        defer {
            outbox.close()
            server.hub.remove(id: id)
            io.close()
        }
        do {
            try io.handshake(deadline: Clock.monotonicNanos() + Self.handshakeTimeoutNanos)
        } catch {
            ServerStats.bump(server.stats.tlsHandshakeFailures)
            SimLog.info("TLS handshake failed", ["peer": io.peer, "error": "\(error)"])
            return
        }
        httpLoop()
    }

    private func httpLoop() {
        var parser = HTTPRequestParser()
        var idleSince = Clock.monotonicNanos()
        // A request that arrived with the end of the TLS handshake already sits inside the
        // session, not on the socket: read it before waiting for the socket.
        if io.isSecure, (try? io.readAvailable({ parser.feed($0) })) != true { return }
        // The request may have come with the end of the TLS handshake and wait inside the session.
        if io.isSecure {
            do {
                guard try io.readAvailable({ parser.feed($0) }) else { return }
            } catch {
                return
            }
        }
        while true {
            switch parser.next() {
            case .error(let status, let reason):
                ServerStats.bump(server.stats.malformedClientMessages)
                SimLog.info("bad HTTP request", ["peer": io.peer, "status": "\(status)", "reason": reason])
                respond(.binanceError(status: status, code: -1000, message: "Bad request: \(reason)"), keepAlive: false)
                return
            case .request(let request):
                ServerStats.bump(server.stats.httpRequests)
                if request.isUpgrade {
                    upgrade(request, leftover: parser.takeRemainder())
                    return
                }
                let response = server.respond(to: request, venue: venue)
                let keep = request.keepAlive && !server.isStopping
                respond(response, keepAlive: keep, headOnly: request.method == "HEAD")
                if !keep { return }
                idleSince = Clock.monotonicNanos()
                continue
            case .needMoreData:
                break
            }
            let now = Clock.monotonicNanos()
            guard !server.isStopping, now - idleSince < Self.idleTimeoutNanos else { return }
            let timeout = Int32(min(1_000, (Self.idleTimeoutNanos - (now - idleSince)) / 1_000_000 + 1))
            guard let ready = try? Poll.wait(io.fd, events: Int16(POLLIN), wakeFD: outbox.wakeFD, timeoutMillis: timeout)
            else { return }
            if ready.woken {
                let taken = outbox.take()
                if taken.commands.contains(.drop) { io.reset(); return }
                if taken.commands.contains(.shutdown) { return }
            }
            guard ready.socketEvents != 0 else { continue }
            do {
                guard try io.readAvailable({ parser.feed($0) }) else { return }
            } catch {
                return
            }
        }
    }

    func respond(_ response: HTTPResponse, keepAlive: Bool, headOnly: Bool = false) {
        io.queue(response.serialize(keepAlive: keepAlive, headOnly: headOnly))
        _ = io.flushAll(deadline: Clock.monotonicNanos() + 10_000_000_000)
    }

    /// A WebSocket upgrade on a stream URL; anything else is 404.
    private func upgrade(_ request: HTTPRequest, leftover: [UInt8]) {
        switch StreamPath.parse(path: request.path, query: request.query, venue: venue) {
        case .notFound:
            respond(.binanceError(status: 404, code: -1000, message: "Unknown path."), keepAlive: false)
        case .invalidStream(let name):
            guard accept(request) else { return }
            SimLog.info("invalid stream in URL", ["peer": io.peer, "stream": name])
            ServerStats.bump(server.stats.malformedClientMessages)
            io.queue(WebSocketFrameEncoder.closeFrame(code: .policyViolation,
                                                      reason: "{\"code\":-1,\"msg\":\"Illegal format ws or stream\"}"))
            _ = io.flushAll(deadline: Clock.monotonicNanos() + 2_000_000_000)
        case .endpoint(let endpoint):
            if let refusal = server.core.refusedUpgrade(venue: venue) {
                SimLog.info("fault: WebSocket upgrade refused", ["peer": io.peer, "status": "\(refusal.status)"])
                return respond(refusal, keepAlive: false)
            }
            // Routed before the 101 goes out: a fault or frame right after the handshake reaches it.
            let ws = WebSocketConnection(connection: self, endpoint: endpoint)
            server.hub.update(id: id, subscriber: ws.subscriber, session: ws.session)
            guard accept(request) else { return }
            ws.run(leftover: leftover)
        }
    }

    /// Answers the upgrade; false when it was refused (and answered).
    private func accept(_ request: HTTPRequest) -> Bool {
        switch WebSocketHandshake.serverDecision(method: request.method, version: request.version, headers: request.headers) {
        case .refuse(_, let reason, let response):
            ServerStats.bump(server.stats.malformedClientMessages)
            SimLog.info("WebSocket upgrade refused", ["peer": io.peer, "reason": reason])
            io.queue(response)
            _ = io.flushAll(deadline: Clock.monotonicNanos() + 2_000_000_000)
            return false
        case .accept(let response):
            io.queue(response)
            return io.flushAll(deadline: Clock.monotonicNanos() + 5_000_000_000)
        }
    }
}
