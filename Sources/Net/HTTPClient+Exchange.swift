import Glibc
import Posix
import TLS

extension HTTPClient {
    /// A failed exchange: whether the request went out whole and whether any byte of the answer
    /// had arrived, which decide whether it may be retried.
    struct ExchangeFailure: Error {
        var error: NetError
        var requestSent: Bool
        var answerStarted: Bool
    }

    /// The request bytes: request line, Host, the caller's headers, Content-Length for a body.
    func encode(_ method: String, _ target: Endpoint, headers: [(String, String)], body: [UInt8]?) -> [UInt8] {
        var text = "\(method) \(target.path) HTTP/1.1\r\nHost: \(target.hostHeader)\r\n"
        let named = { (name: String) in headers.contains { HTTPResponseHead.sameName($0.0, name) } }
        if !named("User-Agent") { text += "User-Agent: tterminal\r\n" }
        if !named("Accept") { text += "Accept: */*\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Length: \(body.count)\r\n" }
        text += "\r\n"
        var bytes = Array(text.utf8)
        if let body { bytes.append(contentsOf: body) }
        return bytes
    }

    /// Opens a fresh connection to the base endpoint.
    func open(deadline: Int64, _ what: String) throws(NetError) -> Transport {
        var context: TLSContext?
        if base.isSecure { context = if let tls { tls } else { try WebSocketClient.defaultClientContext() } }
        buffer.clear()
        let transport = try Transport.connect(host: base.host, port: base.port, tls: context, deadline: deadline)
        connectionsOpened += 1
        return transport
    }

    /// Whether the kept connection has already been closed by the server (readable while idle:
    /// an end of stream or junk). Such a connection is dropped before use instead of retried.
    func staleConnection() -> Bool {
        guard let connection, connection.fd >= 0 else { return true }
        let ready = (try? Poll.wait(connection.fd, events: Int16(POLLIN), wakeFD: -1, timeoutMillis: 0))?.socketEvents ?? 1
        guard ready != 0 else { return false }
        close()
        return true
    }

    /// Sends the request and reads the whole response.
    func exchange(
        _ transport: Transport, _ request: [UInt8], method: String, deadline: Int64, _ what: String
    ) -> Result<(HTTPClientResponse, Bool), ExchangeFailure> {
        buffer.clear()
        do throws(NetError) {
            try transport.writeAll(request, deadline: deadline)
        } catch {
            return .failure(ExchangeFailure(error: NetError(error.kind, "\(what): \(error.message)"), requestSent: false, answerStarted: false))
        }
        var head: HTTPResponseHead
        do throws(NetError) {
            repeat {
                head = try WebSocketClient.readHead(transport, buffer, limit: maxHeadSize, deadline: deadline, what)
            } while (100..<200).contains(head.status)  // 100 Continue and other interim answers
        } catch {
            return .failure(ExchangeFailure(error: error, requestSent: true, answerStarted: !buffer.isEmpty || error.kind != .closed))
        }
        do throws(NetError) {
            let body = try readBody(transport, head: head, method: method, deadline: deadline)
            let response = HTTPClientResponse(status: head.status, headers: head.headers, body: body.bytes)
            return .success((response, body.reusable && keepsAlive(head)))
        } catch {
            return .failure(ExchangeFailure(error: NetError(error.kind, "\(what): \(error.message)"), requestSent: true, answerStarted: true))
        }
    }

    /// Reads the body as the head frames it; `reusable` is false when the connection cannot carry
    /// another request (close-delimited body, or bytes beyond the response).
    private func readBody(
        _ transport: Transport, head: HTTPResponseHead, method: String, deadline: Int64
    ) throws(NetError) -> (bytes: [UInt8], reusable: Bool) {
        let framing = try HTTPBodyDecoder.framing(for: head, method: method)
        if case .length(let length) = framing, length > maxBodySize {
            throw NetError(.tooLarge, "response body of \(length) bytes exceeds \(maxBodySize)")
        }
        var decoder = HTTPBodyDecoder(framing: framing, limit: maxBodySize)
        while true {
            var bytes = buffer.readable
            let before = bytes.count
            let complete = try decoder.consume(&bytes)
            buffer.consume(before - bytes.count)
            if complete { return (decoder.body, framing != .untilClose && buffer.isEmpty) }
            _ = buffer.reserve(total: buffer.count + 1, minimumFree: 16 << 10)  // the limit is far beyond any body
            let n = try transport.read(into: buffer.writable, deadline: deadline)
            if n == 0 {
                try decoder.finishAtEndOfStream()
                return (decoder.body, false)
            }
            buffer.commit(n)
        }
    }

    /// HTTP/1.1 keeps the connection unless told `close`; HTTP/1.0 only when told `keep-alive`.
    private func keepsAlive(_ head: HTTPResponseHead) -> Bool {
        if head.hasToken("close", in: "Connection") { return false }
        return head.minorVersion >= 1 || head.hasToken("keep-alive", in: "Connection")
    }
}
