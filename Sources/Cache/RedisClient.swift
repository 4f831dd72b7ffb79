import CHiredis
import Glibc

/// One blocking hiredis connection, made for a background thread: connect with a timeout,
/// every command bounded by `commandTimeoutMs` (`SO_RCVTIMEO`/`SO_SNDTIMEO`), binary-safe
/// arguments through `redisCommandArgv`.
///
/// A connection that fails (`c->err`: EOF, reset, timeout, protocol error) is freed at once
/// and never used again: every later call throws `.connectionLost`. Make a new client to
/// reconnect (`ResponseCache` does, at most once per interval).
///
/// Not thread-safe: one thread at a time. hiredis writes with write(2), so the process must
/// ignore SIGPIPE (the tterminal roles and `ResponseCache.init` do).
public final class RedisClient {
    public let url: RedisURL
    public let commandTimeoutMs: Int
    private var context: UnsafeMutablePointer<redisContext>?
    /// Why the connection was closed, for the `.connectionLost` of later calls.
    private var closedBecause: RedisError?

    /// Connects, then sets the command timeout, AUTHs when the URL has a password and
    /// SELECTs the database when it is not 0.
    public init(_ url: RedisURL, connectTimeoutMs: Int = 500, commandTimeoutMs: Int = 200) throws(RedisError) {
        self.url = url
        self.commandTimeoutMs = commandTimeoutMs
        guard let c = redisConnectWithTimeout(url.host, Int32(url.port), Self.timeval(millis: connectTimeoutMs)) else {
            throw .connectFailed("hiredis could not allocate a context")
        }
        let savedErrno = errno
        context = c
        if c.pointee.err != 0 {
            let error = Self.connectError(c, errno: savedErrno, url: url)
            close(because: error)
            throw error
        }
        guard redisSetTimeout(c, Self.timeval(millis: commandTimeoutMs)) == REDIS_OK else {
            let error = RedisError.connectFailed("cannot set the command timeout on \(url)")
            close(because: error)
            throw error
        }
        do {
            if let password = url.password {
                try expectOK(command(["AUTH"] + (url.username.map { [$0] } ?? []) + [password]), "AUTH")
            }
            if url.database != 0 { try expectOK(command(["SELECT", String(url.database)]), "SELECT") }
        } catch {
            close(because: error)
            throw error
        }
    }

    /// Parses `url` and connects.
    public convenience init(url: String, connectTimeoutMs: Int = 500, commandTimeoutMs: Int = 200) throws(RedisError) {
        try self.init(RedisURL(parsing: url), connectTimeoutMs: connectTimeoutMs, commandTimeoutMs: commandTimeoutMs)
    }

    deinit { if let context { redisFree(context) } }

    /// False once the connection has failed or been closed.
    public var isConnected: Bool { context != nil }

    /// Frees the connection; later calls throw `.connectionLost`.
    public func close() { close(because: .connectionLost("closed by its owner")) }

    private func close(because error: RedisError) {
        guard let c = context else { return }
        context = nil
        closedBecause = error
        redisFree(c)
    }

    /// Sends one command (text arguments) and waits for its reply.
    @discardableResult
    public func command(_ arguments: [String]) throws(RedisError) -> RedisReply {
        try command(bytes: arguments.map { Array($0.utf8) })
    }

    /// Sends one command with binary-safe arguments and waits for its reply. A top-level
    /// error reply throws `.server`; a broken connection throws and closes the client.
    @discardableResult
    public func command(bytes arguments: [[UInt8]]) throws(RedisError) -> RedisReply {
        precondition(!arguments.isEmpty, "a Redis command needs a name")
        guard let c = context else { throw .connectionLost("closed after: \(closedBecause?.description ?? "close()")") }
        let (raw, savedErrno) = Self.send(c, arguments)
        if c.pointee.err != 0 || raw == nil {
            if let raw { freeReplyObject(raw) }
            let error = Self.commandError(c, errno: savedErrno)
            close(because: error)
            throw error
        }
        defer { freeReplyObject(raw) }
        let reply = RedisReply(UnsafePointer(raw!.assumingMemoryBound(to: redisReply.self)))
        if case .error(let message) = reply { throw .server(message) }
        return reply
    }

    /// One contiguous copy of the arguments, so a single `withUnsafeBufferPointer` can hand
    /// hiredis a pointer and length per argument (zero bytes and empty values included).
    private static func send(_ c: UnsafeMutablePointer<redisContext>, _ arguments: [[UInt8]]) -> (UnsafeMutableRawPointer?, Int32) {
        var flat: [UInt8] = []
        flat.reserveCapacity(arguments.reduce(1) { $0 + $1.count })
        var lengths: [Int] = []
        lengths.reserveCapacity(arguments.count)
        for argument in arguments {
            flat.append(contentsOf: argument)
            lengths.append(argument.count)
        }
        flat.append(0)   // never empty, so the base address exists even for empty arguments
        return flat.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!)
            var offset = 0
            var pointers: [UnsafePointer<CChar>?] = []
            pointers.reserveCapacity(lengths.count)
            for length in lengths {
                pointers.append((base + offset).assumingMemoryBound(to: CChar.self))
                offset += length
            }
            return pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeBufferPointer { argvlen in
                    let reply = redisCommandArgv(c, Int32(argv.count), argv.baseAddress, argvlen.baseAddress)
                    return (reply, errno)
                }
            }
        }
    }

    func expectOK(_ reply: RedisReply, _ name: String) throws(RedisError) {
        guard case .status = reply else { throw .unexpectedReply("\(name) answered \(reply.summary)") }
    }

    private static func message(_ c: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: c.pointee.errstr) { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let end = bytes.firstIndex(of: 0) ?? bytes.count
            return String(decoding: bytes[..<end], as: UTF8.self)
        }
    }

    private static func connectError(_ c: UnsafeMutablePointer<redisContext>, errno saved: Int32, url: RedisURL) -> RedisError {
        let text = "\(url): \(message(c))"
        return saved == ETIMEDOUT ? .timeout("connect to \(text)") : .connectFailed(text)
    }

    private static func commandError(_ c: UnsafeMutablePointer<redisContext>, errno saved: Int32) -> RedisError {
        let text = message(c)
        switch c.pointee.err {
        case REDIS_ERR_IO where saved == EAGAIN || saved == EWOULDBLOCK || saved == ETIMEDOUT:
            return .timeout(text.isEmpty ? "no reply in time" : text)
        case 0:
            return .connectionLost("hiredis returned no reply")
        default:
            return .connectionLost(text)
        }
    }

    static func timeval(millis: Int) -> Glibc.timeval {
        Glibc.timeval(tv_sec: millis / 1000, tv_usec: (millis % 1000) * 1000)
    }
}
