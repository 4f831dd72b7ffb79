import Testing
@testable import Cache

@Suite("Redis URLs")
struct RedisURLTests {
    @Test("host, port and database are read from redis://host:port/db")
    func plain() throws {
        let url = try RedisURL(parsing: "redis://127.0.0.1:56379/3")
        #expect(url == RedisURL(host: "127.0.0.1", port: 56379, database: 3))
    }

    @Test("a password comes from redis://:password@host:port/db")
    func password() throws {
        let url = try RedisURL(parsing: "redis://:s3cret@cache.local:6380/1")
        #expect(url == RedisURL(host: "cache.local", port: 6380, database: 1, password: "s3cret"))
    }

    @Test("an ACL user and a percent-encoded password are read")
    func userAndEscapes() throws {
        let url = try RedisURL(parsing: "redis://app:p%40ss%3Aword@h:1/0")
        #expect(url.username == "app")
        #expect(url.password == "p@ss:word")
        #expect(url.host == "h")
    }

    @Test("missing parts take the defaults: 127.0.0.1, 6379, database 0")
    func defaults() throws {
        #expect(try RedisURL(parsing: "redis://") == RedisURL())
        #expect(try RedisURL(parsing: "redis://h") == RedisURL(host: "h"))
        #expect(try RedisURL(parsing: "redis://h:7000") == RedisURL(host: "h", port: 7000))
        #expect(try RedisURL(parsing: "redis://h/") == RedisURL(host: "h"))
        #expect(try RedisURL(parsing: "redis://h:7000/2?timeout=1") == RedisURL(host: "h", port: 7000, database: 2))
    }

    @Test("an IPv6 literal is written in brackets")
    func ipv6() throws {
        #expect(try RedisURL(parsing: "redis://[::1]:6379/0") == RedisURL(host: "::1"))
    }

    @Test("bad URLs are refused with invalidURL", arguments: [
        "http://h:1/0", "rediss://h:1/0", "redis://h:0/0", "redis://h:70000/0", "redis://h:port/0",
        "redis://h:1/x", "redis://h:1/-1", "redis://[::1/0", "redis://:%zz@h/0", "",
    ])
    func refused(_ text: String) {
        #expect(throws: RedisError.self) { try RedisURL(parsing: text) }
        do { _ = try RedisURL(parsing: text) } catch {
            guard case .invalidURL = error else { Issue.record("expected invalidURL, got \(error)"); return }
        }
    }

    @Test("descriptions and errors never show the password")
    func redaction() throws {
        let url = try RedisURL(parsing: "redis://:s3cret@h:1/0")
        #expect(url.description == "redis://:***@h:1/0")
        do { _ = try RedisURL(parsing: "http://:s3cret@h:1/0") } catch {
            #expect(!error.description.contains("s3cret"))
        }
    }
}
