import CPosix
import Glibc
import Posix

/// The harness's raw socket calls: a non-blocking client socket bound to a chosen source
/// address, connected without waiting. Everything else (recv, send, SO_ERROR) is `Posix.Socket`.
public enum ClientSocket {
    /// Opens a non-blocking, close-on-exec TCP socket bound to `source` (host byte order; port
    /// chosen at connect time, so one source address serves ~28k connections to one server
    /// port) and starts connecting it to `destination:port`. Returns the descriptor and 0, or
    /// EINPROGRESS while the handshake runs; throws when the socket cannot be made or bound,
    /// or the connect fails at once (`ECONNREFUSED`, `EADDRNOTAVAIL`…; the descriptor is closed).
    /// With `stamped`, the kernel stamps arriving data with its arrival time (`receive`).
    public static func connect(from source: UInt32, to destination: UInt32, port: UInt16,
                               stamped: Bool = false) throws(SystemError) -> (fd: Int32, status: Int32) {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = try sys("socket") { socket(AF_INET, type, 0) }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_IP), IP_BIND_ADDRESS_NO_PORT, &one, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if stamped && tt_enable_receive_stamps(fd) != 0 {
            let err = tt_errno()
            Glibc.close(fd)
            throw SystemError("setsockopt(SO_TIMESTAMPNS)", errno: err)
        }
        var local = address(source, port: 0)
        var remote = address(destination, port: port)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if bound == -1 {
            let err = tt_errno()
            Glibc.close(fd)
            throw SystemError("bind", errno: err)
        }
        let rc = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc == 0 { return (fd, 0) }
        let err = tt_errno()
        if err == EINPROGRESS || err == EINTR { return (fd, EINPROGRESS) }
        Glibc.close(fd)
        throw SystemError("connect", errno: err)
    }

    /// Reads into `buffer`: bytes read, 0 at end of stream or -errno; `arrivalNanos` is the
    /// kernel's arrival stamp of the newest data read (CLOCK_REALTIME ns), 0 when unstamped.
    @inline(__always)
    public static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, arrivalNanos: inout Int64) -> Int {
        tt_receive_stamped(fd, buffer.baseAddress, UInt(buffer.count), &arrivalNanos)
    }

    /// Closes without lingering: the kernel resets the connection and keeps no TIME_WAIT, so
    /// the next run can reuse the same source ports at once.
    public static func abort(_ fd: Int32) {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        Glibc.close(fd)
    }

    static func address(_ ip: UInt32, port: UInt16) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr = in_addr(s_addr: ip.bigEndian)
        return addr
    }

    /// A pipe whose two ends are close-on-exec and numbered at least `minimum`, so they never
    /// collide with the numbers a spawned child gets them at.
    public static func pipe(minimum: Int32 = 64) throws(SystemError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        // pipe2 is not in Glibc's Swift module; the plain ends live only until the dups below,
        // and nothing is spawned meanwhile (the harness's parent is single-threaded).
        try sys("pipe") { Glibc.pipe(&ends) }
        defer { Glibc.close(ends[0]); Glibc.close(ends[1]) }
        let read = try sys("fcntl(F_DUPFD_CLOEXEC)") { fcntl(ends[0], F_DUPFD_CLOEXEC, minimum) }
        let write = try sys("fcntl(F_DUPFD_CLOEXEC)") { fcntl(ends[1], F_DUPFD_CLOEXEC, minimum) }
        return (read, write)
    }
}
