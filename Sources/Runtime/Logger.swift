import Glibc
import Posix

/// Log levels, named as swift-log names them.
public enum LogLevel: Int, Sendable, CaseIterable, Comparable {
    case trace, debug, info, notice, warning, error, critical

    public init?(name: String) {
        guard let l = LogLevel.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = l
    }

    public var name: String {
        switch self {
        case .trace: return "trace"
        case .debug: return "debug"
        case .info: return "info"
        case .notice: return "notice"
        case .warning: return "warning"
        case .error: return "error"
        case .critical: return "critical"
        }
    }

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

/// One line per event: `time level role[pid] message key=value…`, to stderr or `LOG_FILE`
/// (opened for append; `reopen()` after USR1 lets logrotate move the file).
/// One logger per process; every process appends to the same file with O_APPEND.
public final class Logger: @unchecked Sendable {
    public let role: String
    public var level: LogLevel
    private var path: String?
    private var fd: Int32 = 2
    private let lock = Mutex()

    public init(role: String, level: LogLevel, path: String?) {
        self.role = role
        self.level = level
        self.path = path
        reopen()
    }

    /// Opens the log file again (USR1). If it cannot, the lines keep going to the file already
    /// open (and an error says so).
    public func reopen() {
        guard let path = lock.withLock({ self.path }) else { return }
        let newFD = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        lock.withLock {
            if newFD >= 0 {
                if fd > 2 { close(fd) }
                fd = newFD
            }
        }
        if newFD < 0 { log(.error, "cannot open log file", ["path": path, "errno": "\(errno)"]) }
    }

    /// Writes to another file from now on (a reload that changed `LOG_FILE`); nil: stderr.
    /// If the new file cannot be opened the lines keep going where they went.
    public func reopen(path newPath: String?) {
        lock.withLock { path = newPath }
        guard newPath == nil else { return reopen() }
        lock.withLock {
            if fd > 2 { close(fd) }
            fd = 2
        }
    }

    public func log(_ l: LogLevel, _ message: String, _ fields: KeyValuePairs<String, String> = [:]) {
        guard l >= level else { return }
        var line = "\(Logger.timestamp()) \(l.name.uppercased()) \(role)[\(getpid())] \(message)"
        for (k, v) in fields { line += " \(k)=\(Logger.value(v))" }
        line += "\n"
        lock.withLock { try? FD.writeAll(fd, line) }
    }

    public func trace(_ m: String, _ f: KeyValuePairs<String, String> = [:]) { log(.trace, m, f) }
    public func debug(_ m: String, _ f: KeyValuePairs<String, String> = [:]) { log(.debug, m, f) }
    public func info(_ m: String, _ f: KeyValuePairs<String, String> = [:]) { log(.info, m, f) }
    public func notice(_ m: String, _ f: KeyValuePairs<String, String> = [:]) { log(.notice, m, f) }
    public func warning(_ m: String, _ f: KeyValuePairs<String, String> = [:]) { log(.warning, m, f) }
    public func error(_ m: String, _ f: KeyValuePairs<String, String> = [:]) { log(.error, m, f) }
    public func critical(_ m: String, _ f: KeyValuePairs<String, String> = [:]) { log(.critical, m, f) }

    /// A field's value as logfmt has it: bare when it can be, else quoted with `"`, `\` and
    /// line breaks escaped (a JSON answer in a field stays one readable, parseable value).
    static func value(_ v: String) -> String {
        let plain = !v.isEmpty && !v.unicodeScalars.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" || $0.value < 0x20 }
        guard !plain else { return v }
        var out = "\""
        for c in v.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: if c.value < 0x20 { out += "\\u{\(String(c.value, radix: 16))}" } else { out.unicodeScalars.append(c) }
            }
        }
        return out + "\""
    }

    /// UTC time, RFC 3339 with milliseconds.
    static func timestamp() -> String {
        let ns = Clock.realtimeNanos()
        var t = time_t(ns / 1_000_000_000)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        func pad(_ v: Int32, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        let ms = Int32((ns / 1_000_000) % 1000)
        return "\(tmv.tm_year + 1900)-\(pad(tmv.tm_mon + 1, 2))-\(pad(tmv.tm_mday, 2))T\(pad(tmv.tm_hour, 2)):\(pad(tmv.tm_min, 2)):\(pad(tmv.tm_sec, 2)).\(pad(ms, 3))Z"
    }
}

/// A pthread mutex, for the few places that need one off the hot path.
public final class Mutex: @unchecked Sendable {
    private var m = pthread_mutex_t()
    public init() { pthread_mutex_init(&m, nil) }
    deinit { pthread_mutex_destroy(&m) }
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&m)
        defer { pthread_mutex_unlock(&m) }
        return try body()
    }
}
