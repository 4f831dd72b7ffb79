import Testing
@testable import Worker

/// Every limit and every malformed input gets its status.
@Suite("HTTP parser: limits and errors")
struct HTTPParserLimitTests {
    typealias H = ParserHarness

    @Test("a request line over 8 KiB gets 414, even before its end arrives")
    func longRequestLine() {
        let target = "/" + String(repeating: "a", count: 8 * 1024)
        #expect(H.outcome("GET \(target) HTTP/1.1\r\nHost: h\r\n\r\n") == .error(.uriTooLong))
        #expect(H.outcome("GET \(target)") == .error(.uriTooLong))
        let fits = "/" + String(repeating: "a", count: 8 * 1024 - 20)
        #expect(H.outcome("GET \(fits) HTTP/1.1\r\nHost: h\r\n\r\n") == H.request(.get, fits))
    }

    @Test("headers over 16 KiB in total get 431")
    func largeHeaders() {
        let field = "X-Big: " + String(repeating: "b", count: 4000) + "\r\n"
        let text = "GET / HTTP/1.1\r\nHost: h\r\n" + String(repeating: field, count: 5) + "\r\n"
        for feeding in ParserHarness.Feeding.allCases {
            #expect(H.results(text, feeding) == [.error(.headerFieldsTooLarge)])
        }
    }

    @Test("more than 100 header lines get 431")
    func manyHeaders() {
        let fields = (0..<101).map { "X-\($0): v\r\n" }.joined()
        #expect(H.outcome("GET / HTTP/1.1\r\n\(fields)\r\n") == .error(.headerFieldsTooLarge))
        let hundred = (0..<99).map { "X-\($0): v\r\n" }.joined()
        #expect(H.outcome("GET / HTTP/1.1\r\nHost: h\r\n\(hundred)\r\n") == H.request(.get, "/"))
    }

    @Test("a body over 1 MiB gets 413 from its Content-Length alone")
    func largeBody() {
        #expect(H.outcome("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1048577\r\n\r\n") == .error(.payloadTooLarge))
    }

    @Test("chunked request bodies get 501")
    func chunked() {
        #expect(H.outcome("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
            == .error(.notImplemented))
    }

    @Test("an unsupported but well-formed version gets 505")
    func unsupportedVersion() {
        #expect(H.outcome("GET / HTTP/2.0\r\nHost: h\r\n\r\n") == .error(.versionNotSupported))
        #expect(H.outcome("GET / HTTP/0.9\r\n\r\n") == .error(.versionNotSupported))
    }

    @Test("malformed requests get 400", arguments: [
        "GET /\r\n\r\n",
        "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1 \r\nHost: h\r\n\r\n",
        "GET / HTTX/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.10\r\nHost: h\r\n\r\n",
        "G(T / HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET nopath HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET /a\u{7F}b HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nBad Name: v\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nName : v\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{01}b\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    ])
    func malformed(_ text: String) {
        #expect(H.outcome(text) == .error(.badRequest))
    }

    @Test("an error is final: the parser answers it again for any further input")
    func errorsAreFinal() {
        var parser = HTTPParser()
        Array("BAD\r\n".utf8).withUnsafeBytes { raw in
            var input = raw
            #expect(parser.parse(&input) == .error(.badRequest))
        }
        Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8).withUnsafeBytes { raw in
            var input = raw
            #expect(parser.parse(&input) == .error(.badRequest))
        }
    }

    @Test("limits are configurable")
    func configurableLimits() {
        var limits = HTTPLimits()
        limits.maxRequestLine = 32
        limits.maxBody = 4
        #expect(H.outcome("GET /\(String(repeating: "a", count: 40)) HTTP/1.1\r\n", limits: limits) == .error(.uriTooLong))
        #expect(H.outcome("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n", limits: limits) == .error(.payloadTooLarge))
    }
}
