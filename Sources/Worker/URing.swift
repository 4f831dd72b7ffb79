import CLibURing
import Glibc
import Posix

/// One io_uring instance, owned: set up disabled so the thread that runs the loop becomes its
/// single issuer (`enable`), torn down in `deinit`.
struct URing: ~Copyable {
    let ring: UnsafeMutablePointer<io_uring>
    private let batch: UnsafeMutablePointer<UnsafeMutablePointer<io_uring_cqe>?>
    private static let batchSize: UInt32 = 256
    /// Whether the ring was created disabled and still waits for `enable`.
    private let startsDisabled: Bool

    /// Sets the ring up with `entries` submission slots and four times as many completion slots.
    /// Asks for single-issuer, deferred task running; falls back to a plain ring on kernels
    /// without them.
    init(entries: UInt32) throws(SystemError) {
        ring = .allocate(capacity: 1)
        batch = .allocate(capacity: Int(Self.batchSize))
        let tuned = tt_setup_single_issuer() | tt_setup_defer_taskrun() | tt_setup_r_disabled()
        var rc = Self.setUp(ring, entries: entries, flags: tuned)
        if rc == -EINVAL { rc = Self.setUp(ring, entries: entries, flags: 0) }
        guard rc == 0 else {
            ring.deallocate()
            batch.deallocate()
            throw SystemError("io_uring_queue_init_params", errno: -rc)
        }
        startsDisabled = rc == 0 && ring.pointee.flags & tt_setup_r_disabled() != 0
    }

    private static func setUp(_ ring: UnsafeMutablePointer<io_uring>, entries: UInt32, flags: UInt32) -> Int32 {
        var params = io_uring_params()
        params.flags = flags | tt_setup_cqsize() | tt_setup_submit_all()
        params.cq_entries = entries * 4
        return io_uring_queue_init_params(entries, ring, &params)
    }

    /// Makes the calling thread the ring's issuer. Call once, on the loop's thread.
    func enable() throws(SystemError) {
        guard startsDisabled else { return }
        _ = try checkNegated("io_uring_register(ENABLE_RINGS)", tt_enable_rings(ring))
    }

    /// A free submission slot; submits what is queued when the ring is full.
    @inline(__always)
    func nextSQE() -> UnsafeMutablePointer<io_uring_sqe> {
        while true {
            if let sqe = io_uring_get_sqe(ring) { return sqe }
            _ = io_uring_submit(ring)
        }
    }

    /// Submits everything queued and, `waiting`, waits for one completion; not waiting, it
    /// still runs the deferred work that posts completions. EINTR, EAGAIN and EBUSY (a full
    /// completion queue) return normally: the caller drains and comes back.
    func submit(waiting: Bool) throws(SystemError) {
        let rc = waiting ? io_uring_submit_and_wait(ring, 1) : io_uring_submit_and_get_events(ring)
        if rc >= 0 || rc == -EINTR || rc == -EAGAIN || rc == -EBUSY || rc == -ETIME { return }
        throw SystemError(waiting ? "io_uring_submit_and_wait" : "io_uring_submit_and_get_events", errno: -rc)
    }

    /// Hands each ready completion to `body`, batch by batch, and marks them seen.
    @inline(__always)
    func drain(_ body: (UnsafePointer<io_uring_cqe>) -> Void) {
        while true {
            let n = tt_peek_batch(ring, batch, Self.batchSize)
            if n == 0 { return }
            for i in 0..<Int(n) { body(batch[i]!) }
            io_uring_cq_advance(ring, n)
        }
    }

    deinit {
        io_uring_queue_exit(ring)
        ring.deallocate()
        batch.deallocate()
    }
}

/// Whether this kernel lets the process set up an io_uring (not under Docker's default seccomp,
/// not with `kernel.io_uring_disabled`).
public enum IOUringSupport {
    public static var isAvailable: Bool {
        do {
            _ = try URing(entries: 4)
            return true
        } catch {
            return false
        }
    }
}
