/// A complete HTTP response. Error statuses (4xx, 5xx, 429 with Retry-After…) are ordinary
/// responses; only transport and protocol failures throw.
public struct HTTPClientResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name`, matched ASCII case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { HTTPResponseHead.sameName($0.name, name) }?.value
    }

    /// `Retry-After` in whole seconds when it is given as a number (Binance's 418 and 429).
    public var retryAfterSeconds: Int? {
        header("Retry-After").flatMap { Int(HTTPResponseHead.trim($0[...])) }
    }

    /// The body as text (invalid UTF-8 repaired), for messages and tests.
    public var text: String { String(decoding: body, as: UTF8.self) }
}
