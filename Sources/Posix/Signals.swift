import CPosix
import Glibc

/// A signal number with its name; C names in comments where they differ.
public struct Signal: Hashable, Sendable, CustomStringConvertible {
    public let raw: Int32
    public init(_ raw: Int32) { self.raw = raw }

    public static let hup = Signal(SIGHUP)
    public static let int = Signal(SIGINT)
    public static let quit = Signal(SIGQUIT)
    public static let kill = Signal(SIGKILL)
    public static let usr1 = Signal(SIGUSR1)
    public static let usr2 = Signal(SIGUSR2)
    public static let pipe = Signal(SIGPIPE)
    public static let term = Signal(SIGTERM)
    public static let chld = Signal(SIGCHLD)
    public static let cont = Signal(SIGCONT)
    public static let stop = Signal(SIGSTOP)
    public static let ttin = Signal(SIGTTIN)
    public static let ttou = Signal(SIGTTOU)

    public var description: String {
        switch raw {
        case SIGHUP: return "HUP"
        case SIGINT: return "INT"
        case SIGQUIT: return "QUIT"
        case SIGKILL: return "KILL"
        case SIGUSR1: return "USR1"
        case SIGUSR2: return "USR2"
        case SIGPIPE: return "PIPE"
        case SIGTERM: return "TERM"
        case SIGCHLD: return "CHLD"
        case SIGCONT: return "CONT"
        case SIGSTOP: return "STOP"
        case SIGTTIN: return "TTIN"
        case SIGTTOU: return "TTOU"
        case SIGSEGV: return "SEGV"
        case SIGABRT: return "ABRT"
        case SIGILL: return "ILL"
        case SIGTRAP: return "TRAP"
        case SIGBUS: return "BUS"
        default: return "SIG\(raw)"
        }
    }

    /// Sends this signal to `pid`; false when the process is gone.
    @discardableResult
    public func send(to pid: pid_t) -> Bool { Glibc.kill(pid, raw) == 0 }
}

/// Signal masks and signalfd: signals are blocked before any thread starts and then read
/// as events, never handled asynchronously.
public enum Signals {
    /// Blocks `signals` in the calling thread (and every thread it starts afterwards).
    public static func block(_ signals: [Signal]) {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s.raw) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// A non-blocking, close-on-exec signalfd for `signals` (which must be blocked).
    public static func signalFD(_ signals: [Signal]) throws(SystemError) -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s.raw) }
        return try sys("signalfd") { signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC)) }
    }

    /// Reads every pending signal from a non-blocking signalfd.
    public static func readPending(_ fd: Int32) -> [Signal] {
        var result: [Signal] = []
        var info = signalfd_siginfo()
        let size = MemoryLayout<signalfd_siginfo>.size
        while withUnsafeMutableBytes(of: &info, { Glibc.read(fd, $0.baseAddress, size) }) == size {
            result.append(Signal(Int32(info.ssi_signo)))
        }
        return result
    }

    /// Decodes one `signalfd_siginfo` read by someone else (an io_uring read).
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> Signal? {
        guard bytes.count >= MemoryLayout<signalfd_siginfo>.size else { return nil }
        let info = bytes.loadUnaligned(as: signalfd_siginfo.self)
        return Signal(Int32(info.ssi_signo))
    }

    public static var siginfoSize: Int { MemoryLayout<signalfd_siginfo>.size }

    /// Asks the kernel to send `signal` to this process when its parent dies, then checks the
    /// parent is still `expectedParent` (it may have died before the request). False: orphaned.
    public static func followParent(_ expectedParent: pid_t, with signal: Signal) -> Bool {
        _ = tt_set_parent_death_signal(signal.raw)
        return getppid() == expectedParent
    }

    /// Ignore SIGPIPE: a closed peer is an error return, not a death.
    public static func ignorePipe() { signal(SIGPIPE, SIG_IGN) }
}
