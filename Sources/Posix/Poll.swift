import CPosix
import Glibc

/// poll(2) on one socket plus an optional wake-up descriptor (an eventfd another thread signals).
public enum Poll {
    /// What woke the wait. Both false: the timeout passed or a signal arrived; the caller
    /// re-reads its clock and retries.
    public struct Readiness: Sendable, Equatable {
        /// The socket's `revents` (POLLIN, POLLOUT, POLLHUP, POLLERR…).
        public var socketEvents: Int16
        /// The wake-up descriptor is readable.
        public var woken: Bool
    }

    /// Waits for `events` on `fd` or readability of `wakeFD` (-1: none) for at most
    /// `timeoutMillis` (-1: forever). EINTR returns early with nothing ready instead of retrying,
    /// so a caller with a deadline recomputes what is left.
    public static func wait(_ fd: Int32, events: Int16, wakeFD: Int32, timeoutMillis: Int32) throws(SystemError) -> Readiness {
        var fds = (pollfd(fd: fd, events: events, revents: 0), pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0))
        let rc = withUnsafeMutablePointer(to: &fds) {
            $0.withMemoryRebound(to: pollfd.self, capacity: 2) { poll($0, wakeFD >= 0 ? 2 : 1, timeoutMillis) }
        }
        if rc == -1 {
            let err = tt_errno()
            if err == EINTR { return Readiness(socketEvents: 0, woken: false) }
            throw SystemError("poll", errno: err)
        }
        return Readiness(socketEvents: fds.0.revents, woken: wakeFD >= 0 && fds.1.revents != 0)
    }

    /// Milliseconds poll(2) should wait to reach `deadline` (monotonic ns), rounded up so the
    /// wait never ends just short of it; nil when it has passed; -1 for no deadline.
    @inline(__always)
    public static func millis(until deadline: Int64?, now: Int64) -> Int32? {
        guard let deadline else { return -1 }
        let remaining = deadline - now
        guard remaining > 0 else { return nil }
        return Int32(clamping: (remaining + 999_999) / 1_000_000)
    }
}
