import Glibc
import Posix

/// One line per event on stderr: `time LEVEL simulate[pid] message key=value…`.
public enum SimLog {
    public enum Level: Int, Sendable, Comparable {
        case debug, info, warning, error

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }

        var name: String {
            switch self {
            case .debug: "DEBUG"
            case .info: "INFO"
            case .warning: "WARNING"
            case .error: "ERROR"
            }
        }
    }

    nonisolated(unsafe) static var minimum: Level = .info
    static let lock = Locked(())

    /// Set once at start-up, before any thread logs.
    public static func setLevel(_ l: Level) { minimum = l }

    public static func log(_ level: Level, _ message: String, _ fields: KeyValuePairs<String, String> = [:]) {
        guard level >= minimum else { return }
        var line = "\(timestamp()) \(level.name) simulate[\(getpid())] \(message)"
        for (k, v) in fields { line += " \(k)=\(v.contains(" ") ? "\"\(v)\"" : v)" }
        line += "\n"
        lock.withLock { _ in try? FD.writeAll(2, line) }
    }

    public static func debug(_ m: String, _ f: KeyValuePairs<String, String> = [:]) { log(.debug, m, f) }
    public static func info(_ m: String, _ f: KeyValuePairs<String, String> = [:]) { log(.info, m, f) }
    public static func warning(_ m: String, _ f: KeyValuePairs<String, String> = [:]) { log(.warning, m, f) }
    public static func error(_ m: String, _ f: KeyValuePairs<String, String> = [:]) { log(.error, m, f) }

    /// UTC, RFC 3339 with milliseconds.
    static func timestamp() -> String {
        let ns = Clock.realtimeNanos()
        var t = time_t(ns / 1_000_000_000)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        func pad(_ v: Int32, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        let ms = Int32((ns / 1_000_000) % 1000)
        return "\(tmv.tm_year + 1900)-\(pad(tmv.tm_mon + 1, 2))-\(pad(tmv.tm_mday, 2))T\(pad(tmv.tm_hour, 2)):"
            + "\(pad(tmv.tm_min, 2)):\(pad(tmv.tm_sec, 2)).\(pad(ms, 3))Z"
    }
}
