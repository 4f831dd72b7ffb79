import CHiredis

/// One reply from Redis, copied out of hiredis's reply tree (which is freed right after).
public indirect enum RedisReply: Equatable, Sendable {
    /// A bulk string: binary-safe bytes.
    case bulk([UInt8])
    /// A status line such as `OK` or `PONG`.
    case status(String)
    case integer(Int64)
    /// A nil bulk or nil array (missing key, `SET … NX` not done).
    case null
    case array([RedisReply])
    /// An error reply; only nested ones (inside arrays) are kept, a top-level one is thrown.
    case error(String)

    /// Copies hiredis's reply (and its elements) into Swift values.
    init(_ reply: UnsafePointer<redisReply>) {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            self = .bulk(Self.bytes(r.str, r.len))
        case REDIS_REPLY_STATUS:
            self = .status(String(decoding: Self.bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            self = .error(String(decoding: Self.bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            self = .integer(Int64(r.integer))
        case REDIS_REPLY_ARRAY:
            var items: [RedisReply] = []
            items.reserveCapacity(Int(r.elements))
            for i in 0..<Int(r.elements) {
                if let element = r.element[i] { items.append(RedisReply(element)) } else { items.append(.null) }
            }
            self = .array(items)
        default:
            self = .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: count) { Array(UnsafeBufferPointer(start: $0, count: count)) }
    }

    /// A short description for `unexpectedReply` errors.
    var summary: String {
        switch self {
        case .bulk(let b): "bulk string of \(b.count) bytes"
        case .status(let s): "status \(s)"
        case .integer(let i): "integer \(i)"
        case .null: "nil"
        case .array(let a): "array of \(a.count)"
        case .error(let e): "error \(e)"
        }
    }
}
