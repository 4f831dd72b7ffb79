import CPosix
import Glibc

/// posix_spawn of a binary (normally our own, `/proc/self/exe`) with chosen descriptors
/// placed at fixed numbers in the child. Never fork() without exec in Swift.
public struct SpawnRequest: Sendable {
    public var path: String
    public var arguments: [String]
    /// `nil` inherits the parent's environment.
    public var environment: [String]?
    /// (descriptor in the parent, number it gets in the child). Everything else that is
    /// close-on-exec stays behind.
    public var descriptors: [(source: Int32, target: Int32)]
    /// Unblock every signal and reset handlers to default in the child.
    public var resetSignals: Bool = true
    /// Start the child in a process group of its own, so a terminal's Ctrl-C (sent to the
    /// foreground group) reaches only the parent, which then stops the child in order.
    public var ownProcessGroup: Bool = false

    public init(path: String, arguments: [String], environment: [String]? = nil,
                descriptors: [(source: Int32, target: Int32)] = []) {
        self.path = path
        self.arguments = arguments
        self.environment = environment
        self.descriptors = descriptors
    }
}

public enum Spawn {
    /// The path of the running executable.
    public static var selfExecutable: String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        return n > 0 ? String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "/proc/self/exe"
    }

    /// Starts the child and returns its pid.
    public static func start(_ req: SpawnRequest) throws(SystemError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (source, target) in req.descriptors {
            // dup2 onto a different number clears close-on-exec on the copy.
            precondition(source != target, "spawn: source and target descriptor must differ")
            posix_spawn_file_actions_adddup2(&actions, source, target)
        }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var flags: Int32 = 0
        if req.resetSignals {
            var none = sigset_t(); sigemptyset(&none)
            var all = sigset_t(); sigfillset(&all)
            posix_spawnattr_setsigmask(&attr, &none)
            posix_spawnattr_setsigdefault(&attr, &all)
            flags |= Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        }
        if req.ownProcessGroup {
            posix_spawnattr_setpgroup(&attr, 0)
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
        }
        posix_spawnattr_setflags(&attr, Int16(flags))
        let argv = ([req.path] + req.arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envStrings = req.environment ?? currentEnvironment()
        let envp = envStrings.map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, req.path, &actions, &attr, argv, envp)
        if rc != 0 { throw SystemError("posix_spawn(\(req.path))", errno: rc) }
        return pid
    }

    /// This process's environment as `KEY=value` strings.
    public static func currentEnvironment() -> [String] {
        var result: [String] = []
        var p = environ
        while let entry = p.pointee {
            result.append(String(cString: entry))
            p += 1
        }
        return result
    }
}

/// How a child ended.
public enum ExitStatus: Equatable, Sendable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    public init(raw: Int32) {
        if tt_wifsignaled(raw) != 0 { self = .signaled(tt_wtermsig(raw)) } else { self = .exited(tt_wexitstatus(raw)) }
    }

    public var description: String {
        switch self {
        case .exited(let code): return "exit \(code)"
        case .signaled(let sig): return "signal \(sig)"
        }
    }
}

public enum Wait {
    /// Reaps one finished child without blocking; nil when none has finished.
    public static func reapAny() -> (pid: pid_t, status: ExitStatus)? {
        var raw: Int32 = 0
        while true {
            let pid = waitpid(-1, &raw, WNOHANG)
            if pid > 0 { return (pid, ExitStatus(raw: raw)) }
            if pid == -1 && tt_errno() == EINTR { continue }
            return nil
        }
    }

    /// Waits for `pid` to end, at most `timeoutMillis`; nil on timeout.
    public static func waitFor(_ pid: pid_t, timeoutMillis: Int) -> ExitStatus? {
        let deadline = Clock.monotonicNanos() + Int64(timeoutMillis) * 1_000_000
        var raw: Int32 = 0
        while Clock.monotonicNanos() < deadline {
            let r = waitpid(pid, &raw, WNOHANG)
            if r == pid { return ExitStatus(raw: raw) }
            if r == -1 && tt_errno() != EINTR { return nil }
            usleep(2_000)
        }
        return nil
    }
}
