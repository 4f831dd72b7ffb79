import Glibc
import Posix

/// A mutex and a condition variable on CLOCK_MONOTONIC: the persister's buffer lock, and
/// how its thread sleeps until rows arrive, a deadline passes, or it is told to stop.
/// Heap-allocated pthread objects, so their addresses never move.
final class Monitor: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// With the lock held: releases it until signalled or until `deadlineNs`
    /// (`Clock.monotonicNanos`) passes, then holds it again. Wakes may be spurious.
    func wait(untilMonotonicNs deadlineNs: Int64) {
        let d = max(0, deadlineNs)
        var ts = timespec(tv_sec: Int(d / 1_000_000_000), tv_nsec: Int(d % 1_000_000_000))
        _ = pthread_cond_timedwait(condition, mutex, &ts)
    }

    /// Wakes every waiter (call with or without the lock).
    func signal() { pthread_cond_broadcast(condition) }
}

/// A pthread that runs one closure and can be joined.
final class JoinableThread: @unchecked Sendable {
    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    private var thread = pthread_t()
    private var started = false

    /// Starts the thread; false if the system refused one.
    func start(_ body: @escaping @Sendable () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let rc = pthread_create(&thread, nil, { arg in
            let b = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
            b.body()
            return nil
        }, box)
        if rc != 0 {
            Unmanaged<Box>.fromOpaque(box).release()
            return false
        }
        started = true
        return true
    }

    /// Waits for the closure to return (once).
    func join() {
        guard started else { return }
        started = false
        pthread_join(thread, nil)
    }
}
