/// An incremental HTTP/1.1 response parser for `loadtest rest`: one byte at a time over an
/// explicit state, so a response cut anywhere needs no carried bytes and nothing is allocated.
/// It reads the status line, `Content-Length` and skips the body; `Transfer-Encoding` (chunked)
/// is refused, as is a response with neither a length nor a status that has no body.
public struct RESTResponseParser: Sendable {
    /// What `parse` found.
    public enum Outcome: Equatable, Sendable {
        /// The bytes ended inside a response.
        case needMore
        /// A whole response; `consumed` bytes of the input were its last ones.
        case response(status: Int, consumed: Int)
        /// Not a response this harness can read.
        case malformed(Malformation)
    }

    /// Why a response could not be read.
    public enum Malformation: String, Equatable, Sendable {
        case statusLine = "bad status line"
        case header = "bad header line"
        case contentLength = "bad Content-Length"
        case chunked = "Transfer-Encoding is not supported (chunked)"
        case noLength = "no Content-Length"
        case tooLong = "header block longer than 16 KiB"
    }

    enum State: Sendable {
        /// `HTTP/1.x NNN`: `index` bytes of it read.
        case statusLine(index: Int)
        /// The rest of the status line, to its LF.
        case reason
        /// At the start of a header line (an empty one ends the block).
        case lineStart
        /// A header name: `index` bytes matched against the names it may still be.
        case name(index: Int, candidates: UInt8)
        /// A value: `kind` says which header it belongs to.
        case value(kind: HeaderKind)
        /// The CR of the empty line was read.
        case endOfHead
        case body
    }

    enum HeaderKind: Sendable {
        case other, contentLength, transferEncoding
    }

    static let statusPrefix: [UInt8] = Array("HTTP/1.".utf8)
    static let contentLength: [UInt8] = Array("content-length".utf8)
    static let transferEncoding: [UInt8] = Array("transfer-encoding".utf8)
    static let headLimit = 16 << 10

    var state = State.statusLine(index: 0)
    var status = 0
    var length: Int?
    var remaining = 0
    var headBytes = 0

    public init() {}

    /// Reads as much of `bytes` as belongs to the current response. After `.response` the
    /// parser is ready for the next one (call again with the bytes after `consumed`); after
    /// `.malformed` it must be reset.
    public mutating func parse(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        var index = 0
        while index < bytes.count {
            if case .body = state {
                let take = min(remaining, bytes.count - index)
                remaining -= take
                index += take
                if remaining == 0 { return finish(consumed: index) }
                return .needMore
            }
            headBytes += 1
            if headBytes > Self.headLimit { return .malformed(.tooLong) }
            if let problem = step(bytes[index]) { return .malformed(problem) }
            index += 1
            if case .body = state, remaining == 0 { return finish(consumed: index) }
        }
        return .needMore
    }

    public mutating func reset() { self = RESTResponseParser() }

    private mutating func finish(consumed: Int) -> Outcome {
        let done = status
        reset()
        return .response(status: done, consumed: consumed)
    }

    /// One byte of the head; a malformation ends the response.
    private mutating func step(_ byte: UInt8) -> Malformation? {
        switch state {
        case .statusLine(let index):
            return statusByte(byte, index)
        case .reason:
            if byte == UInt8(ascii: "\n") { state = .lineStart }
        case .lineStart:
            if byte == UInt8(ascii: "\r") { state = .endOfHead; return nil }
            if byte == UInt8(ascii: "\n") { return endHead() }
            state = .name(index: 0, candidates: 0b11)
            return nameByte(byte, 0, 0b11)
        case .name(let index, let candidates):
            return nameByte(byte, index, candidates)
        case .value(let kind):
            return valueByte(byte, kind)
        case .endOfHead:
            return byte == UInt8(ascii: "\n") ? endHead() : .header
        case .body:
            break
        }
        return nil
    }

    private mutating func statusByte(_ byte: UInt8, _ index: Int) -> Malformation? {
        switch index {
        case 0..<7:
            guard byte == Self.statusPrefix[index] else { return .statusLine }
        case 7:
            guard byte == UInt8(ascii: "0") || byte == UInt8(ascii: "1") else { return .statusLine }
        case 8:
            guard byte == UInt8(ascii: " ") else { return .statusLine }
        default:
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return .statusLine }
            status = status * 10 + Int(byte - UInt8(ascii: "0"))
            if index == 11 {
                guard status >= 100 else { return .statusLine }
                state = .reason
                return nil
            }
        }
        state = .statusLine(index: index + 1)
        return nil
    }

    /// Matches the name case-insensitively against Content-Length (bit 0) and
    /// Transfer-Encoding (bit 1) as it arrives.
    private mutating func nameByte(_ byte: UInt8, _ index: Int, _ candidates: UInt8) -> Malformation? {
        if byte == UInt8(ascii: ":") {
            var kind = HeaderKind.other
            if candidates & 1 != 0 && index == Self.contentLength.count { kind = .contentLength }
            if candidates & 2 != 0 && index == Self.transferEncoding.count { kind = .transferEncoding }
            if kind == .contentLength && length != nil { return .contentLength }
            state = .value(kind: kind)
            return nil
        }
        guard byte > 0x20, byte < 0x7F else { return .header }
        let lower = byte | 0x20
        var still = candidates
        if index >= Self.contentLength.count || Self.contentLength[index] != lower { still &= ~1 }
        if index >= Self.transferEncoding.count || Self.transferEncoding[index] != lower { still &= ~2 }
        state = .name(index: index + 1, candidates: still)
        return nil
    }

    private mutating func valueByte(_ byte: UInt8, _ kind: HeaderKind) -> Malformation? {
        if byte == UInt8(ascii: "\n") {
            if kind == .contentLength && length == nil { return .contentLength }
            state = .lineStart
            return nil
        }
        switch kind {
        case .other:
            return nil
        case .transferEncoding:
            return byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") ? nil : .chunked
        case .contentLength:
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") { return nil }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return .contentLength }
            let value = (length ?? 0) * 10 + Int(byte - UInt8(ascii: "0"))
            guard value < 1 << 40 else { return .contentLength }
            length = value
            return nil
        }
    }

    /// The empty line: the body follows, of `Content-Length` bytes (none for 1xx, 204, 304).
    private mutating func endHead() -> Malformation? {
        if status < 200 || status == 204 || status == 304 {
            remaining = 0
        } else {
            guard let length else { return .noLength }
            remaining = length
        }
        state = .body
        return nil
    }
}
