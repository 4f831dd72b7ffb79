/// What a response says about the connection.
enum ConnectionHeader {
    /// HTTP/1.1 keep-alive: nothing to say.
    case none
    /// `Connection: keep-alive`, for HTTP/1.0 clients that asked for it.
    case keepAlive
    /// `Connection: close`: the connection closes after this response.
    case close
}

/// Renders JSON responses straight into a send queue: constant status line and header block,
/// the Date line from the per-second cache, then length, extras and body. Nothing is allocated
/// or reference-counted per response beyond the body the caller hands in.
enum HTTPResponse {
    static var fixedHeaders: StaticString { "Server: tterminal\r\nContent-Type: application/json\r\nContent-Length: " }
    /// The same with Prometheus's text format (`/metrics`).
    static var prometheusHeaders: StaticString {
        "Server: tterminal\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: "
    }
    static var crlf: StaticString { "\r\n" }
    static var connectionClose: StaticString { "Connection: close\r\n\r\n" }
    static var connectionKeepAlive: StaticString { "Connection: keep-alive\r\n\r\n" }
    static var notFoundBody: StaticString { #"{"message":"Not Found"}"# }
    static var methodNotAllowedBody: StaticString { #"{"message":"Method Not Allowed"}"# }

    /// Appends one complete response. `extraHeaders` are whole lines, CRLF included; a HEAD
    /// answer carries the headers of the full answer and no body.
    static func write(
        status: HTTPStatus, body: UnsafeRawBufferPointer, extraHeaders: UnsafeRawBufferPointer? = nil,
        headOnly: Bool = false, connection: ConnectionHeader, date: DateCache, into out: inout RawBytes,
        headers: StaticString = fixedHeaders
    ) {
        if let line = status.statusLine { out.append(line) } else { out.append(status.renderedStatusLine) }
        date.withLine { out.append($0) }
        out.append(headers)
        out.appendDecimal(body.count)
        out.append(crlf)
        if let extraHeaders { out.append(extraHeaders) }
        switch connection {
        case .none: out.append(crlf)
        case .keepAlive: out.append(connectionKeepAlive)
        case .close: out.append(connectionClose)
        }
        if !headOnly { out.append(body) }
    }
}

extension RawBytes {
    @inline(__always)
    mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}

extension StaticString {
    /// The bytes of a constant string.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: utf8Start, count: utf8CodeUnitCount) }
}
