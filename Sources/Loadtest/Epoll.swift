import CPosix
import Glibc
import Posix

/// The harness's epoll instance, owned: closed when dropped. The calls are `CPosix`'s shims
/// (Glibc's Swift module leaves out `<sys/epoll.h>`); events are read in place by offset,
/// the kernel's layout (packed on x86-64).
public struct Epoll: ~Copyable {
    public let fd: Int32

    /// Interest bits (`EPOLLIN`, `EPOLLOUT`, `EPOLLERR`, `EPOLLHUP`).
    public static let readable: UInt32 = 0x001
    public static let writable: UInt32 = 0x004
    public static let error: UInt32 = 0x008
    public static let hangUp: UInt32 = 0x010
    /// Report a descriptor once per change, not while it stays ready (`EPOLLET`).
    public static let edgeTriggered: UInt32 = 0x8000_0000

    public init() throws(SystemError) {
        fd = try sys("epoll_create1") { tt_epoll_create() }
    }

    deinit { Glibc.close(fd) }

    /// Adds `descriptor` with `events`; `token` comes back with every readiness.
    public func add(_ descriptor: Int32, events: UInt32, token: UInt64) throws(SystemError) {
        try control(1, descriptor, events, token, "epoll_ctl(ADD)") // EPOLL_CTL_ADD
    }

    private func control(_ op: Int32, _ descriptor: Int32, _ events: UInt32, _ token: UInt64, _ name: String) throws(SystemError) {
        try sys(name) { tt_epoll_ctl(fd, op, descriptor, events, token) }
    }

    /// Waits at most `timeoutMillis` (-1: forever) and fills `events`; the count ready. A signal
    /// returns 0 so the caller re-reads its clock.
    public func wait(into events: EpollEvents, timeoutMillis: Int32) -> Int {
        let n = tt_epoll_wait(fd, events.base, Int32(events.capacity), timeoutMillis)
        if n >= 0 { return Int(n) }
        let err = tt_errno()
        precondition(err == EINTR, "epoll_wait: errno \(err)")
        return 0
    }
}

/// A reusable array of kernel epoll events, read in place.
public final class EpollEvents {
    public let capacity: Int
    let base: UnsafeMutableRawPointer

    public init(capacity: Int) {
        self.capacity = capacity
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity * EpollEvent.size, alignment: 8)
    }

    deinit { base.deallocate() }

    @inline(__always) public func events(at index: Int) -> UInt32 {
        base.loadUnaligned(fromByteOffset: index * EpollEvent.size, as: UInt32.self)
    }

    @inline(__always) public func token(at index: Int) -> UInt64 {
        base.loadUnaligned(fromByteOffset: index * EpollEvent.size + EpollEvent.dataOffset, as: UInt64.self)
    }
}

/// `struct epoll_event`: 32-bit events then a 64-bit data word, packed on x86-64.
enum EpollEvent {
    static let size = Int(tt_epoll_event_size())
    static let dataOffset = size == 12 ? 4 : 8
}
