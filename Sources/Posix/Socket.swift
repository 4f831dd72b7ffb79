import CPosix
import Glibc

/// TCP sockets on IPv4: the supervisor's listening socket and the tests' clients.
public enum Socket {
    /// Parses a dotted IPv4 address ("0.0.0.0", "127.0.0.1"); "localhost" is 127.0.0.1.
    public static func ipv4(_ host: String) -> in_addr? {
        let name = host == "localhost" ? "127.0.0.1" : host
        var addr = in_addr()
        return inet_pton(AF_INET, name, &addr) == 1 ? addr : nil
    }

    /// A listening TCP socket (SO_REUSEADDR, close-on-exec, blocking: io_uring does not care).
    public static func listen(host: String, port: UInt16, backlog: Int32 = 4096) throws(SystemError) -> Int32 {
        guard let ip = ipv4(host) else { throw SystemError("inet_pton(\(host))", errno: EINVAL) }
        let fd = try sys("socket") { socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr = ip
        do throws(SystemError) {
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if rc == -1 { throw SystemError("bind(\(host):\(port))", errno: tt_errno()) }
            try sys("listen") { Glibc.listen(fd, backlog) }
        } catch {
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    /// Takes one pending connection from a non-blocking listening socket: the new descriptor
    /// (close-on-exec), or `-errno` (`-EAGAIN` when none is waiting).
    @inline(__always)
    public static func acceptPending(_ listenFD: Int32) -> Int32 {
        while true {
            let fd = tt_accept_cloexec(listenFD)
            if fd >= 0 { return fd }
            let err = tt_errno()
            if err == EINTR { continue }
            return -err
        }
    }

    /// The port a socket is bound to (for port 0 in tests).
    public static func localPort(_ fd: Int32) -> UInt16 {
        var addr = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return UInt16(bigEndian: addr.sin_port)
    }

    /// A blocking client connection, with TCP_NODELAY.
    public static func connect(host: String, port: UInt16) throws(SystemError) -> Int32 {
        guard let ip = ipv4(host) else { throw SystemError("inet_pton(\(host))", errno: EINVAL) }
        let fd = try sys("socket") { socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr = ip
        var rc: Int32
        repeat {
            rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        } while rc == -1 && tt_errno() == EINTR
        if rc == -1 {
            let err = tt_errno()
            Glibc.close(fd)
            throw SystemError("connect(\(host):\(port))", errno: err)
        }
        setNoDelay(fd)
        return fd
    }

    public static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Sets a receive timeout on a blocking socket.
    public static func setReceiveTimeout(_ fd: Int32, millis: Int) {
        var tv = timeval(tv_sec: millis / 1000, tv_usec: (millis % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }
}
