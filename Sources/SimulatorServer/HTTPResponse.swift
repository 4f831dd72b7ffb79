import Market

/// A response to write: status, extra headers and a body (JSON unless told otherwise).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var contentType = "application/json;charset=UTF-8"

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// `{"code":…,"msg":"…"}`, Binance's error body.
    public static func binanceError(status: Int, code: Int64, message: String,
                                    headers: [(name: String, value: String)] = []) -> HTTPResponse {
        var out = JSONBytes(capacity: 64 + message.utf8.count)
        out.raw("{\"code\":")
        out.integer(code)
        out.raw(",\"msg\":")
        out.string(message)
        out.raw("}")
        return HTTPResponse(status: status, headers: headers, body: out.bytes)
    }

    /// The bytes on the wire; a HEAD answer carries the headers only.
    public func serialize(keepAlive: Bool, headOnly: Bool = false) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
        text += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
        text += keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n"
        for h in headers { text += "\(h.name): \(h.value)\r\n" }
        text += "\r\n"
        var bytes = Array(text.utf8)
        if !headOnly { bytes += body }
        return bytes
    }

    public static func reason(_ status: Int) -> String {
        switch status {
        case 101: "Switching Protocols"
        case 200: "OK"
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 413: "Payload Too Large"
        case 418: "I'm a teapot"
        case 426: "Upgrade Required"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status"
        }
    }
}
