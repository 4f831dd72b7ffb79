import CPosix
import Glibc

/// A name that getaddrinfo(3) could not turn into an IPv4 address.
public struct ResolveError: Error, CustomStringConvertible, Equatable, Sendable {
    public let host: String
    /// getaddrinfo's `EAI_*` code.
    public let code: Int32

    public init(host: String, code: Int32) {
        self.host = host
        self.code = code
    }

    public var description: String { "resolving \(host): \(String(cString: gai_strerror(code)))" }
}

/// Non-blocking TCP streams for clients that wait with poll(2) and a deadline.
extension Socket {
    /// The IPv4 addresses of `host`: a dotted literal, "localhost", or a name through getaddrinfo(3)
    /// (which blocks; there is no deadline on name resolution).
    public static func resolveIPv4(_ host: String) throws(ResolveError) -> [in_addr] {
        if let literal = ipv4(host) { return [literal] }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        var rc: Int32
        repeat { rc = getaddrinfo(host, nil, &hints, &list) } while rc == EAI_SYSTEM && tt_errno() == EINTR
        guard rc == 0 else { throw ResolveError(host: host, code: rc) }
        defer { freeaddrinfo(list) }
        var addresses: [in_addr] = []
        var node = list
        while let info = node {
            if info.pointee.ai_family == AF_INET, let address = info.pointee.ai_addr {
                let ip = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                if !addresses.contains(where: { $0.s_addr == ip.s_addr }) { addresses.append(ip) }
            }
            node = info.pointee.ai_next
        }
        guard !addresses.isEmpty else { throw ResolveError(host: host, code: EAI_NONAME) }
        return addresses
    }

    /// "1.2.3.4" for an address.
    public static func format(_ address: in_addr) -> String {
        var copy = address
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        guard inet_ntop(AF_INET, &copy, &text, socklen_t(text.count)) != nil else { return "?" }
        return String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Starts a non-blocking connect (the socket is non-blocking and close-on-exec). `connected`
    /// is false while the handshake is in progress: wait for POLLOUT, then read `pendingError`.
    public static func startConnect(_ address: in_addr, port: UInt16) throws(SystemError) -> (fd: Int32, connected: Bool) {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = try sys("socket") { socket(AF_INET, type, 0) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr = address
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc == 0 { return (fd, true) }
        let err = tt_errno()
        // EINTR: the connect goes on in the background, exactly like EINPROGRESS.
        if err == EINPROGRESS || err == EINTR { return (fd, false) }
        Glibc.close(fd)
        throw SystemError("connect(\(format(address)):\(port))", errno: err)
    }

    /// The socket's pending error (SO_ERROR), 0 when none: the outcome of a non-blocking connect.
    public static func pendingError(_ fd: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) == 0 else { return tt_errno() }
        return value
    }

    /// recv(2) on a non-blocking socket: bytes read, 0 at end of stream, or `-errno`
    /// (`-EAGAIN` when nothing is waiting). EINTR is retried.
    @inline(__always)
    public static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n >= 0 { return n }
            let err = tt_errno()
            if err == EINTR { continue }
            precondition(err != EBADF && err != EFAULT, "recv: programmer error, errno \(err)")
            return -Int(err)
        }
    }

    /// send(2) with MSG_NOSIGNAL (a closed peer is EPIPE, never SIGPIPE): bytes taken, or `-errno`.
    /// EINTR is retried.
    @inline(__always)
    public static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
        while true {
            let n = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return n }
            let err = tt_errno()
            if err == EINTR { continue }
            precondition(err != EBADF && err != EFAULT, "send: programmer error, errno \(err)")
            return -Int(err)
        }
    }

    /// shutdown(2) of the sending side; errors (already closed, not connected) do not matter.
    public static func shutdownWrite(_ fd: Int32) { _ = Glibc.shutdown(fd, Int32(SHUT_WR)) }

    /// "1.2.3.4:5678" for the peer of a connected socket, "?" when unknown.
    public static func peerName(_ fd: Int32) -> String {
        var addr = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        guard rc == 0, addr.sin_family == sa_family_t(AF_INET) else { return "?" }
        return "\(format(addr.sin_addr)):\(UInt16(bigEndian: addr.sin_port))"
    }
}
