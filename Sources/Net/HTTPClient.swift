import Posix
import Synchronization
import TLS

/// HTTP/1.1 requests to one server over one kept-alive connection: GET and POST, bodies framed
/// by Content-Length, chunked coding or the connection's close. When a reused connection turns
/// out to have been closed by the server before any answer, a GET or HEAD (or a request that
/// could not be written at all) is sent once more on a fresh one. Each request, retry included,
/// is bounded by `timeoutNs`.
///
/// One owner thread; only `interrupt()` may be called from other threads.
public final class HTTPClient: @unchecked Sendable {
    public let base: Endpoint
    public let timeoutNs: Int64
    /// The largest response body accepted.
    public let maxBodySize: Int
    /// The largest response head accepted.
    public let maxHeadSize: Int
    let tls: TLSContext?
    /// The kept connection; only the owner thread touches it.
    var connection: Transport? {
        didSet {
            current.withLock { $0 = connection }
            // An interrupt that found the old (or no) connection must still reach this one.
            if interrupted.load(ordering: .acquiring) { connection?.interrupt() }
        }
    }
    /// The same connection, for `interrupt()` from other threads.
    private let current = Mutex<Transport?>(nil)
    private let interrupted = Atomic<Bool>(false)
    let buffer = ByteBuffer(capacity: 64 << 10, limit: 1 << 30)
    /// Connections opened so far (a new one after each close; tests watch reuse with it).
    public internal(set) var connectionsOpened = 0
    /// Requests sent a second time because a reused connection had been closed under them.
    public internal(set) var retries = 0

    /// `base` gives scheme, host, port and a path prefix (used when not "/"). For https without
    /// a context, the system trust store is used.
    public init(base: Endpoint, tls: TLSContext?, timeoutNs: Int64, maxBodySize: Int = 64 << 20, maxHeadSize: Int = 64 << 10) {
        self.base = base
        self.tls = tls
        self.timeoutNs = timeoutNs
        self.maxBodySize = maxBodySize
        self.maxHeadSize = maxHeadSize
    }

    deinit { connection?.close() }

    /// GET `pathAndQuery` (below the base path).
    public func get(_ pathAndQuery: String, headers: [(String, String)] = []) throws(NetError) -> HTTPClientResponse {
        try request("GET", pathAndQuery, headers: headers, body: nil)
    }

    /// POST `body` to `pathAndQuery`.
    public func post(_ pathAndQuery: String, body: [UInt8], headers: [(String, String)] = []) throws(NetError) -> HTTPClientResponse {
        try request("POST", pathAndQuery, headers: headers, body: body)
    }

    /// Closes the kept connection, if any.
    public func close() {
        connection?.close()
        connection = nil
    }

    /// Makes a request in progress (or the next one) throw `.interrupted` promptly. Sticky;
    /// thread-safe.
    public func interrupt() {
        interrupted.store(true, ordering: .releasing)  // pairs with the acquiring load in request
        current.withLock { $0?.interrupt() }
    }

    /// One request with its one retry.
    public func request(
        _ method: String, _ pathAndQuery: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) throws(NetError) -> HTTPClientResponse {
        let deadline = Deadline.after(nanos: timeoutNs)
        let target = base.path == "/" ? base.with(path: pathAndQuery) : base.appending(path: pathAndQuery)
        let what = "\(method) \(target)"
        let request = encode(method, target, headers: headers, body: body)
        var retried = false
        while true {
            if interrupted.load(ordering: .acquiring) { throw NetError(.interrupted, "\(what): interrupted") }
            let reused = connection != nil && !staleConnection()
            let transport: Transport
            if reused, let kept = connection {
                transport = kept
            } else {
                transport = try open(deadline: deadline, what)
                connection = transport
            }
            switch exchange(transport, request, method: method, deadline: deadline, what) {
            case .success(let (response, keepAlive)):
                if !keepAlive { close() }
                return response
            case .failure(let failure):
                close()
                // A request the server may have acted on is sent again only if repeating it is
                // harmless (GET, HEAD) or it never fully left.
                let repeatable = method == "GET" || method == "HEAD" || !failure.requestSent
                guard reused, !retried, !failure.answerStarted, failure.error.kind == .closed, repeatable else {
                    throw failure.error
                }
                retried = true
                retries += 1
            }
        }
    }
}
