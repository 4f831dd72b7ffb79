/// The client side of the opening handshake (RFC 6455 §4.1): the upgrade request with a fresh
/// random key, and the check of the server's answer against that key.
public struct WebSocketClientHandshake: Sendable, Hashable {
    /// The `Sec-WebSocket-Key` sent: 16 random bytes, base64.
    public let key: String

    /// Uses a given key (tests, or a key chosen elsewhere).
    public init(key: String) {
        self.key = key
    }

    /// Draws the key from `generator`.
    public init(using generator: inout some RandomNumberGenerator) {
        var nonce: [UInt8] = []
        nonce.reserveCapacity(16)
        for _ in 0..<16 { nonce.append(UInt8.random(in: .min ... .max, using: &generator)) }
        self.key = Base64.encode(nonce)
    }

    /// Draws the key from the system's random number generator.
    public init() {
        var generator = SystemRandomNumberGenerator()
        self.init(using: &generator)
    }

    /// The request bytes for `path` (with any query) on `host` (with `:port` when not default).
    public func request(host: String, path: String, extraHeaders: [(name: String, value: String)] = []) -> [UInt8] {
        var text = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
        for header in extraHeaders {
            text += "\(header.name): \(header.value)\r\n"
        }
        text += "\r\n"
        return Array(text.utf8)
    }

    /// The verdict on the server's response.
    public enum Verdict: Sendable, Hashable {
        case accepted
        case rejected(String)
    }

    /// Checks a parsed response: 101, `Upgrade: websocket`, `Connection: upgrade`, the right
    /// `Sec-WebSocket-Accept`, and no extension or subprotocol (none was offered).
    public func validate(status: Int, headers: [(name: String, value: String)]) -> Verdict {
        guard status == 101 else { return .rejected("status \(status), expected 101") }
        guard HTTPHeaderMatching.hasToken("websocket", in: "Upgrade", headers: headers) else {
            return .rejected("missing Upgrade: websocket")
        }
        guard HTTPHeaderMatching.hasToken("upgrade", in: "Connection", headers: headers) else {
            return .rejected("missing Connection: upgrade")
        }
        let accepts = HTTPHeaderMatching.values("Sec-WebSocket-Accept", in: headers)
        let expected = WebSocketHandshake.accept(key: key)
        guard accepts.count == 1, HTTPHeaderMatching.trimmed(accepts[0][...]) == expected[...] else {
            return .rejected("Sec-WebSocket-Accept does not match the key")
        }
        guard HTTPHeaderMatching.values("Sec-WebSocket-Extensions", in: headers).isEmpty else {
            return .rejected("server chose an extension that was not offered")
        }
        guard HTTPHeaderMatching.values("Sec-WebSocket-Protocol", in: headers).isEmpty else {
            return .rejected("server chose a subprotocol that was not offered")
        }
        return .accepted
    }
}
