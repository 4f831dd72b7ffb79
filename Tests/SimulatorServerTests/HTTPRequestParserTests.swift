@testable import SimulatorServer
import Testing

@Suite("The server-side HTTP request parser")
struct HTTPRequestParserTests {
    let two = "GET /api/v3/depth?symbol=BTCUSDT&limit=5 HTTP/1.1\r\nHost: x\r\nX-A:  b \r\n\r\n"
        + "POST /sim/fault?kind=drop&symbols=%5B%22A%22%5D HTTP/1.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"

    func requests(_ chunks: [[UInt8]]) -> [HTTPRequest] {
        var p = HTTPRequestParser()
        var out: [HTTPRequest] = []
        for c in chunks {
            p.feed(c)
            while case .request(let r) = p.next() { out.append(r) }
        }
        return out
    }

    func check(_ rs: [HTTPRequest]) {
        #expect(rs.count == 2)
        guard rs.count == 2 else { return }
        #expect(rs[0].method == "GET" && rs[0].path == "/api/v3/depth")
        #expect(rs[0].parameter("symbol") == "BTCUSDT" && rs[0].parameter("limit") == "5")
        #expect(rs[0].header("x-a") == "b" && rs[0].keepAlive)
        #expect(rs[1].method == "POST" && rs[1].body == Array("abc".utf8) && !rs[1].keepAlive)
        #expect(rs[1].parameter("symbols") == "[\"A\"]")
    }

    @Test("the same pipelined requests parse alike fed all at once and byte by byte")
    func feeding() {
        let bytes = Array(two.utf8)
        check(requests([bytes]))
        check(requests(bytes.map { [$0] }))
        check(requests([Array(bytes[..<40]), Array(bytes[40..<100]), Array(bytes[100...])]))
    }

    @Test("bare LF line ends are accepted; leftover bytes after a request stay for the upgrade")
    func leftovers() {
        var p = HTTPRequestParser()
        p.feed(Array("GET /ws HTTP/1.1\nUpgrade: websocket\n\n\u{81}\u{80}".utf8))
        guard case .request(let r) = p.next() else { Issue.record("no request"); return }
        #expect(r.isUpgrade && r.path == "/ws")
        #expect(p.takeRemainder() == [0xC2, 0x81, 0xC2, 0x80])
    }

    @Test("broken requests are errors with a status, not traps")
    func broken() {
        func status(_ text: String) -> Int? {
            var p = HTTPRequestParser()
            p.feed(Array(text.utf8))
            if case .error(let s, _) = p.next() { return s }
            return nil
        }
        #expect(status("GARBAGE\r\n\r\n") == 400)
        #expect(status("GET /x HTTP/2.0\r\n\r\n") == 505)
        #expect(status("GET /x HTTP/1.1\r\nno colon\r\n\r\n") == 400)
        #expect(status("GET /x HTTP/1.1\r\nContent-Length: -4\r\n\r\n") == 400)
        #expect(status("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") == 501)
        #expect(status("GET /x HTTP/1.1\r\nX: " + String(repeating: "a", count: 20_000)) == 431)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var p = HTTPRequestParser()
            p.feed((0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            _ = p.next()
        }
    }

    @Test("percent-decoding: %XX in path and query, + as space in the query only, bad escapes kept")
    func decoding() {
        let (path, query) = URLDecoding.split(target: "/a%20b+c?x=1+2&y=%4&z")
        #expect(path == "/a b+c")
        #expect(query.map(\.0) == ["x", "y", "z"] && query.map(\.1) == ["1 2", "%4", ""])
    }
}
