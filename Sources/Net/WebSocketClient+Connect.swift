import TLS
import WebSocketCore

extension WebSocketClient {
    /// The largest handshake response head accepted.
    static let maxResponseHead = 16 << 10

    /// Connects to a `ws://` or `wss://` endpoint and completes the opening handshake. For `wss`
    /// without a context, the system trust store is used. `extraHeaders` go into the upgrade
    /// request. The whole of it is bounded by `deadline`. An upgrade answered 429 or 418 throws
    /// `.rateLimited` with the status and the wait (`RateLimitAnswer`); any other refusal
    /// `.protocolViolation`.
    public static func connect(
        _ endpoint: Endpoint, tls: TLSContext?, extraHeaders: [(String, String)] = [],
        maxMessageSize: Int = 16 << 20, deadline: Int64
    ) throws(NetError) -> WebSocketClient {
        guard endpoint.scheme == .ws || endpoint.scheme == .wss else {
            throw NetError(.invalidURL, "\(endpoint): a WebSocket needs ws:// or wss://")
        }
        var context: TLSContext?
        if endpoint.isSecure { context = if let tls { tls } else { try defaultClientContext() } }
        let transport = try Transport.connect(host: endpoint.host, port: endpoint.port, tls: context, deadline: deadline)
        let limit = max(maxMessageSize + WebSocketFrameEncoder.maxHeaderSize, maxResponseHead + 4096)
        let buffer = ByteBuffer(capacity: 128 << 10, limit: limit)
        do throws(NetError) {
            try upgrade(endpoint, transport, buffer, extraHeaders: extraHeaders, deadline: deadline)
        } catch {
            transport.close()
            throw error
        }
        return WebSocketClient(endpoint: endpoint, transport: transport, buffer: buffer, maxMessageSize: maxMessageSize)
    }

    /// A client context over the system trust store, made once.
    static func defaultClientContext() throws(NetError) -> TLSContext {
        switch sharedClientContext {
        case .success(let context): return context
        case .failure(let error): throw NetError(.tls, "system TLS trust store: \(error)")
        }
    }

    private static let sharedClientContext: Result<TLSContext, TLSError> = {
        do throws(TLSError) {
            return .success(try TLSContext.client())
        } catch {
            return .failure(error)
        }
    }()

    /// Sends the upgrade request and checks the answer; bytes after the head (early frames) stay
    /// in `buffer`.
    private static func upgrade(
        _ endpoint: Endpoint, _ transport: Transport, _ buffer: ByteBuffer,
        extraHeaders: [(String, String)], deadline: Int64
    ) throws(NetError) {
        let handshake = WebSocketClientHandshake()
        let request = handshake.request(
            host: endpoint.hostHeader, path: endpoint.path, extraHeaders: extraHeaders.map { (name: $0.0, value: $0.1) })
        try transport.writeAll(request, deadline: deadline)
        let what = "WebSocket handshake with \(endpoint)"
        let head = try readHead(transport, buffer, limit: maxResponseHead, deadline: deadline, what)
        if case .rejected(let reason) = handshake.validate(status: head.status, headers: head.headers) {
            let retry = head.header("Retry-After").map { ", Retry-After \($0)" } ?? ""
            guard RateLimitAnswer.isRateLimit(head.status) else {
                throw NetError(.protocolViolation, "\(what): \(reason)\(retry)")
            }
            let answer = RateLimitAnswer(status: head.status,
                                         retryAfterSeconds: RateLimitAnswer.seconds(retryAfter: head.header("Retry-After")))
            throw NetError(.rateLimited, "\(what): \(reason)\(retry)", rateLimit: answer)
        }
    }

    /// Reads until a whole response head is in `buffer`, parses it and consumes it.
    static func readHead(
        _ transport: Transport, _ buffer: ByteBuffer, limit: Int, deadline: Int64?, _ what: @autoclosure () -> String
    ) throws(NetError) -> HTTPResponseHead {
        var scanned = 0
        while true {
            if let end = HTTPResponseHead.end(in: buffer.readable, from: scanned) {
                let head: HTTPResponseHead
                do {
                    head = try HTTPResponseHead.parse(UnsafeRawBufferPointer(rebasing: buffer.readable[..<end]))
                } catch {
                    throw NetError(error.kind, "\(what()): \(error.message)")
                }
                buffer.consume(end)
                return head
            }
            guard buffer.count < limit, buffer.reserve(total: buffer.count + 1, minimumFree: 4096) else {
                throw NetError(.tooLarge, "\(what()): response head exceeds \(limit) bytes")
            }
            scanned = max(0, buffer.count - 2)
            let n = try transport.read(into: buffer.writable, deadline: deadline)
            guard n > 0 else {
                throw NetError(.closed, "\(what()): the server closed the connection before answering")
            }
            buffer.commit(n)
        }
    }
}
