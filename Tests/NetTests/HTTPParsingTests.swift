import Testing
@testable import Net

/// Feeds `input` to a body decoder in pieces of `step` bytes; returns the body and what was left.
func decodeBody(_ framing: HTTPBodyDecoder.Framing, _ input: String, step: Int, limit: Int = 1 << 20) throws(NetError) -> (body: String, rest: String, complete: Bool) {
    var decoder = HTTPBodyDecoder(framing: framing, limit: limit)
    let bytes = Array(input.utf8)
    var offset = 0
    var rest: [UInt8] = []
    while offset < bytes.count {
        let piece = Array(bytes[offset..<min(bytes.count, offset + step)])
        offset += piece.count
        let result: Result<(Bool, [UInt8]), NetError> = piece.withUnsafeBytes { raw in
            var window = raw
            do throws(NetError) {
                let complete = try decoder.consume(&window)
                return .success((complete, Array(window)))
            } catch {
                return .failure(error)
            }
        }
        let (complete, left) = try result.get()
        if complete {
            rest = left + bytes[offset...]
            break
        }
        #expect(left.isEmpty)
    }
    return (String(decoding: decoder.body, as: UTF8.self), String(decoding: rest, as: UTF8.self), decoder.isComplete)
}

func parseHead(_ text: String) throws(NetError) -> HTTPResponseHead {
    let bytes = Array(text.utf8)
    let result: Result<HTTPResponseHead, NetError> = bytes.withUnsafeBytes { raw in
        guard let end = HTTPResponseHead.end(in: raw) else { return .failure(NetError(.protocolViolation, "incomplete")) }
        do throws(NetError) { return .success(try HTTPResponseHead.parse(UnsafeRawBufferPointer(rebasing: raw[..<end]))) } catch { return .failure(error) }
    }
    return try result.get()
}

@Suite("HTTP response parsing")
struct HTTPParsingTests {
    @Test("a head is found only once its blank line is complete, with CRLF or bare LF")
    func headEnd() {
        let text = Array("HTTP/1.1 200 OK\r\nA: b\r\n\r\nBODY".utf8)
        text.withUnsafeBytes { raw in
            for cut in 0..<text.count {
                let end = HTTPResponseHead.end(in: UnsafeRawBufferPointer(rebasing: raw[..<cut]))
                #expect(end == (cut >= 25 ? 25 : nil), "cut \(cut)")
            }
            #expect(HTTPResponseHead.end(in: raw, from: 20) == 25)
        }
        Array("HTTP/1.1 200 OK\nA: b\n\nX".utf8).withUnsafeBytes { #expect(HTTPResponseHead.end(in: $0) == 22) }
    }

    @Test("status, reason and headers are parsed, names matched case-insensitively")
    func head() throws {
        let head = try parseHead("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nX-MBX-USED-WEIGHT-1M: 1201\r\nConnection: keep-alive, Upgrade\r\n\r\n")
        #expect(head.status == 429)
        #expect(head.reason == "Too Many Requests")
        #expect(head.header("retry-after") == "7")
        #expect(head.header("x-mbx-used-weight-1m") == "1201")
        #expect(head.hasToken("upgrade", in: "connection"))
        #expect(head.minorVersion == 1)
    }

    @Test("a malformed status line or header is a protocol violation", arguments: [
        "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "SSH-2.0\r\n\r\n", "HTTP/1.1 200 OK\r\n folded\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
    ])
    func badHead(_ text: String) {
        #expect(throws: NetError.self) { try parseHead(text) }
    }

    @Test("Content-Length bodies stop at the length, fed whole or byte by byte", arguments: [1, 2, 7, 1000])
    func contentLength(step: Int) throws {
        let r = try decodeBody(.length(11), "hello worldNEXT", step: step)
        #expect(r.body == "hello world")
        #expect(r.rest == "NEXT")
        #expect(r.complete)
    }

    @Test("chunked bodies with extensions and trailers decode the same whatever the piece size", arguments: [1, 3, 5, 1000])
    func chunked(step: Int) throws {
        let wire = "5;name=x\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nTrailer: t\r\n\r\nNEXT"
        let r = try decodeBody(.chunked, wire, step: step)
        #expect(r.body == "hello 0123456789")
        #expect(r.rest == "NEXT")
        #expect(r.complete)
    }

    @Test("broken chunk framing is a protocol violation", arguments: ["x\r\n", "5\r\nhelloXX", "\r\n", ";\r\n"])
    func badChunks(_ wire: String) {
        #expect(throws: NetError.self) { try decodeBody(.chunked, wire, step: 1) }
    }

    @Test("a body over the limit is tooLarge")
    func limit() {
        do {
            _ = try decodeBody(.chunked, "10\r\n0123456789abcdef\r\n0\r\n\r\n", step: 4, limit: 8)
            Issue.record("no error")
        } catch {
            #expect(error.kind == .tooLarge)
        }
    }

    @Test("a close-delimited body ends at end of stream; a length-framed one is truncated there")
    func endOfStream() throws {
        var open = HTTPBodyDecoder(framing: .untilClose, limit: 100)
        try open.finishAtEndOfStream()
        #expect(open.isComplete)
        var framed = HTTPBodyDecoder(framing: .length(5), limit: 100)
        #expect(throws: NetError.self) { try framed.finishAtEndOfStream() }
    }

    @Test("framing follows RFC 9112: no body for HEAD and 204, chunked over length, close-delimited otherwise")
    func framing() throws {
        let plain = try parseHead("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n")
        #expect(try HTTPBodyDecoder.framing(for: plain, method: "GET") == .length(3))
        #expect(try HTTPBodyDecoder.framing(for: plain, method: "HEAD") == HTTPBodyDecoder.Framing.none)
        let both = try parseHead("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
        #expect(try HTTPBodyDecoder.framing(for: both, method: "GET") == .chunked)
        let empty = try parseHead("HTTP/1.1 204 No Content\r\n\r\n")
        #expect(try HTTPBodyDecoder.framing(for: empty, method: "GET") == HTTPBodyDecoder.Framing.none)
        let bare = try parseHead("HTTP/1.0 200 OK\r\n\r\n")
        #expect(try HTTPBodyDecoder.framing(for: bare, method: "GET") == .untilClose)
        let conflicting = try parseHead("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n")
        #expect(throws: NetError.self) { try HTTPBodyDecoder.framing(for: conflicting, method: "GET") }
    }
}
