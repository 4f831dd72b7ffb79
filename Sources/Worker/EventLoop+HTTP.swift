/// Requests in, responses out: parse what arrived, answer each request in order.
extension EventLoop {
    func ingest(_ connection: Connection, _ bytes: UnsafeRawBufferPointer) {
        var input = bytes
        connection.lastActivity = now
        parsing: while !connection.closeAfterSend {
            if connection.pendingAPI != nil {
                // A REST answer is being computed: what follows waits for it, within bounds.
                connection.stash.append(contentsOf: input)
                if connection.stash.count > options.limits.maxHeaderBytes + options.limits.maxBody { return drop(connection) }
                break parsing
            }
            if connection.webSocket != nil {
                ingestFrames(connection, &input)
                break parsing
            }
            switch connection.parser.parse(&input) {
            case .needMoreData:
                if !connection.parser.isIdle && connection.requestStartedAt == nil { connection.requestStartedAt = now }
                if connection.parser.takeContinue() { connection.sends.withPending { $0.append(Self.continueLine) } }
                break parsing
            case .request(let request):
                connection.requestStartedAt = nil
                respond(connection, to: request)
            case .error(let status):
                counters.badRequests += 1
                answerAndClose(connection, status: status)
            }
        }
        // A WebSocket echo may queue one whole message on top of the usual allowance.
        let allowance = options.maxQueuedOutput + (connection.webSocket?.assembler.maxMessageSize ?? 0)
        if connection.sends.queuedBytes > allowance {
            // Its own requests' answers pile up unread: closed at once (a close frame would wait
            // behind them), and counted as the slow client it is.
            guard connection.webSocket != nil, connection.phase == .open else { return drop(connection) }
            counters.slowClientsClosed += 1
            return close(connection)
        }
        queueFlush(connection)
    }

    /// The interim answer to `Expect: 100-continue` (RFC 9110 §10.1.1).
    static var continueLine: [UInt8] { Array("HTTP/1.1 100 Continue\r\n\r\n".utf8) }

    func respond(_ connection: Connection, to request: HTTPRequest) {
        if let refusal = connection.refusal {
            // Over a limit, monitoring is still answered (health, status and metrics come from
            // shared memory), once, on a connection then closed; anything else is refused.
            guard case .route(let route) = router.match(method: request.method, path: request.path), route.isMonitoring else {
                return refuse(connection, refusal, headOnly: request.method == .head)
            }
        }
        counters.requestsServed += 1
        connection.requestsServed += 1
        let keepAlive = request.keepAlive && !stopping && connection.refusal == nil
        if !keepAlive { connection.closeAfterSend = true }
        let header: ConnectionHeader = !keepAlive ? .close : request.version == .http10 ? .keepAlive : .none
        let headOnly = request.method == .head
        let cors = corsHeaders(request)
        if request.method == .options && request.origin != nil { return answerPreflight(connection, cors: cors, header: header) }
        guard admitRate(connection) else {
            // The bucket gains a request every 1/rate s: the client may try again then.
            let seconds = options.rateLimitPerSecond >= 1 ? 1 : Int((1 / max(options.rateLimitPerSecond, 0.001)).rounded(.up))
            let retry = Array("Retry-After: \(seconds)\r\n".utf8)
            return (cors + retry).withUnsafeBytes {
                write(connection, .tooManyRequests, Self.rateLimitedBody.bytes, extra: $0, headOnly: headOnly, header: header)
            }
        }
        switch router.match(method: request.method, path: request.path) {
        case .route(.api):
            respondAPI(connection, to: request, header: header, cors: cors)
        case .route(let route):
            if let kind = route.webSocketKind { return respondWebSocket(connection, to: request, kind: kind, header: header) }
            let answer = route == .metrics ? hooks.metrics() : route == .health ? hooks.health() : hooks.systemStatus()
            let headers = route == .metrics && answer.status == 200 ? HTTPResponse.prometheusHeaders : HTTPResponse.fixedHeaders
            cors.withUnsafeBytes { extra in
                answer.body.withUnsafeBytes {
                    write(connection, HTTPStatus(answer.status), $0, extra: extra, headOnly: headOnly, header: header, headers: headers)
                }
            }
        case .notFound:
            cors.withUnsafeBytes {
                write(connection, .notFound, HTTPResponse.notFoundBody.bytes, extra: $0, headOnly: headOnly, header: header)
            }
        case .methodNotAllowed(let allow):
            (allow + cors).withUnsafeBytes {
                write(connection, .methodNotAllowed, HTTPResponse.methodNotAllowedBody.bytes, extra: $0,
                      headOnly: headOnly, header: header)
            }
        }
    }

    /// Answers with `{"message": reason}` and closes once it has left.
    func answerAndClose(_ connection: Connection, status: HTTPStatus) {
        connection.closeAfterSend = true
        status.messageBody.withUnsafeBytes { write(connection, status, $0, headOnly: false, header: .close) }
        queueFlush(connection)
    }

    func write(_ connection: Connection, _ status: HTTPStatus, _ body: UnsafeRawBufferPointer,
               extra: UnsafeRawBufferPointer? = nil, headOnly: Bool, header: ConnectionHeader,
               headers: StaticString = HTTPResponse.fixedHeaders) {
        connection.sends.withPending { out in
            HTTPResponse.write(status: status, body: body, extraHeaders: extra, headOnly: headOnly,
                               connection: header, date: dates, into: &out, headers: headers)
        }
    }
}
