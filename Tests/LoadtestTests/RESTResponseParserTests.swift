import Testing
@testable import Loadtest

/// The response parser: however the bytes are cut, the same responses; bad input said plainly.
@Suite("REST response parser")
struct RESTResponseParserTests {
    static let ok = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-LENGTH: 5\r\n\r\nhello".utf8)
    static let notFound = Array("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".utf8)
    static let noContent = Array("HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n".utf8)

    /// Feeds `bytes` in pieces of `chunk`, and returns the statuses or the first malformation.
    static func feed(_ bytes: [UInt8], chunk: Int) -> (statuses: [Int], problem: RESTResponseParser.Malformation?) {
        var parser = RESTResponseParser()
        var statuses: [Int] = []
        var start = 0
        while start < bytes.count {
            let piece = Array(bytes[start..<min(bytes.count, start + chunk)])
            start += chunk
            var offset = 0
            while offset < piece.count {
                let outcome = piece.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
                switch outcome {
                case .needMore: offset = piece.count
                case .response(let status, let consumed): statuses.append(status); offset += consumed
                case .malformed(let problem): return (statuses, problem)
                }
            }
        }
        return (statuses, nil)
    }

    @Test("three responses parse the same byte by byte, in pieces and all at once", arguments: [1, 2, 7, 64, 4096])
    func splitReads(chunk: Int) {
        let (statuses, problem) = Self.feed(Self.ok + Self.notFound + Self.noContent + Self.ok, chunk: chunk)
        #expect(problem == nil)
        #expect(statuses == [200, 404, 204, 200])
    }

    @Test("a response cut before its body ends needs more")
    func partialBody() {
        var parser = RESTResponseParser()
        let outcome = Array(Self.ok.dropLast(2)).withUnsafeBytes { parser.parse($0) }
        #expect(outcome == .needMore)
        let rest = Array(Self.ok.suffix(2)).withUnsafeBytes { parser.parse($0) }
        #expect(rest == .response(status: 200, consumed: 2))
    }

    @Test("chunked transfer encoding is refused clearly")
    func chunked() {
        let bytes = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".utf8)
        #expect(Self.feed(bytes, chunk: 3).problem == .chunked)
    }

    @Test("bad input is malformed", arguments: [
        ("HTTP/2 200 OK\r\n\r\n", RESTResponseParser.Malformation.statusLine),
        ("HTTP/1.1 2x0 OK\r\n\r\n", .statusLine),
        ("SSH-2.0-OpenSSH\r\n", .statusLine),
        ("HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n", .contentLength),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", .contentLength),
        ("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", .noLength),
        ("HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n", .header),
    ])
    func malformed(text: String, expected: RESTResponseParser.Malformation) {
        #expect(Self.feed(Array(text.utf8), chunk: 1).problem == expected)
        #expect(Self.feed(Array(text.utf8), chunk: 1000).problem == expected)
    }

    @Test("an endless header block stops at 16 KiB")
    func tooLong() {
        let bytes = Array("HTTP/1.1 200 OK\r\nX: ".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 20_000)
        #expect(Self.feed(bytes, chunk: 4096).problem == .tooLong)
    }
}
