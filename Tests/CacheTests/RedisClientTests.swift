import Glibc
import Posix
import TestServices
import Testing
@testable import Cache

@Suite("Redis client on the shared Redis", .serialized, .enabled(if: redisURL != nil, "needs REDIS_URL (make services starts Redis on 127.0.0.1:56379)"))
struct RedisClientTests {
    let space = testSpace + "client:"

    @Test("binary values with zero bytes round-trip, and an empty value is not a missing key")
    func binary() throws {
        defer { clean(space) }
        let client = try sharedClient()
        try client.set(space + "bin", everyByte)
        #expect(try client.get(space + "bin") == everyByte)
        try client.set(space + "empty", [])
        #expect(try client.get(space + "empty") == [])
        #expect(try client.get(space + "absent") == nil)
        let key = space + "key\u{0}with nul"
        try client.set(key, [0])
        #expect(try client.get(key) == [0])
    }

    @Test("a 1 MiB value round-trips byte for byte")
    func big() throws {
        defer { clean(space) }
        let client = try sharedClient()
        let value = patterned(1 << 20)
        try client.set(space + "big", value, expiry: .seconds(60))
        #expect(try client.get(space + "big") == value)
    }

    @Test("SET PX and EX set TTLs that PTTL reads back, and a short one expires")
    func ttl() throws {
        defer { clean(space) }
        let client = try sharedClient()
        try client.set(space + "px", [1], expiry: .milliseconds(5_000))
        #expect((1...5_000).contains(try client.pttl(space + "px")))
        try client.set(space + "ex", [1], expiry: .seconds(7))
        #expect((5_001...7_000).contains(try client.pttl(space + "ex")))
        try client.set(space + "plain", [1])
        #expect(try client.pttl(space + "plain") == -1)
        try client.set(space + "short", [1], expiry: .milliseconds(30))
        sleepMillis(80)
        #expect(try client.get(space + "short") == nil)
        #expect(try client.pttl(space + "short") == -2)
    }

    @Test("DEL, UNLINK and INCR answer counts")
    func counts() throws {
        defer { clean(space) }
        let client = try sharedClient()
        for k in ["a", "b", "c"] { try client.set(space + k, [1]) }
        #expect(try client.del([space + "a", space + "nope"]) == 1)
        #expect(try client.unlink([space + "b", space + "c", space + "b"]) == 2)
        #expect(try client.unlink([]) == 0)
        #expect(try client.incr(space + "n") == 1)
        #expect(try client.incr(space + "n") == 2)
        try client.ping()
    }

    @Test("SCAN by pattern finds exactly the matching keys")
    func scan() throws {
        defer { clean(space) }
        let client = try sharedClient()
        let wanted = (0..<40).map { space + "s:\($0)" }
        for k in wanted + [space + "t:1", space + "s"] { try client.set(k, [1]) }
        let found = try client.scanKeys(matching: RedisClient.globEscaped(space + "s:") + "*", count: 7)
        #expect(found.complete)
        #expect(found.keys == wanted.sorted())
    }

    @Test("an error reply is a server error and the connection stays usable")
    func serverError() throws {
        defer { clean(space) }
        let client = try sharedClient()
        try client.set(space + "text", Array("abc".utf8))
        #expect {
            _ = try client.incr(space + "text")
        } throws: { error in
            guard let e = error as? RedisError, case .server(let text) = e else { return false }
            return text.contains("not an integer")
        }
        #expect(client.isConnected)
        try client.ping()
    }

    @Test("the URL's database is SELECTed")
    func select() throws {
        defer { clean(space) }
        var url = try RedisURL(parsing: redisURL!)
        let zero = try RedisClient(url)
        url.database = url.database == 9 ? 8 : 9
        let other = try RedisClient(url)
        defer { _ = try? other.del([space + "db"]) }
        try other.set(space + "db", [7])
        #expect(try other.get(space + "db") == [7])
        #expect(try zero.get(space + "db") == nil)
    }

    @Test("a host name is resolved")
    func hostName() throws {
        var url = try RedisURL(parsing: redisURL!)
        guard url.host == "127.0.0.1" else { return }
        url.host = "localhost"
        try RedisClient(url).ping()
    }

    @Test("a command that outlasts the timeout closes the connection for good")
    func commandTimeout() throws {
        let client = try sharedClient(commandTimeoutMs: 100)
        let started = Clock.monotonicNanos()
        #expect {
            _ = try client.command(["BLPOP", space + "never", "2"])
        } throws: { error in
            guard let e = error as? RedisError, case .timeout = e else { return false }
            return true
        }
        #expect(Clock.monotonicNanos() - started < 1_500_000_000)
        #expect(!client.isConnected)
        #expect {
            try client.ping()
        } throws: { error in
            guard let e = error as? RedisError, case .connectionLost(let why) = e else { return false }
            return why.contains("timeout")
        }
    }
}

@Suite("Redis client without the shared Redis", .serialized)
struct RedisClientConnectTests {
    @Test("a closed port is connectFailed")
    func refused() {
        #expect {
            _ = try RedisClient(RedisURL(port: 1), connectTimeoutMs: 200)
        } throws: { error in
            guard let e = error as? RedisError, case .connectFailed(let text) = e else { return false }
            return text.contains("refused")
        }
    }

    @Test("a server that accepts but never answers is a timeout")
    func silent() throws {
        let listener = try Socket.listen(host: "127.0.0.1", port: 0, backlog: 8)
        defer { close(listener) }
        let client = try RedisClient(RedisURL(port: Int(Socket.localPort(listener))), commandTimeoutMs: 100)
        #expect(throws: RedisError.timeout("Resource temporarily unavailable")) { try client.ping() }
        #expect(!client.isConnected)
    }

    @Test("AUTH uses the URL's password; without it or with a wrong one Redis refuses",
          .enabled(if: PrivateRedis.binary != nil, "needs redis-server in /usr/bin or /usr/local/bin"))
    func auth() throws {
        Signals.ignorePipe()
        let server = try PrivateRedis(offset: 250, extraArguments: ["--requirepass", "s3cret"])
        defer { server.stop() }
        let good = try RedisClient(url: "redis://:s3cret@127.0.0.1:\(server.port)/2")
        try good.ping()
        let anonymous = try RedisClient(url: "redis://127.0.0.1:\(server.port)/0")
        #expect {
            try anonymous.ping()
        } throws: { error in
            guard let e = error as? RedisError, case .server(let text) = e else { return false }
            return text.hasPrefix("NOAUTH")
        }
        #expect {
            _ = try RedisClient(url: "redis://:wrong@127.0.0.1:\(server.port)/0")
        } throws: { error in
            guard let e = error as? RedisError, case .server(let text) = e else { return false }
            return text.contains("WRONGPASS") || text.contains("invalid password")
        }
    }
}
