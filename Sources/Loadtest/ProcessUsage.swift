import Glibc
import Posix

/// CPU and memory of processes, read from /proc and getrusage(2): the server's cost and the
/// harness's own, sampled at the edges of the measurement window.
public enum ProcessUsage {
    /// utime + stime of `pid` in nanoseconds (fields 14 and 15 of /proc/PID/stat, in clock
    /// ticks), nil when the process is gone.
    public static func cpuNanos(pid: Int32) -> Int64? {
        guard let text = readTextFile("/proc/\(pid)/stat") else { return nil }
        return cpuNanos(statLine: text, ticksPerSecond: Int64(sysconf(Int32(_SC_CLK_TCK))))
    }

    /// Parses a /proc/PID/stat line. The command name (field 2) may hold spaces and
    /// parentheses, so fields are counted from its last `)`.
    public static func cpuNanos(statLine: String, ticksPerSecond: Int64) -> Int64? {
        guard let close = statLine.lastIndex(of: ")") else { return nil }
        // After ")": field 3 (state) is the first; utime is field 14, stime field 15.
        let fields = statLine[statLine.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int64(fields[11]), let system = Int64(fields[12]), ticksPerSecond > 0 else {
            return nil
        }
        return (user + system) * (1_000_000_000 / ticksPerSecond)
    }

    /// Memory of `pid` in bytes from /proc/PID/smaps_rollup: resident and private dirty.
    public struct Memory: Sendable, Equatable {
        public var rss: Int64
        public var privateDirty: Int64

        public init(rss: Int64, privateDirty: Int64) {
            self.rss = rss
            self.privateDirty = privateDirty
        }

        public static func + (a: Memory, b: Memory) -> Memory {
            Memory(rss: a.rss + b.rss, privateDirty: a.privateDirty + b.privateDirty)
        }
    }

    public static func memory(pid: Int32) -> Memory? {
        readTextFile("/proc/\(pid)/smaps_rollup").flatMap(memory(smapsRollup:))
    }

    /// Parses smaps_rollup's `Rss:` and `Private_Dirty:` lines (kB).
    public static func memory(smapsRollup text: String) -> Memory? {
        var rss: Int64?
        var dirty: Int64?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let kilobytes = Int64(parts[1]) else { continue }
            if parts[0] == "Rss:" { rss = kilobytes * 1024 }
            if parts[0] == "Private_Dirty:" { dirty = kilobytes * 1024 }
        }
        guard let rss, let dirty else { return nil }
        return Memory(rss: rss, privateDirty: dirty)
    }

    /// This process's user + system CPU time in nanoseconds.
    public static func selfCPUNanos() -> Int64 {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return nanos(usage.ru_utime) + nanos(usage.ru_stime)
    }

    static func nanos(_ t: timeval) -> Int64 { Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_usec) * 1000 }
}
