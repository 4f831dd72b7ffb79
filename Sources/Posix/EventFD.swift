import CPosix
import Glibc

/// eventfd(2): the feeder's wake-up for each worker.
public enum EventFD {
    /// A new non-blocking eventfd (close-on-exec unless told otherwise).
    public static func make(cloexec: Bool = true, nonBlocking: Bool = true) throws(SystemError) -> Int32 {
        var flags: Int32 = 0
        if cloexec { flags |= Int32(EFD_CLOEXEC) }
        if nonBlocking { flags |= Int32(EFD_NONBLOCK) }
        return try sys("eventfd") { eventfd(0, flags) }
    }

    /// Adds one to the counter; EAGAIN (counter saturated) means a wake-up is pending anyway.
    @inline(__always)
    public static func signal(_ fd: Int32) {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { Glibc.write(fd, $0.baseAddress, 8) }
    }

    /// Reads and clears the counter; returns 0 when nothing was pending (non-blocking fd).
    @discardableResult
    public static func drain(_ fd: Int32) -> UInt64 {
        var value: UInt64 = 0
        let n = withUnsafeMutableBytes(of: &value) { Glibc.read(fd, $0.baseAddress, 8) }
        return n == 8 ? value : 0
    }

    /// Waits until the eventfd is readable or `timeoutMillis` passes; true when readable.
    public static func wait(_ fd: Int32, timeoutMillis: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let r = poll(&p, 1, timeoutMillis)
            if r == -1 && tt_errno() == EINTR { continue }
            return r > 0
        }
    }
}
