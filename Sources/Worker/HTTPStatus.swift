/// A response status: code and reason phrase, with the status line rendered once.
public struct HTTPStatus: Sendable, Hashable, CustomStringConvertible {
    public let code: Int

    public init(_ code: Int) { self.code = code }

    public static let ok = HTTPStatus(200)
    public static let badRequest = HTTPStatus(400)
    public static let notFound = HTTPStatus(404)
    public static let methodNotAllowed = HTTPStatus(405)
    public static let requestTimeout = HTTPStatus(408)
    public static let payloadTooLarge = HTTPStatus(413)
    public static let uriTooLong = HTTPStatus(414)
    public static let headerFieldsTooLarge = HTTPStatus(431)
    public static let tooManyRequests = HTTPStatus(429)
    public static let internalServerError = HTTPStatus(500)
    public static let notImplemented = HTTPStatus(501)
    public static let serviceUnavailable = HTTPStatus(503)
    public static let versionNotSupported = HTTPStatus(505)

    public var reason: String {
        switch code {
        case 200: "OK"
        case 204: "No Content"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 413: "Payload Too Large"
        case 414: "URI Too Long"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status \(code)"
        }
    }

    public var description: String { "\(code) \(reason)" }

    /// `HTTP/1.1 200 OK\r\n`, rendered once per status for the statuses the worker sends.
    var statusLine: [UInt8] {
        switch code {
        case 200: StatusLines.ok
        case 404: StatusLines.notFound
        case 405: StatusLines.methodNotAllowed
        default: Self.render(self)
        }
    }

    static func render(_ status: HTTPStatus) -> [UInt8] {
        Array("HTTP/1.1 \(status.code) \(status.reason)\r\n".utf8)
    }

    /// `{"message":"<reason>"}`: the body of every error the worker answers itself.
    var messageBody: [UInt8] { Array("{\"message\":\"\(reason)\"}".utf8) }
}

/// Status lines on the hot path, rendered once.
private enum StatusLines {
    static let ok = HTTPStatus.render(.ok)
    static let notFound = HTTPStatus.render(.notFound)
    static let methodNotAllowed = HTTPStatus.render(.methodNotAllowed)
}
