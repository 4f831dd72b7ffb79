import Glibc

/// A value behind a pthread mutex, for state shared by the generator, connection threads and
/// the control API.
public final class Locked<Value>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    @inline(__always)
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body(&value)
    }
}

/// Starts detached or joinable pthreads running a closure.
public enum Threads {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Starts `body` on a new thread; the handle joins it. `name` is for the caller's logs.
    @discardableResult
    public static func start(name: String, _ body: @escaping @Sendable () -> Void) -> pthread_t? {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { arg in
            let box = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            return nil
        }
        return thread
    }

    public static func join(_ thread: pthread_t) { _ = pthread_join(thread, nil) }

    public static func detach(_ thread: pthread_t) { _ = pthread_detach(thread) }

    /// Sleeps `nanos` (interrupted sleeps resume).
    public static func sleep(nanos: Int64) {
        guard nanos > 0 else { return }
        var ts = timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))
        var rem = timespec()
        while nanosleep(&ts, &rem) == -1 && errno == EINTR { ts = rem }
    }
}
