import Glibc

/// How a REST answer handed to a background thread goes out once it comes back.
struct PendingAPI {
    var headOnly: Bool
    var header: ConnectionHeader
    var ifNoneMatch: String?
    var cors: [UInt8]
}

/// An allowance of `burst` at once, refilled at `rate` a second: a client address's requests,
/// a WebSocket connection's messages (`MessageBudget`).
struct TokenBucket {
    var tokens: Double
    var lastNs: Int64

    /// Takes `cost` tokens if there are that many. The epsilon absorbs the refill's rounding
    /// (20 a second for 50 ms is one token).
    mutating func take(_ cost: Double = 1, now: Int64, rate: Double, burst: Double) -> Bool {
        tokens = min(burst, tokens + Double(max(0, now - lastNs)) * rate / 1e9)
        lastNs = now
        guard tokens + 1e-9 >= cost else { return false }
        tokens = max(0, tokens - cost)
        return true
    }
}

/// The REST API around the routes: CORS, the per-address rate limit, answers handed to a
/// background thread, ETags.
extension EventLoop {
    /// The `Access-Control-Allow-Origin` lines for a request's origin (none when it sent none
    /// or the origin is not allowed).
    func corsHeaders(_ request: HTTPRequest) -> [UInt8] {
        guard let origin = request.origin, !options.corsOrigins.isEmpty else { return [] }
        if options.corsOrigins.contains("*") { return Array("Access-Control-Allow-Origin: *\r\n\(Self.exposedHeaders)".utf8) }
        guard options.corsOrigins.contains(origin) else { return [] }
        return Array("Access-Control-Allow-Origin: \(origin)\r\nVary: Origin\r\n\(Self.exposedHeaders)".utf8)
    }

    /// The response headers a browser's script may read (CORS hides the others).
    static var exposedHeaders: String { "Access-Control-Expose-Headers: Content-Length, ETag, X-Data-Count, Retry-After\r\n" }

    /// A CORS preflight (`OPTIONS` with `Origin`): 204 with what may be asked, before the rate
    /// limit (as the original did).
    func answerPreflight(_ connection: Connection, cors: [UInt8], header: ConnectionHeader) {
        var extra = cors
        if !cors.isEmpty {
            extra += Array(("Access-Control-Allow-Methods: GET, POST, PUT, DELETE, PATCH, OPTIONS\r\n"
                + "Access-Control-Allow-Headers: Origin, Content-Length, Content-Type, Authorization, X-Requested-With, Cache-Control, Pragma, If-None-Match\r\n"
                + "Access-Control-Max-Age: 600\r\n").utf8)
        }
        extra.withUnsafeBytes { writeBodiless(connection, "HTTP/1.1 204 No Content\r\n", $0, header: header) }
    }

    /// Whether the connection's address may make another request now.
    func admitRate(_ connection: Connection) -> Bool {
        guard options.rateLimitPerSecond > 0, let peer = connection.peer else { return true }
        let burst = Double(options.rateLimitBurst)
        var bucket = rateBuckets[peer] ?? TokenBucket(tokens: burst, lastNs: now)
        let ok = bucket.take(now: now, rate: options.rateLimitPerSecond, burst: burst)
        rateBuckets[peer] = bucket
        if !ok { counters.rateLimited += 1 }
        return ok
    }

    /// Forgets the buckets that have refilled (a tick's housekeeping, every few seconds).
    func sweepRateBuckets() {
        guard !rateBuckets.isEmpty else { return }
        let full = Double(options.rateLimitBurst)
        let rate = options.rateLimitPerSecond
        rateBuckets = rateBuckets.filter { _, b in b.tokens + Double(now - b.lastNs) * rate / 1e9 < full }
    }

    static var rateLimitedBody: StaticString {
        #"{"error":"Rate limit exceeded","message":"Too many requests, please try again later"}"#
    }

    /// Hands a REST request to the hooks; an answer that comes later waits in `pendingAPI`.
    func respondAPI(_ connection: Connection, to request: HTTPRequest, header: ConnectionHeader, cors: [UInt8]) {
        let pending = PendingAPI(headOnly: request.method == .head, header: header,
                                 ifNoneMatch: request.ifNoneMatch, cors: cors)
        switch hooks.api(request, subscriber: connection.subscriberID) {
        case .response(let response):
            writeAPI(connection, response, pending)
        case .later:
            connection.pendingAPI = pending
        }
    }

