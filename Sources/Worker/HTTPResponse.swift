/// What a response says about the connection.
enum ConnectionHeader {
    /// HTTP/1.1 keep-alive: nothing to say.
    case none
    /// `Connection: keep-alive`, for HTTP/1.0 clients that asked for it.
    case keepAlive
    /// `Connection: close`: the connection closes after this response.
    case close
}

/// Renders JSON responses straight into a send queue: status line and fixed header block
/// rendered once, the Date line from the per-second cache, then length, extras and body.
/// Nothing is allocated per response.
enum HTTPResponse {
    static let fixedHeaders = Array("Server: tterminal\r\nContent-Type: application/json\r\nContent-Length: ".utf8)
    static let crlf = Array("\r\n".utf8)
    static let connectionClose = Array("Connection: close\r\n\r\n".utf8)
    static let connectionKeepAlive = Array("Connection: keep-alive\r\n\r\n".utf8)
    static let notFoundBody = HTTPStatus.notFound.messageBody
    static let methodNotAllowedBody = HTTPStatus.methodNotAllowed.messageBody

    /// Appends one complete response. `extraHeaders` are whole lines, CRLF included; a HEAD
    /// answer carries the headers of the full answer and no body.
    static func write(
        status: HTTPStatus, body: UnsafeRawBufferPointer, extraHeaders: [UInt8] = [],
        headOnly: Bool = false, connection: ConnectionHeader, date: DateCache, into out: inout RawBytes
    ) {
        out.append(status.statusLine)
        out.append(date.line)
        out.append(fixedHeaders)
        out.appendDecimal(body.count)
        out.append(crlf)
        out.append(extraHeaders)
        switch connection {
        case .none: out.append(crlf)
        case .keepAlive: out.append(connectionKeepAlive)
        case .close: out.append(connectionClose)
        }
        if !headOnly { out.append(body) }
    }

    static func write(
        status: HTTPStatus, body: [UInt8], extraHeaders: [UInt8] = [],
        headOnly: Bool = false, connection: ConnectionHeader, date: DateCache, into out: inout RawBytes
    ) {
        body.withUnsafeBytes {
            write(status: status, body: $0, extraHeaders: extraHeaders, headOnly: headOnly,
                  connection: connection, date: date, into: &out)
        }
    }
}
