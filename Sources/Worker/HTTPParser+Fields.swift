import Glibc

/// The request line and header fields, checked byte by byte (RFC 9110 §5, RFC 9112 §3).
extension HTTPParser {
    /// `METHOD SP target SP HTTP/1.x`; nil when it is acceptable.
    mutating func parseRequestLine(_ line: UnsafeRawBufferPointer) -> HTTPStatus? {
        guard let sp1 = HTTPBytes.index(of: 0x20, in: line, from: 0), sp1 > 0,
              let sp2 = HTTPBytes.index(of: 0x20, in: line, from: sp1 + 1), sp2 > sp1 + 1 else { return .badRequest }
        let method = UnsafeRawBufferPointer(rebasing: line[..<sp1])
        let target = UnsafeRawBufferPointer(rebasing: line[(sp1 + 1)..<sp2])
        let version = UnsafeRawBufferPointer(rebasing: line[(sp2 + 1)...])
        guard method.allSatisfy(HTTPBytes.isToken), let origin = Self.originStart(target) else { return .badRequest }
        switch Self.version(version) {
        case .success(let v): head.version = v
        case .failure(let failure): return failure.status
        }
        head.method = HTTPMethod(method)
        head.setTarget(UnsafeRawBufferPointer(rebasing: target[origin...]))
        return nil
    }

    /// One `name: value` line; nil when it is acceptable.
    mutating func parseHeader(_ line: UnsafeRawBufferPointer) -> HTTPStatus? {
        head.headerCount += 1
        if head.headerCount > limits.maxHeaderCount { return .headerFieldsTooLarge }
        // A line starting with whitespace is an obsolete continuation (RFC 9112 §5.2): refuse.
        guard let colon = HTTPBytes.index(of: UInt8(ascii: ":"), in: line, from: 0), colon > 0, !HTTPBytes.isSpace(line[0]) else {
            return .badRequest
        }
        let name = UnsafeRawBufferPointer(rebasing: line[..<colon])
        let value = HTTPBytes.trimmed(UnsafeRawBufferPointer(rebasing: line[(colon + 1)...]))
        guard name.allSatisfy(HTTPBytes.isToken), value.allSatisfy(HTTPBytes.isFieldByte) else { return .badRequest }
        return interpret(name: name, value: value)
    }

