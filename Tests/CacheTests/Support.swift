import Glibc
import Posix
@testable import Cache

/// The shared Redis that `make services` starts; the tests that need it are skipped without it.
let redisURL: String? = getenv("REDIS_URL").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }

/// A key space of this test process on the shared Redis, so runs never see each other's keys.
let testSpace = "tt:test:\(getpid()):"

/// A client to the shared Redis.
func sharedClient(commandTimeoutMs: Int = 1_000) throws -> RedisClient {
    try RedisClient(url: redisURL!, commandTimeoutMs: commandTimeoutMs)
}

/// Deletes every key of `space` on the shared Redis.
func clean(_ space: String) {
    guard let client = try? sharedClient() else { return }
    if let found = try? client.scanKeys(matching: RedisClient.globEscaped(space) + "*") {
        _ = try? client.unlink(found.keys)
    }
}

/// Options for a cache confined to `space`.
func cacheOptions(_ space: String) -> ResponseCacheOptions {
    var options = ResponseCacheOptions()
    options.namespace = space
    return options
}

/// Bytes 0...255 then zeros: every byte value, NULs included.
let everyByte: [UInt8] = (0...255).map { UInt8($0) } + [0, 0, 0, 1, 0]

/// `count` bytes of a simple deterministic pattern (not all the same, so a shift would show).
func patterned(_ count: Int) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    var x: UInt32 = 2_463_534_242
    for i in 0..<count {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5
        out[i] = UInt8(truncatingIfNeeded: x)
    }
    return out
}

func sleepMillis(_ ms: Int) { usleep(useconds_t(ms * 1_000)) }
