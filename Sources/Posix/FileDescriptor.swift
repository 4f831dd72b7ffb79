import CPosix
import Glibc

/// An owned file descriptor, closed when its owner goes away.
public struct OwnedFD: ~Copyable, Sendable {
    public let raw: Int32

    public init(_ raw: Int32) {
        precondition(raw >= 0, "OwnedFD of a negative descriptor")
        self.raw = raw
    }

    /// Gives up ownership: the caller closes the descriptor.
    public consuming func release() -> Int32 {
        let fd = raw
        discard self
        return fd
    }

    deinit { _ = Glibc.close(raw) }
}

/// Small helpers on raw descriptors that every role needs.
public enum FD {
    public static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    public static func setCloseOnExec(_ fd: Int32, _ on: Bool) throws(SystemError) {
        let flags = try sys("fcntl(F_GETFD)") { fcntl(fd, F_GETFD) }
        let new = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC
        try sys("fcntl(F_SETFD)") { fcntl(fd, F_SETFD, new) }
    }

    public static func setNonBlocking(_ fd: Int32) throws(SystemError) {
        let flags = try sys("fcntl(F_GETFL)") { fcntl(fd, F_GETFL) }
        try sys("fcntl(F_SETFL)") { fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    /// Writes all of `bytes`, retrying short writes.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        var done = 0
        while done < bytes.count {
            let n = try sys("write") { Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done) }
            done += n
        }
    }

    public static func writeAll(_ fd: Int32, _ string: String) throws(SystemError) {
        let bytes = Array(string.utf8)
        let base = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        defer { base.deallocate() }
        bytes.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        try writeAll(fd, UnsafeRawBufferPointer(start: base, count: bytes.count))
    }

    /// Whether `fd` names an open descriptor in this process.
    public static func isOpen(_ fd: Int32) -> Bool { fcntl(fd, F_GETFD) != -1 }
}