    /// Writes a REST answer: its headers, CORS, an ETag (304 when the client has the body).
    func writeAPI(_ connection: Connection, _ response: RESTResponse, _ pending: PendingAPI) {
        var status = HTTPStatus(response.status)
        // The body's tag, hashed at most once (a kept answer has it already).
        let tag = response.taggable && response.status == 200 ? response.etag ?? BodyTag.of(response.body) : nil
        var extra: [UInt8]
        if let block = response.headerBlock, pending.cors.isEmpty {
            // A kept answer: its header lines and ETag are ready.
            extra = block
        } else {
            extra = Array(response.headers.utf8) + pending.cors
            if let tag { extra += Array("ETag: \(tag)\r\n".utf8) }
        }
        let notModified = tag != nil && pending.ifNoneMatch.map { BodyTag.matches($0, tag!) } == true
        if notModified { status = HTTPStatus(304) }
        extra.withUnsafeBytes { headers in
            if notModified {
                // 304 carries no body and no Content-Length of one.
                writeBodiless(connection, "HTTP/1.1 304 Not Modified\r\n", headers, header: pending.header)
            } else if let shared = response.shared, shared.file >= 0, !pending.headOnly, connection.sends.isEmpty, backend.directSends {
                // Nothing queued or in flight: the head and the kept body leave now.
                scratchHead.removeAll()
                response.body.withUnsafeBytes {
                    HTTPResponse.write(status: status, body: $0, extraHeaders: headers, headOnly: true, connection: pending.header,
                                       date: dates, into: &scratchHead)
                }
                sendNow(connection, body: shared)
            } else if let shared = response.shared, !response.body.isEmpty {
                // The head here, the kept body by reference after it: no copy of the body.
                response.body.withUnsafeBytes {
                    write(connection, status, $0, extra: headers, headOnly: true, header: pending.header)
                }
                if !pending.headOnly { connection.sends.append(shared.frame) }
            } else {
                response.body.withUnsafeBytes {
                    write(connection, status, $0, extra: headers, headOnly: pending.headOnly, header: pending.header)
                }
            }
        }
    }

    /// Sends `scratchHead` (with MSG_MORE) and then `body` from its memfd with `sendfile`,
    /// synchronously on the non-blocking socket; whatever the socket did not take is queued
    /// for the loop's ordinary sends, which also report any error.
    private func sendNow(_ connection: Connection, body: SharedBody) {
        let head = scratchHead.count
        let sentHead = max(0, Glibc.send(connection.fd, scratchHead.base, head, Int32(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE)))
        if sentHead < head {
            let rest = UnsafeRawBufferPointer(start: scratchHead.base! + sentHead, count: head - sentHead)
            connection.sends.withPending { $0.append(rest) }
            connection.sends.append(body.frame)
            return
        }
        var offset: off_t = 0
        let count = body.frame.bytes.count
        let sent = max(0, sendfile(connection.fd, body.file, &offset, count))
        connection.lastSendProgress = now
        if sent < count { connection.sends.append(body.frame, from: sent) }
    }

    /// A response that never has a body (204, 304): no Content-Length, no Content-Type.
    private func writeBodiless(_ connection: Connection, _ statusLine: StaticString, _ headers: UnsafeRawBufferPointer,
                               header: ConnectionHeader) {
        connection.sends.withPending { out in
            out.append(statusLine)
            dates.withLine { out.append($0) }
            out.append("Server: tterminal\r\n")
            out.append(headers)
            switch header {
            case .none: out.append(HTTPResponse.crlf)
            case .keepAlive: out.append(HTTPResponse.connectionKeepAlive)
            case .close: out.append(HTTPResponse.connectionClose)
            }
        }
    }

    /// An answer from the background thread: out it goes, then what arrived behind it is parsed.
    func answer(_ response: RESTResponse, to subscriber: SubscriberID) {
        guard let connection = table.lookup(slot: subscriber.slot, generation: subscriber.generation),
              connection.phase == .open, let pending = connection.pendingAPI else { return }
        connection.pendingAPI = nil
        connection.lastActivity = now
        writeAPI(connection, response, pending)
        if connection.stash.isEmpty {
            queueFlush(connection)
        } else {
            let waiting = connection.stash
            connection.stash = []
            waiting.withUnsafeBytes { ingest(connection, $0) }
        }
    }
}
