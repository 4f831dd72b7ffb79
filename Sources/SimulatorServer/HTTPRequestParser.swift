import WebSocketCore

/// Incremental HTTP/1.x request parser for the simulator's server side: feed bytes as they
/// arrive, take requests one at a time (pipelined requests wait in the buffer). Bodies need a
/// `Content-Length`; chunked uploads are refused.
public struct HTTPRequestParser: Sendable {
    public enum Result: Sendable {
        case needMoreData
        case request(HTTPRequest)
        /// The request is broken; answer with `status` and close.
        case error(status: Int, reason: String)
    }

    public static let maxHeaderBytes = 16 << 10
    public static let maxBodyBytes = 1 << 20
    private var buffer: [UInt8] = []
    /// Where the search for the end of the header block resumes.
    private var scanned = 0
    private var failed: (Int, String)?

    public init() {}

    public mutating func feed(_ bytes: UnsafeRawBufferPointer) { buffer.append(contentsOf: bytes) }

    public mutating func feed(_ bytes: [UInt8]) { buffer.append(contentsOf: bytes) }

    /// Bytes received after the last request taken (the first WebSocket frames after an upgrade).
    public mutating func takeRemainder() -> [UInt8] {
        defer { buffer.removeAll(); scanned = 0 }
        return buffer
    }

    public var hasBufferedBytes: Bool { !buffer.isEmpty }

    public mutating func next() -> Result {
        if let failed { return .error(status: failed.0, reason: failed.1) }
        guard let headerEnd = findHeaderEnd() else {
            if buffer.count > Self.maxHeaderBytes { return fail(431, "request header block exceeds \(Self.maxHeaderBytes) bytes") }
            return .needMoreData
        }
        guard headerEnd.bodyStart <= Self.maxHeaderBytes else {
            return fail(431, "request header block exceeds \(Self.maxHeaderBytes) bytes")
        }
        var request: HTTPRequest
        switch Self.parseHead(buffer[..<headerEnd.headEnd]) {
        case .failure(let e): return fail(e.status, e.reason)
        case .success(let r): request = r
        }
        var length = 0
        if request.header("Transfer-Encoding") != nil { return fail(501, "chunked request bodies are not supported") }
        if let cl = request.header("Content-Length") {
            guard let n = Int(cl.trimmingSpaces), n >= 0 else { return fail(400, "bad Content-Length") }
            guard n <= Self.maxBodyBytes else { return fail(413, "body exceeds \(Self.maxBodyBytes) bytes") }
            length = n
        }
        guard buffer.count >= headerEnd.bodyStart + length else { return .needMoreData }
        request.body = Array(buffer[headerEnd.bodyStart..<headerEnd.bodyStart + length])
        buffer.removeFirst(headerEnd.bodyStart + length)
        scanned = 0
        return .request(request)
    }

    private mutating func fail(_ status: Int, _ reason: String) -> Result {
        failed = (status, reason)
        return .error(status: status, reason: reason)
    }

    /// The end of the head (`headEnd`, before the blank line) and where the body starts; a
    /// blank line is CRLF CRLF or, leniently, LF LF.
    private mutating func findHeaderEnd() -> (headEnd: Int, bodyStart: Int)? {
        var i = max(scanned, 1)
        while i < buffer.count {
            if buffer[i] == 0x0A {
                if buffer[i - 1] == 0x0A { return (i - 1, i + 1) }
                if i >= 2, buffer[i - 1] == 0x0D, buffer[i - 2] == 0x0A { return (i - 2, i + 1) }
            }
            i += 1
        }
        scanned = max(1, buffer.count - 1)
        return nil
    }

    struct HeadError: Error {
        var status: Int
        var reason: String
    }

    static func parseHead(_ head: ArraySlice<UInt8>) -> Swift.Result<HTTPRequest, HeadError> {
        var lines = head.split(separator: 0x0A, omittingEmptySubsequences: false).map { line -> String in
            var l = line
            if l.last == 0x0D { l = l.dropLast() }
            return String(decoding: l, as: UTF8.self)
        }
        while lines.first?.isEmpty == true { lines.removeFirst() }  // RFC 9112 §2.2: ignore leading blank lines
        guard let requestLine = lines.first else { return .failure(HeadError(status: 400, reason: "empty request")) }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy({ $0.isUppercase }),
              parts[1].first == "/" || parts[1] == "*" else {
            return .failure(HeadError(status: 400, reason: "malformed request line"))
        }
        guard let version = parseVersion(parts[2]) else {
            return .failure(HeadError(status: 505, reason: "unsupported protocol \(parts[2])"))
        }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex,
                  !line[..<colon].contains(" ") else {
                return .failure(HeadError(status: 400, reason: "malformed header line"))
            }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingSpaces))
        }
        let target = String(parts[1])
        let (path, query) = URLDecoding.split(target: target)
        return .success(HTTPRequest(method: String(parts[0]), target: target, path: path, query: query,
                                    version: version, headers: headers))
    }

    static func parseVersion(_ s: Substring) -> WebSocketHTTPVersion? {
        guard s.hasPrefix("HTTP/"), s.count == 8 else { return nil }
        let digits = Array(s.utf8.dropFirst(5))
        guard digits[1] == UInt8(ascii: "."), (48...57).contains(digits[0]), (48...57).contains(digits[2]),
              digits[0] == UInt8(ascii: "1") else { return nil }
        return WebSocketHTTPVersion(major: 1, minor: Int(digits[2] - 48))
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
