import Glibc
import Synchronization

/// A detached pthread running a `@Sendable` closure (a closure handed to `pthread_create` from
/// top-level code must be `@Sendable`, or it crashes).
public enum DetachedThread {
    private final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// Starts `body` on a thread of its own; false (and `body` not run) if none could be made.
    @discardableResult
    public static func start(_ body: @escaping @Sendable () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { arg in
            Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue().body()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            return false
        }
        pthread_detach(thread)
        return true
    }
}

/// Detached threads, at most `limit` running at once: work that may wait (a request being
/// answered) gets a thread of its own without a flood of them.
public final class ThreadBudget: Sendable {
    public let limit: Int
    private let running = Atomic<Int>(0)

    public init(limit: Int) { self.limit = limit }

    /// Starts `body` on a thread of its own while fewer than `limit` run; false (and `body` not
    /// run) past that, or when no thread could be made. The place is given back when `body` ends.
    public func start(_ body: @escaping @Sendable () -> Void) -> Bool {
        let admitted = running.wrappingAdd(1, ordering: .relaxed).newValue <= limit
        guard admitted, DetachedThread.start({ [self] in
            body()
            running.wrappingSubtract(1, ordering: .relaxed)
        }) else {
            running.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }
}

/// A pthread running a `@Sendable` closure that its starter waits for (`join`): work that
/// blocks or spins, kept off Swift's cooperative pool (two threads on this machine).
public final class JoinableThread: @unchecked Sendable {
    private var thread = pthread_t()
    private let body: @Sendable () -> Void

    /// Starts `body` at once; traps if no thread can be made (the callers cannot go on without it).
    public init(_ body: @escaping @Sendable () -> Void) {
        self.body = body
        let me = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { arg in
            Unmanaged<JoinableThread>.fromOpaque(arg!).takeRetainedValue().body()
            return nil
        }, me)
        precondition(rc == 0, "pthread_create: \(rc)")
    }

    /// Waits until `body` has returned.
    public func join() { pthread_join(thread, nil) }
}
