/// The typed commands the cache needs. Keys are UTF-8 text; values are bytes.
extension RedisClient {
    /// How long a SET keeps its value.
    public enum Expiry: Equatable, Sendable {
        case seconds(Int)        // EX
        case milliseconds(Int)   // PX
    }

    /// GET: the value, or nil when the key does not exist.
    public func get(_ key: String) throws(RedisError) -> [UInt8]? {
        switch try command(bytes: [Array("GET".utf8), Array(key.utf8)]) {
        case .bulk(let value): return value
        case .null: return nil
        case let other: throw .unexpectedReply("GET answered \(other.summary)")
        }
    }

    /// SET, with EX or PX when `expiry` is given.
    public func set(_ key: String, _ value: [UInt8], expiry: Expiry? = nil) throws(RedisError) {
        var arguments: [[UInt8]] = [Array("SET".utf8), Array(key.utf8), value]
        switch expiry {
        case .seconds(let s): arguments += [Array("EX".utf8), Array(String(s).utf8)]
        case .milliseconds(let ms): arguments += [Array("PX".utf8), Array(String(ms).utf8)]
        case nil: break
        }
        try expectOK(command(bytes: arguments), "SET")
    }

    /// DEL: how many of `keys` existed.
    @discardableResult
    public func del(_ keys: [String]) throws(RedisError) -> Int {
        keys.isEmpty ? 0 : try integer(["DEL"] + keys)
    }

    /// UNLINK (DEL that frees memory in the background): how many of `keys` existed.
    @discardableResult
    public func unlink(_ keys: [String]) throws(RedisError) -> Int {
        keys.isEmpty ? 0 : try integer(["UNLINK"] + keys)
    }

    /// PING, expecting PONG.
    public func ping() throws(RedisError) {
        let reply = try command(["PING"])
        guard reply == .status("PONG") else { throw .unexpectedReply("PING answered \(reply.summary)") }
    }

    /// INCR: the new value.
    public func incr(_ key: String) throws(RedisError) -> Int64 {
        Int64(try integer(["INCR", key]))
    }

    /// PTTL: milliseconds left; -1 without expiry, -2 when the key does not exist.
    public func pttl(_ key: String) throws(RedisError) -> Int64 {
        Int64(try integer(["PTTL", key]))
    }

    /// One SCAN step: the next cursor ("0" when the walk is complete) and the keys matching
    /// the glob `pattern` in this step (possibly none; a key may come twice across steps).
    public func scan(cursor: String, match pattern: String, count: Int) throws(RedisError) -> (cursor: String, keys: [String]) {
        let reply = try command(["SCAN", cursor, "MATCH", pattern, "COUNT", String(count)])
        guard case .array(let parts) = reply, parts.count == 2,
              case .bulk(let next) = parts[0], case .array(let items) = parts[1] else {
            throw .unexpectedReply("SCAN answered \(reply.summary)")
        }
        var keys: [String] = []
        keys.reserveCapacity(items.count)
        for item in items {
            guard case .bulk(let key) = item else { throw .unexpectedReply("SCAN listed \(item.summary)") }
            keys.append(String(decoding: key, as: UTF8.self))
        }
        return (String(decoding: next, as: UTF8.self), keys)
    }

    /// Walks SCAN MATCH `pattern` for at most `maxSteps` steps of `count`; returns the distinct
    /// keys found and whether the walk completed.
    public func scanKeys(matching pattern: String, count: Int = 1000, maxSteps: Int = 100) throws(RedisError) -> (keys: [String], complete: Bool) {
        var seen = Set<String>()
        var cursor = "0"
        for _ in 0..<maxSteps {
            let step = try scan(cursor: cursor, match: pattern, count: count)
            seen.formUnion(step.keys)
            cursor = step.cursor
            if cursor == "0" { return (seen.sorted(), true) }
        }
        return (seen.sorted(), false)
    }

    private func integer(_ arguments: [String]) throws(RedisError) -> Int {
        let reply = try command(arguments)
        guard case .integer(let n) = reply else { throw .unexpectedReply("\(arguments[0]) answered \(reply.summary)") }
        return Int(n)
    }

    /// `text` with the glob characters of SCAN MATCH (`* ? [ ] \`) escaped, so it matches itself.
    public static func globEscaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            if ch == "*" || ch == "?" || ch == "[" || ch == "]" || ch == "\\" { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}
