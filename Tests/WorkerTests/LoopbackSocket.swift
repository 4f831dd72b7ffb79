import Glibc
import Posix

/// A blocking loopback connection with a receive timeout and a read buffer: the part the test
/// clients (HTTP and WebSocket) share, so no test waits forever.
final class LoopbackSocket {
    let fd: Int32
    var buffer: [UInt8] = []
    private(set) var closedByPeer = false

    init(port: UInt16, timeoutMillis: Int, source: String? = nil) throws {
        fd = try source.map { try Self.connect(port: port, from: $0) } ?? Socket.connect(host: "127.0.0.1", port: port)
        Socket.setReceiveTimeout(fd, millis: timeoutMillis)
    }

    /// A blocking connection to 127.0.0.1:`port` from the loopback address `source`.
    static func connect(port: UInt16, from source: String) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        func address(_ host: String, _ port: UInt16) -> sockaddr_in {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = port.bigEndian
            inet_pton(AF_INET, host, &a.sin_addr)
            return a
        }
        func call(_ a: sockaddr_in, _ op: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
            withUnsafePointer(to: a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { op($0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        guard fd >= 0, call(address(source, 0), { bind(fd, $0, $1) }) == 0,
              call(address("127.0.0.1", port), { Glibc.connect(fd, $0, $1) }) == 0 else {
            let error = SystemError("connect from \(source)", errno: errno)
            if fd >= 0 { Glibc.close(fd) }
            throw error
        }
        return fd
    }

    /// Shuts the connection down both ways (the descriptor closes with the object).
    func shutDown() { shutdown(fd, Int32(SHUT_RDWR)) }

    deinit { Glibc.close(fd) }

    func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { try? FD.writeAll(fd, $0) }
    }

    /// Reads more bytes into `buffer`; false on EOF, error or timeout.
    func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        var n: Int
        repeat {
            n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        } while n < 0 && errno == EINTR
        if n == 0 { closedByPeer = true }
        guard n > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }
}
