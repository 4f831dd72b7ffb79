import CPosix

/// The clocks: monotonic for intervals and latency, realtime for wall-clock stamps.
public enum Clock {
    @inline(__always) public static func monotonicNanos() -> Int64 { Int64(tt_monotonic_ns()) }
    @inline(__always) public static func realtimeNanos() -> Int64 { Int64(tt_realtime_ns()) }
    @inline(__always) public static func realtimeMillis() -> Int64 { Int64(tt_realtime_ns()) / 1_000_000 }
    @inline(__always) public static func threadCPUNanos() -> Int64 { Int64(tt_thread_cpu_ns()) }
}
