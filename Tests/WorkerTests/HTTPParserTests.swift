import Testing
@testable import Worker

/// The parser frames requests the same way whatever the chunking, with HTTP/1.0 and 1.1 keep-alive rules.
@Suite("HTTP parser: requests and keep-alive")
struct HTTPParserTests {
    typealias H = ParserHarness

    static let pipeline = "GET /api/v1/health HTTP/1.1\r\nHost: a\r\n\r\n"
        + "POST /orders?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
        + "HEAD /api/v1/health HTTP/1.1\r\nhost: a\r\nConnection: close\r\n\r\n"

    static let expected: [HTTPParseResult] = [
        H.request(.get, "/api/v1/health"),
        H.request(.post, "/orders?x=1", body: "hello"),
        H.request(.head, "/api/v1/health", keepAlive: false),
    ]

    @Test("the same pipelined requests give the same results however the bytes arrive",
          arguments: ParserHarness.Feeding.allCases)
    func feedings(_ feeding: ParserHarness.Feeding) {
        #expect(H.results(Self.pipeline, feeding) == Self.expected)
    }

    @Test("many requests in one buffer come out one per call, in order")
    func manyPerBuffer() {
        let text = (0..<50).map { "GET /r\($0) HTTP/1.1\r\nHost: h\r\n\r\n" }.joined()
        let results = H.results(text, .allAtOnce)
        #expect(results == (0..<50).map { H.request(.get, "/r\($0)") })
    }

    @Test("a parser holding half a request is not idle, and is idle again after it")
    func idleness() {
        var parser = HTTPParser()
        #expect(parser.isIdle)
        let head = Array("GET / HTTP/1.1\r\nHo".utf8)
        head.withUnsafeBytes { raw in
            var input = raw
            #expect(parser.parse(&input) == .needMoreData)
        }
        #expect(!parser.isIdle)
        Array("st: x\r\n\r\n".utf8).withUnsafeBytes { raw in
            var input = raw
            #expect(parser.parse(&input) == H.request(.get, "/"))
        }
        #expect(parser.isIdle)
    }

    @Test("HTTP/1.1 keeps the connection open unless Connection: close")
    func http11KeepAlive() {
        #expect(H.outcome("GET / HTTP/1.1\r\nHost: h\r\n\r\n") == H.request(.get, "/", keepAlive: true))
        #expect(H.outcome("GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n") == H.request(.get, "/", keepAlive: false))
        #expect(H.outcome("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, close\r\n\r\n")
            == H.request(.get, "/", keepAlive: false))
    }

    @Test("HTTP/1.0 closes unless Connection: keep-alive, and needs no Host")
    func http10KeepAlive() {
        #expect(H.outcome("GET / HTTP/1.0\r\n\r\n") == H.request(.get, "/", .http10, keepAlive: false))
        #expect(H.outcome("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n") == H.request(.get, "/", .http10, keepAlive: true))
        #expect(H.outcome("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n")
            == H.request(.get, "/", .http10, keepAlive: false))
    }

    @Test("blank lines before a request are skipped and bare LF line ends are accepted")
    func leniency() {
        #expect(H.outcome("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n") == H.request(.get, "/"))
        #expect(H.outcome("GET / HTTP/1.1\nHost: h\n\n") == H.request(.get, "/"))
    }

    @Test("an absolute-form target becomes its path")
    func absoluteForm() {
        #expect(H.outcome("GET http://example.com/a/b?c HTTP/1.1\r\nHost: h\r\n\r\n") == H.request(.get, "/a/b?c"))
        #expect(H.outcome("GET https://example.com HTTP/1.1\r\nHost: h\r\n\r\n") == H.request(.get, "/"))
    }

    @Test("the target splits into path and query at the first question mark")
    func pathAndQuery() {
        #expect(H.outcome("GET /api/v1/klines?symbol=BTCUSDT&q=a?b HTTP/1.1\r\nHost: h\r\n\r\n")
            == .request(HTTPRequest(method: .get, path: "/api/v1/klines", query: "symbol=BTCUSDT&q=a?b")))
        #expect(H.outcome("GET /x? HTTP/1.1\r\nHost: h\r\n\r\n") == .request(HTTPRequest(method: .get, path: "/x", query: "")))
        #expect(HTTPRequest(method: .get, path: "/a", query: "b=1").target == "/a?b=1")
    }

    @Test("a body split over many reads is gathered whole")
    func splitBody() {
        let body = String(repeating: "x", count: 10_000)
        let text = "PUT /b HTTP/1.1\r\nHost: h\r\nContent-Length: 10000\r\n\r\n" + body
        for feeding in ParserHarness.Feeding.allCases {
            #expect(H.results(text, feeding) == [H.request(.put, "/b", body: body)])
        }
    }
}
