import Testing
@testable import Net

@Suite("Endpoint parsing")
struct EndpointTests {
    @Test("a wss URL with a port, path and query keeps them all")
    func full() throws {
        let e = try Endpoint(parsing: "wss://Stream.Binance.com:9443/stream?streams=btcusdt@trade/ethusdt@depth@100ms")
        #expect(e.scheme == .wss)
        #expect(e.host == "stream.binance.com")
        #expect(e.port == 9443)
        #expect(e.path == "/stream?streams=btcusdt@trade/ethusdt@depth@100ms")
        #expect(e.isSecure)
        #expect(e.hostHeader == "stream.binance.com:9443")
    }

    @Test("default ports are 80 and 443 and the path defaults to /")
    func defaults() throws {
        #expect(try Endpoint(parsing: "ws://127.0.0.1").port == 80)
        #expect(try Endpoint(parsing: "https://api.binance.com").port == 443)
        #expect(try Endpoint(parsing: "https://api.binance.com").path == "/")
        #expect(try Endpoint(parsing: "http://h?x=1").path == "/?x=1")
        #expect(try Endpoint(parsing: "https://api.binance.com:443/x").hostHeader == "api.binance.com")
        #expect(try Endpoint(parsing: "http://h/p#frag").path == "/p")
    }

    @Test("bad URLs are refused as invalidURL", arguments: [
        "stream.binance.com:9443", "ftp://h/", "wss://:9443/", "wss://h:0/", "wss://h:65536/", "wss://h:x/",
        "wss://user@h/", "wss://[::1]:80/", "wss://h h/", "wss://h:/",
    ])
    func invalid(_ url: String) {
        #expect(throws: NetError.self) { try Endpoint(parsing: url) }
        do { _ = try Endpoint(parsing: url) } catch { #expect(error.kind == .invalidURL) }
    }

    @Test("appending adds below the base path and with replaces it")
    func paths() throws {
        let base = try Endpoint(parsing: "https://h/api/")
        #expect(base.appending(path: "/v3/depth?symbol=X").path == "/api/v3/depth?symbol=X")
        #expect(base.appending(path: "v3/time").path == "/api/v3/time")
        #expect(try Endpoint(parsing: "https://h").appending(path: "/fapi/v1/time").path == "/fapi/v1/time")
        #expect(base.with(path: "/x").path == "/x")
        #expect(base.with(path: "x").description == "https://h/x")
    }
}
