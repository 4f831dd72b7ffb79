import Glibc
import Posix
import Synchronization

/// A listening TCP socket on IPv4 for the simulator and tests: `accept` waits with a deadline
/// and can be interrupted from another thread.
public final class Listener: @unchecked Sendable {
    /// The listening socket; -1 once closed.
    public private(set) var fd: Int32
    /// The bound port (the kernel's choice when 0 was asked for).
    public let port: Int
    public let host: String
    private let wakeFD: Int32
    private let interrupted = Atomic<Bool>(false)

    /// Binds `host` (an IPv4 literal, "localhost" or a name) and `port` (0: ephemeral), with
    /// SO_REUSEADDR, close-on-exec and non-blocking.
    public init(host: String, port: Int, backlog: Int32 = 1024) throws(NetError) {
        guard (0...65535).contains(port) else { throw NetError(.connect, "listening on \(host):\(port): port out of range") }
        let address: in_addr
        do {
            guard let first = try Socket.resolveIPv4(host).first else { throw ResolveError(host: host, code: EAI_NONAME) }
            address = first
        } catch {
            throw NetError(.resolve, "listening on \(host):\(port): \(error)")
        }
        let socket: Int32
        let wake: Int32
        do {
            socket = try Socket.listen(host: Socket.format(address), port: UInt16(port), backlog: backlog)
        } catch {
            throw NetError(.connect, "listening on \(host):\(port): \(error)")
        }
        do {
            try FD.setNonBlocking(socket)
            wake = try EventFD.make()
        } catch {
            FD.close(socket)
            throw NetError(.connect, "listening on \(host):\(port): \(error)")
        }
        fd = socket
        wakeFD = wake
        self.host = host
        self.port = Int(Socket.localPort(socket))
    }

    deinit {
        close()
        FD.close(wakeFD)
    }

    /// Waits for a connection: its descriptor (close-on-exec, blocking; the caller owns it, e.g.
    /// through `Transport.accept`), or nil when the deadline passes first.
    public func accept(deadline: Int64?) throws(NetError) -> Int32? {
        while true {
            if interrupted.load(ordering: .acquiring) {  // pairs with the releasing store in interrupt()
                throw NetError(.interrupted, "accepting on \(host):\(port): interrupted")
            }
            guard fd >= 0 else { throw NetError(.closed, "accepting on \(host):\(port): the listener is closed") }
            let accepted = Socket.acceptPending(fd)
            if accepted >= 0 { return accepted }
            switch -accepted {
            case EAGAIN, EWOULDBLOCK: break
            case ECONNABORTED, EPROTO: continue  // that connection died while queued; take the next
            case EMFILE, ENFILE, ENOBUFS, ENOMEM: break  // short of descriptors for a moment
            default:
                throw NetError(.closed, "accepting on \(host):\(port): \(SystemError("accept", errno: -accepted).reason)")
            }
            guard let timeout = Poll.millis(until: deadline, now: Clock.monotonicNanos()) else { return nil }
            let idle = -accepted == EAGAIN || -accepted == EWOULDBLOCK
            do {
                if idle {
                    _ = try Poll.wait(fd, events: Int16(POLLIN), wakeFD: wakeFD, timeoutMillis: timeout)
                } else {
                    // The socket stays readable while descriptors are short: back off on the
                    // wake-up descriptor alone instead of spinning.
                    _ = try Poll.wait(wakeFD, events: Int16(POLLIN), wakeFD: -1, timeoutMillis: timeout < 0 ? 10 : min(timeout, 10))
                }
            } catch {
                throw NetError(.closed, "accepting on \(host):\(port): \(error)")
            }
        }
    }

    /// Makes a blocked (or the next) `accept` throw `.interrupted`. Sticky; thread-safe.
    public func interrupt() {
        interrupted.store(true, ordering: .releasing)
        EventFD.signal(wakeFD)
    }

    /// Stops listening. Idempotent; call from the thread that accepts (interrupt it first).
    public func close() {
        guard fd >= 0 else { return }
        FD.close(fd)
        fd = -1
    }
}