    /// Remembers the fields that frame the message.
    private mutating func interpret(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> HTTPStatus? {
        if HTTPBytes.equalsLowercased(name, "host") {
            head.hostCount += 1
        } else if HTTPBytes.equalsLowercased(name, "content-length") {
            guard let length = HTTPBytes.decimal(value), head.contentLength == nil || head.contentLength == length else {
                return .badRequest
            }
            if length > limits.maxBody { return .payloadTooLarge }
            head.contentLength = length
        } else if HTTPBytes.equalsLowercased(name, "transfer-encoding") {
            head.transferEncoding = true
        } else if HTTPBytes.equalsLowercased(name, "connection") {
            for option in value.split(separator: UInt8(ascii: ",")) {
                let token = HTTPBytes.trimmed(UnsafeRawBufferPointer(rebasing: option))
                if HTTPBytes.equalsLowercased(token, "close") { head.connectionClose = true }
                if HTTPBytes.equalsLowercased(token, "keep-alive") { head.connectionKeepAlive = true }
                if HTTPBytes.equalsLowercased(token, "upgrade") { head.keep("Connection", token) }
            }
        } else if name.count == 6 && HTTPBytes.equalsLowercased(name, "expect") {
            head.expectContinue = HTTPBytes.equalsLowercased(value, "100-continue")
        } else if name.count == 6 && HTTPBytes.equalsLowercased(name, "origin") {
            head.origin = String(decoding: value, as: UTF8.self)
        } else if name.count == 13 && HTTPBytes.equalsLowercased(name, "if-none-match") {
            head.ifNoneMatch = String(decoding: value, as: UTF8.self)
        } else if name.count >= 7 {
            interpretUpgrade(name: name, value: value)
        }
        return nil
    }

    /// The WebSocket handshake's fields; lengths are compared first, so other fields cost little.
    private mutating func interpretUpgrade(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        if HTTPBytes.equalsLowercased(name, "upgrade") {
            head.upgradeSeen = true
            head.keep("Upgrade", value)
        } else if HTTPBytes.equalsLowercased(name, "sec-websocket-key") {
            head.keep("Sec-WebSocket-Key", value)
        } else if HTTPBytes.equalsLowercased(name, "sec-websocket-version") {
            head.keep("Sec-WebSocket-Version", value)
        }
    }

    /// Why a version is refused.
    struct VersionFailure: Error {
        let status: HTTPStatus
    }

    /// `HTTP/1.1` or `HTTP/1.0`; another well-formed version is 505, anything else 400.
    static func version(_ bytes: UnsafeRawBufferPointer) -> Result<HTTPVersion, VersionFailure> {
        guard bytes.count == 8, bytes[0] == UInt8(ascii: "H"), bytes[1] == UInt8(ascii: "T"), bytes[2] == UInt8(ascii: "T"),
              bytes[3] == UInt8(ascii: "P"), bytes[4] == UInt8(ascii: "/"), bytes[6] == UInt8(ascii: "."),
              HTTPBytes.isDigit(bytes[5]), HTTPBytes.isDigit(bytes[7]) else {
            return .failure(VersionFailure(status: .badRequest))
        }
        switch (bytes[5], bytes[7]) {
        case (UInt8(ascii: "1"), UInt8(ascii: "1")): return .success(.http11)
        case (UInt8(ascii: "1"), UInt8(ascii: "0")): return .success(.http10)
        default: return .failure(VersionFailure(status: .versionNotSupported))
        }
    }

    /// Where the origin-form path starts in a target: at 0 when it starts with `/` (or is `*`),
    /// after the authority of an absolute-form `http(s)://host/path` (at the end when there is no
    /// path); nil for anything else or any byte outside VCHAR.
    static func originStart(_ target: UnsafeRawBufferPointer) -> Int? {
        guard !target.isEmpty, target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        if target[0] == UInt8(ascii: "/") || (target.count == 1 && target[0] == UInt8(ascii: "*")) { return 0 }
        for scheme in ["http://", "https://"] where HTTPBytes.startsLowercased(target, scheme) {
            return HTTPBytes.index(of: UInt8(ascii: "/"), in: target, from: scheme.utf8.count) ?? target.count
        }
        return nil
    }
}

/// Byte classes and small scanners for HTTP text.
enum HTTPBytes {
    /// The index of the first `byte` in `bytes` at or after `start` (memchr).
    @inline(__always) static func index(of byte: UInt8, in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress,
              let found = memchr(base + start, Int32(byte), bytes.count - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

    /// tchar (RFC 9110 §5.6.2).
    @inline(__always) static func isToken(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), 0x30...0x39: true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"): true
        default: false
        }
    }

    /// A byte allowed inside a field value: visible, space, tab, or obs-text.
    @inline(__always) static func isFieldByte(_ b: UInt8) -> Bool { b >= 0x20 ? b != 0x7F : b == 0x09 }

    /// `bytes` without leading and trailing spaces and tabs.
    static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard let start = bytes.firstIndex(where: { !isSpace($0) }) else { return UnsafeRawBufferPointer(rebasing: bytes[0..<0]) }
        let end = bytes.lastIndex(where: { !isSpace($0) })!
        return UnsafeRawBufferPointer(rebasing: bytes[start...end])
    }

    /// Whether token bytes equal `lowercase` ignoring ASCII case.
    static func equalsLowercased(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        lowercase.withUTF8Buffer { expected in
            expected.count == bytes.count && zip(bytes, expected).allSatisfy { lower($0) == $1 }
        }
    }

    static func startsLowercased(_ bytes: UnsafeRawBufferPointer, _ prefix: String) -> Bool {
        bytes.count >= prefix.utf8.count && zip(bytes, prefix.utf8).allSatisfy { lower($0) == $1 }
    }

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 {
        b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b
    }

    /// A non-negative decimal of at most 18 digits; nil for anything else.
    static func decimal(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for b in bytes {
            guard isDigit(b) else { return nil }
            value = value * 10 + Int(b - 0x30)
        }
        return value
    }
}
