import Posix

/// Deadlines are CLOCK_MONOTONIC nanoseconds (`Posix.Clock.monotonicNanos()`); `nil` waits forever.
public enum Deadline {
    /// Now, on the clock deadlines are measured with.
    @inline(__always) public static func now() -> Int64 { Clock.monotonicNanos() }

    /// `nanos` from now.
    @inline(__always) public static func after(nanos: Int64) -> Int64 { Clock.monotonicNanos() &+ nanos }

    /// `millis` milliseconds from now.
    @inline(__always) public static func after(millis: Int64) -> Int64 { after(nanos: millis * 1_000_000) }

    /// `seconds` from now.
    @inline(__always) public static func after(seconds: Double) -> Int64 { after(nanos: Int64(seconds * 1e9)) }

    /// The earlier of two deadlines, `nil` being "never".
    @inline(__always) static func earliest(_ a: Int64?, _ b: Int64?) -> Int64? {
        guard let a else { return b }
        guard let b else { return a }
        return min(a, b)
    }
}
