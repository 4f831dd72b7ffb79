import CPosix
import Glibc

/// A failed system call: the call's name and its errno.
public struct SystemError: Error, CustomStringConvertible, Equatable, Sendable {
    public let call: String
    public let errno: Int32

    public init(_ call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String {
        "\(call): \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// The one door to the kernel: runs `body` until it does not fail with EINTR,
/// and turns `-1` into a `SystemError`. EBADF and EFAULT are programmer errors.
@inline(__always)
@discardableResult
public func sys<T: FixedWidthInteger>(_ call: @autoclosure () -> String, _ body: () -> T) throws(SystemError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let err = tt_errno()
        if err == EINTR { continue }
        precondition(err != EBADF && err != EFAULT, "\(call()): programmer error, errno \(err)")
        throw SystemError(call(), errno: err)
    }
}

/// io_uring style: a negative result is `-errno`.
@inline(__always)
public func checkNegated(_ call: @autoclosure () -> String, _ result: Int32) throws(SystemError) -> Int32 {
    if result >= 0 { return result }
    throw SystemError(call(), errno: -result)
}
