import Glibc
import Posix

/// A blocking loopback connection with a receive timeout and a read buffer: the part the test
/// clients (HTTP and WebSocket) share, so no test waits forever.
final class LoopbackSocket {
    let fd: Int32
    var buffer: [UInt8] = []
    private(set) var closedByPeer = false

    init(port: UInt16, timeoutMillis: Int) throws {
        fd = try Socket.connect(host: "127.0.0.1", port: port)
        Socket.setReceiveTimeout(fd, millis: timeoutMillis)
    }

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
