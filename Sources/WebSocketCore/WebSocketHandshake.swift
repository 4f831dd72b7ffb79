/// An HTTP version as the request line gave it.
public struct WebSocketHTTPVersion: Sendable, Hashable {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }
}

/// The server side of the opening handshake (RFC 6455 §4.2), over an already-parsed request.
public enum WebSocketHandshake {
    /// The GUID appended to the key before hashing (RFC 6455 §1.3).
    public static let magicGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// What to answer an upgrade request with.
    public enum ServerDecision: Sendable, Hashable {
        /// Send `response` (a complete 101) and switch the connection to frames.
        case accept(response: [UInt8])
        /// Send `response` (400 or 426), then close; `reason` is for logs.
        case refuse(status: Int, reason: String, response: [UInt8])
    }

    /// `base64(SHA-1(key + GUID))`, the value of `Sec-WebSocket-Accept`.
    public static func accept(key: String) -> String {
        var sha = SHA1()
        sha.update(key.utf8)
        sha.update(magicGUID.utf8)
        return Base64.encode(sha.finalize())
    }

    /// Checks an upgrade request. `headers` names are matched case-insensitively; `Upgrade` and
    /// `Connection` are token lists. No subprotocol or extension is ever negotiated.
    public static func serverDecision(
        method: String, version: WebSocketHTTPVersion, headers: [(name: String, value: String)]
    ) -> ServerDecision {
        guard method == "GET" else { return badRequest("method \(method) is not GET") }
        guard version.major > 1 || (version.major == 1 && version.minor >= 1) else {
            return badRequest("HTTP/\(version.major).\(version.minor) cannot upgrade")
        }
        guard HTTPHeaderMatching.hasToken("websocket", in: "Upgrade", headers: headers) else {
            return badRequest("missing Upgrade: websocket")
        }
        guard HTTPHeaderMatching.hasToken("upgrade", in: "Connection", headers: headers) else {
            return badRequest("missing Connection: upgrade")
        }
        let versions = HTTPHeaderMatching.values("Sec-WebSocket-Version", in: headers)
        guard versions.count == 1, HTTPHeaderMatching.trimmed(versions[0][...]) == "13" else {
            return upgradeRequired()
        }
        let keys = HTTPHeaderMatching.values("Sec-WebSocket-Key", in: headers)
        guard keys.count == 1 else { return badRequest("expected one Sec-WebSocket-Key") }
        let key = String(HTTPHeaderMatching.trimmed(keys[0][...]))
        guard Base64.decode(key)?.count == 16 else { return badRequest("Sec-WebSocket-Key is not 16 bytes of base64") }
        let response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: \(accept(key: key))\r\n\r\n"
        return .accept(response: Array(response.utf8))
    }

    private static func badRequest(_ reason: String) -> ServerDecision {
        let head = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\n"
            + "Content-Length: \(reason.utf8.count)\r\n\r\n"
        return .refuse(status: 400, reason: reason, response: Array((head + reason).utf8))
    }

    private static func upgradeRequired() -> ServerDecision {
        let response = "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nConnection: close\r\n"
            + "Content-Length: 0\r\n\r\n"
        return .refuse(status: 426, reason: "Sec-WebSocket-Version must be 13", response: Array(response.utf8))
    }
}
