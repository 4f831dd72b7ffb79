/// Reads an HTTP/1.1 response body as its framing says (RFC 9112 §6.3): a Content-Length, chunked
/// transfer coding, or everything until the connection closes. Incremental: feed it whatever
/// arrived; it consumes body bytes from the front and leaves anything after the body alone.
struct HTTPBodyDecoder {
    /// How the body's end is found.
    enum Framing: Equatable {
        /// No body (HEAD, 1xx, 204, 304).
        case none
        case length(Int)
        case chunked
        /// Until the server closes the connection.
        case untilClose
    }

    /// Where the chunked decoder is.
    private enum ChunkState: Equatable {
        /// Reading a chunk-size line: the value so far, digits seen, and whether an extension began.
        case size(value: Int, digits: Int, inExtension: Bool)
        case data(remaining: Int)
        /// After a chunk's data: its CRLF.
        case dataEnd(sawCR: Bool)
        /// After the last chunk: trailer lines until an empty one; `lineLength` of the current.
        case trailer(lineLength: Int)
        case done
    }

    let framing: Framing
    let limit: Int
    private(set) var body: [UInt8] = []
    private(set) var isComplete: Bool
    private var chunk = ChunkState.size(value: 0, digits: 0, inExtension: false)
    /// Bytes of chunk-size lines and trailers, bounded so a hostile server cannot feed them forever.
    private var overhead = 0
    private static let maxOverhead = 64 << 10

    init(framing: Framing, limit: Int) {
        self.framing = framing
        self.limit = limit
        switch framing {
        case .none, .length(0): isComplete = true
        default: isComplete = false
        }
    }

    /// The framing of a response to `method` with `head` (RFC 9112 §6.3).
    static func framing(for head: HTTPResponseHead, method: String) throws(NetError) -> Framing {
        if method == "HEAD" || (100..<200).contains(head.status) || head.status == 204 || head.status == 304 { return .none }
        let codings = head.values("Transfer-Encoding")
        if !codings.isEmpty {
            let last = codings.last?.split(separator: ",").last.map { HTTPResponseHead.trim($0) } ?? ""
            return HTTPResponseHead.sameName(last, "chunked") ? .chunked : .untilClose
        }
        let lengths = head.values("Content-Length").flatMap { $0.split(separator: ",").map { HTTPResponseHead.trim($0) } }
        guard let first = lengths.first else { return .untilClose }
        guard lengths.allSatisfy({ $0 == first }), first.allSatisfy({ $0.isASCII && $0.isNumber }), let length = Int(first) else {
            throw NetError(.protocolViolation, "invalid Content-Length \(lengths.joined(separator: ", "))")
        }
        return .length(length)
    }

    /// Consumes body bytes from the front of `bytes`; true once the body is complete.
    mutating func consume(_ bytes: inout UnsafeRawBufferPointer) throws(NetError) -> Bool {
        switch framing {
        case .none:
            break
        case .length(let length):
            try take(&bytes, upTo: length - body.count)
            isComplete = body.count == length
        case .untilClose:
            try take(&bytes, upTo: bytes.count)
        case .chunked:
            try consumeChunked(&bytes)
        }
        return isComplete
    }

    /// The connection ended: that completes a close-delimited body; anything else was cut short.
    mutating func finishAtEndOfStream() throws(NetError) {
        if isComplete { return }
        guard framing == .untilClose else {
            throw NetError(.closed, "the connection closed inside the body (\(body.count) bytes received)")
        }
        isComplete = true
    }

    private mutating func take(_ bytes: inout UnsafeRawBufferPointer, upTo wanted: Int) throws(NetError) {
        let n = min(wanted, bytes.count)
        guard body.count + n <= limit else { throw NetError(.tooLarge, "response body exceeds \(limit) bytes") }
        body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<n]))
        bytes = UnsafeRawBufferPointer(rebasing: bytes[n...])
    }

    private mutating func consumeChunked(_ bytes: inout UnsafeRawBufferPointer) throws(NetError) {
        while !bytes.isEmpty, chunk != .done {
            if case .data(let remaining) = chunk {
                let before = bytes.count
                try take(&bytes, upTo: remaining)
                let left = remaining - (before - bytes.count)
                chunk = left == 0 ? .dataEnd(sawCR: false) : .data(remaining: left)
                continue
            }
            let byte = bytes[0]
            bytes = UnsafeRawBufferPointer(rebasing: bytes[1...])
            overhead += 1
            guard overhead <= Self.maxOverhead else { throw NetError(.tooLarge, "chunk framing exceeds \(Self.maxOverhead) bytes") }
            try step(byte)
        }
        isComplete = chunk == .done
    }

    /// Advances the chunked state by one framing byte.
    private mutating func step(_ byte: UInt8) throws(NetError) {
        switch chunk {
        case .size(let value, let digits, let inExtension):
            if byte == 0x0A {
                guard digits > 0 else { throw NetError(.protocolViolation, "chunk size line without a size") }
                chunk = value == 0 ? .trailer(lineLength: 0) : .data(remaining: value)
            } else if inExtension || byte == 0x0D {
                break
            } else if byte == 0x3B || byte == 0x20 || byte == 0x09 {
                guard digits > 0 else { throw NetError(.protocolViolation, "chunk size line without a size") }
                chunk = .size(value: value, digits: digits, inExtension: true)
            } else if let digit = Self.hexValue(byte), digits < 15 {
                chunk = .size(value: value << 4 | digit, digits: digits + 1, inExtension: false)
            } else {
                throw NetError(.protocolViolation, "invalid chunk size byte 0x\(String(byte, radix: 16))")
            }
        case .dataEnd(let sawCR):
            if byte == 0x0D, !sawCR {
                chunk = .dataEnd(sawCR: true)
            } else if byte == 0x0A {
                chunk = .size(value: 0, digits: 0, inExtension: false)
            } else {
                throw NetError(.protocolViolation, "chunk data is not followed by CRLF")
            }
        case .trailer(let lineLength):
            if byte == 0x0A {
                chunk = lineLength == 0 ? .done : .trailer(lineLength: 0)
            } else if byte != 0x0D {
                chunk = .trailer(lineLength: lineLength + 1)
            }
        case .data, .done:
            preconditionFailure("framing byte in state \(chunk)")
        }
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte - 0x30)
        case 0x41...0x46: Int(byte - 0x41 + 10)
        case 0x61...0x66: Int(byte - 0x61 + 10)
        default: nil
        }
    }
}
