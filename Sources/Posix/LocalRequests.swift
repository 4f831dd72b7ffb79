import CPosix
import Glibc

/// Why a local request got no answer.
public enum LocalRequestError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Nobody listens under the name (the server is not running, or is restarting).
    case noServer
    /// The server took longer than the deadline.
    case timedOut
    /// The connection broke, or the answer was not one line.
    case broken(String)

    public var description: String {
        switch self {
        case .noServer: return "no server is listening"
        case .timedOut: return "no answer before the deadline"
        case .broken(let why): return why
        }
    }
}

/// One-line requests and one-line answers over an abstract Unix stream socket, one connection
/// each: how a worker asks the feeder to do something. Abstract names need no file to clean up
/// after a crash; a server accepts only peers of its own user (or root), checked by
/// `SO_PEERCRED`, because any local user can reach an abstract name.
public enum LocalRequests {
    /// Longest request or answer, newline excluded.
    public static let maxLine = 8192

    /// A listening socket under abstract `name` (close-on-exec, blocking).
    public static func listen(name: String) throws(SystemError) -> Int32 {
        let fd = try sys("socket(AF_UNIX)") { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        var (address, length) = abstractAddress(name)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        if rc != 0 || Glibc.listen(fd, 64) != 0 {
            let error = SystemError("bind/listen \(name)", errno: tt_errno())
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    /// Serves requests on `listenFD` until it is closed, each connection on a thread of its own,
    /// at most `maxConcurrent` at once: a slow request (a symbol being subscribed) no longer
    /// holds up the others. Past the bound, or when no thread can be made, the request is
    /// answered `busy` at once. Another user's process is refused before it takes a place.
    /// `handle` runs on those threads.
    public static func serve(listenFD: Int32, maxConcurrent: Int, handle: @escaping @Sendable (String) -> String) {
        let threads = ThreadBudget(limit: maxConcurrent)
        while true {
            let fd = tt_accept_cloexec(listenFD)
            if fd < 0 {
                if tt_errno() == EINTR || tt_errno() == ECONNABORTED { continue }
                return
            }
            guard admitPeer(fd) else { continue }
            if !threads.start({ answer(fd, handle) }) {
                _ = sendLine(fd, #"{"ok":false,"error":"busy","message":"too many requests at once; try again"}"#)
                Glibc.close(fd)
            }
        }
    }

    /// True when the peer may ask; otherwise `fd` is answered `forbidden` and closed.
    private static func admitPeer(_ fd: Int32) -> Bool {
        guard peerIsTrusted(fd) else {
            _ = sendLine(fd, #"{"ok":false,"error":"forbidden","message":"another user's process"}"#)
            Glibc.close(fd)
            return false
        }
        return true
    }

    /// One admitted connection's request and answer; closes `fd`.
    private static func answer(_ fd: Int32, _ handle: (String) -> String) {
        defer { Glibc.close(fd) }
        Socket.setReceiveTimeout(fd, millis: 2000)
        guard case .line(let line) = readLine(fd, deadlineNs: Clock.monotonicNanos() + 2_000_000_000) else { return }
        _ = sendLine(fd, handle(line))
    }

    /// Sends `line` to the server under `name` and waits at most `timeoutMillis` for its answer.
    public static func ask(name: String, line: String, timeoutMillis: Int) throws(LocalRequestError) -> String {
        let deadline = Clock.monotonicNanos() + Int64(timeoutMillis) * 1_000_000
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .broken("socket: errno \(tt_errno())") }
        defer { Glibc.close(fd) }
        var (address, length) = abstractAddress(name)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
        }
        guard rc == 0 else {
            let e = tt_errno()
            throw e == ECONNREFUSED || e == ENOENT ? .noServer : .broken("connect: errno \(e)")
        }
        // A server that refuses at once (busy, forbidden) answers and closes without reading:
        // the send may then fail, but its answer is waiting to be read.
        let sendError: Int32? = sendLine(fd, line) ? nil : tt_errno()
        Socket.setReceiveTimeout(fd, millis: max(1, timeoutMillis))
        let read = readLine(fd, deadlineNs: deadline)
        if case .line(let answer) = read { return answer }
        if let sendError { throw .broken("send: errno \(sendError)") }
        switch read {
        case .timedOut: throw .timedOut
        case .failed: throw .broken("the answer could not be read (an error, or longer than \(maxLine) bytes)")
        default: throw .broken("the server closed without answering")
        }
    }

    /// Sends `line` with its newline (inner newlines become spaces); MSG_NOSIGNAL, so a peer
    /// that left costs an error, not SIGPIPE.
    static func sendLine(_ fd: Int32, _ line: String) -> Bool {
        var bytes = Array(line.utf8).map { $0 == 10 ? 32 : $0 }
        bytes.append(10)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && tt_errno() == EINTR { continue }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }

    /// What `readLine` found.
    enum LineRead: Equatable {
        case line(String)
        /// The peer closed first.
        case ended
        /// The deadline (or the socket's receive timeout) passed first.
        case timedOut
        /// A read error, or a line longer than `maxLine`.
        case failed
    }

    /// Reads up to the first newline (which is dropped), until `deadlineNs`.
    static func readLine(_ fd: Int32, deadlineNs: Int64) -> LineRead {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while Clock.monotonicNanos() < deadlineNs {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                let e = tt_errno()
                if e == EINTR { continue }
                return e == EAGAIN || e == EWOULDBLOCK ? .timedOut : .failed
            }
            if n == 0 { return .ended }
            if let end = chunk[..<n].firstIndex(of: 10) {
                bytes += chunk[..<end]
                return bytes.count <= maxLine ? .line(String(decoding: bytes, as: UTF8.self)) : .failed
            }
            bytes += chunk[..<n]
            if bytes.count > maxLine { return .failed }
        }
        return .timedOut
    }

    private static func peerIsTrusted(_ fd: Int32) -> Bool {
        let uid = tt_peer_uid(fd)
        return uid == 0 || uid == Int(getuid())
    }

    /// `sockaddr_un` for abstract `name` (a leading NUL, no terminator), and its length.
    private static func abstractAddress(_ name: String) -> (sockaddr_un, socklen_t) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8.prefix(MemoryLayout.size(ofValue: address.sun_path) - 1))
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            path[0] = 0
            for (i, b) in bytes.enumerated() { path[i + 1] = b }
        }
        let length = MemoryLayout<sa_family_t>.size + 1 + bytes.count
        return (address, socklen_t(length))
    }
}
