import Glibc
import Market
import Posix

/// One answer of the REST API: a status, a JSON body and extra header lines.
public struct RESTResponse: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]
    /// Whole header lines, each ending in CRLF (`Cache-Control`, `X-Data-Count`, ...).
    public var headers: String
    /// Whether the loop may add an ETag and answer a matching `If-None-Match` with 304.
    public var taggable: Bool
    /// The ETag, when computed already (a cached answer): the loop hashes the body otherwise.
    public var etag: String?
    /// The body as a reference-counted buffer (a kept answer): queued by reference instead of
    /// copied into each connection's output.
    var shared: SharedBody?
    /// `headers` and the ETag line as bytes, made once for a kept answer.
    var headerBlock: [UInt8]?

    public init(status: Int, body: [UInt8], headers: String = "", taggable: Bool = true) {
        self.status = status
        self.body = body
        self.headers = headers
        self.taggable = taggable
    }

    /// 200 with `body`.
    public static func ok(_ body: [UInt8], headers: String = "") -> RESTResponse {
        RESTResponse(status: 200, body: body, headers: headers)
    }

    /// `{"error": message}` (the original's plain error shape).
    public static func error(_ status: Int, _ message: String) -> RESTResponse {
        var out = JSONBytes(capacity: 64 + message.utf8.count)
        out.raw("{")
        out.key("error", first: true)
        out.string(message)
        out.raw("}")
        return RESTResponse(status: status, body: out.bytes, taggable: false)
    }

    /// The aggregation group's `ErrorResponse`: `{"error","message","code","details":{...}}`.
    public static func failure(_ status: Int, error: String, message: String, code: String,
                               details: KeyValuePairs<String, String> = [:]) -> RESTResponse {
        var out = JSONBytes(capacity: 160)
        out.raw("{")
        out.key("error", first: true)
        out.string(error)
        out.key("message")
        out.string(message)
        out.key("code")
        out.string(code)
        if details.count > 0 {
            out.key("details")
            out.raw("{")
            for (i, (k, v)) in details.enumerated() {
                if i > 0 { out.raw(",") }
                out.string(k)
                out.raw(":")
                out.string(v)
            }
            out.raw("}")
        }
        out.raw("}")
        return RESTResponse(status: status, body: out.bytes, taggable: false)
    }

    /// `{"message": text}` (the framework's shape: 404, 405, 500).
    public static func message(_ status: Int, _ text: String) -> RESTResponse {
        var out = JSONBytes(capacity: 32 + text.utf8.count)
        out.raw("{")
        out.key("message", first: true)
        out.string(text)
        out.raw("}")
        return RESTResponse(status: status, body: out.bytes, taggable: false)
    }

    public static let notFound = RESTResponse.message(404, "Not Found")

    public static func == (a: RESTResponse, b: RESTResponse) -> Bool {
        a.status == b.status && a.body == b.body && a.headers == b.headers && a.taggable == b.taggable && a.etag == b.etag
    }
}

/// A body kept for many answers: the bytes once, shared by every send queue that holds it, and
/// a copy in a memfd, so an idle connection gets it by `sendfile` (pages handed to the socket,
/// as nginx serves a static file) instead of a copy from user memory per send.
final class SharedBody: @unchecked Sendable {
    let frame: SharedFrame
    /// The memfd holding the bytes, or -1 (none could be made, or too many are open).
    let file: Int32

    /// Memfds open for kept bodies in this process (the loop's thread makes and frees them).
    nonisolated(unsafe) static var openFiles = 0
    static let maxOpenFiles = 256

    init(_ bytes: [UInt8]) {
        let shared = SharedFrame(count: bytes.count)
        bytes.withUnsafeBytes { shared.bytes.copyMemory(from: $0) }
        frame = shared
        file = Self.openFiles < Self.maxOpenFiles ? Self.memfd(bytes) : -1
        if file >= 0 { Self.openFiles += 1 }
    }

    deinit {
        if file >= 0 {
            Glibc.close(file)
            Self.openFiles -= 1
        }
    }

    private static func memfd(_ bytes: [UInt8]) -> Int32 {
        guard let fd = try? SharedMemory.anonymous(size: bytes.count) else { return -1 }
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard written == bytes.count else {
            Glibc.close(fd)
            return -1
        }
        return fd
    }
}

/// What `WorkerHooks.api` did with a request.
public enum APIAnswer: Sendable {
    /// Answered at once.
    case response(RESTResponse)
    /// Handed to a background thread: the answer comes through `Broadcaster.answer(_:to:)`.
    /// Requests pipelined behind it wait.
    case later
}

/// A 64-bit FNV-1a of a body: the ETag of REST answers (weak validator semantics are enough:
/// equal bytes, equal tag).
enum BodyTag {
    static func of(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        let hex = String(h, radix: 16)
        return "\"" + String(repeating: "0", count: 16 - hex.count) + hex + "\""
    }

    /// Whether an `If-None-Match` value names `tag` (a list, `W/` prefixes, or `*`).
    static func matches(_ header: String, _ tag: String) -> Bool {
        for item in header.split(separator: ",") {
            var t = item.drop(while: { $0 == " " })
            while t.last == " " { t = t.dropLast() }
            if t == "*" { return true }
            if t.hasPrefix("W/") { t = t.dropFirst(2) }
            if t == tag { return true }
        }
        return false
    }
}
