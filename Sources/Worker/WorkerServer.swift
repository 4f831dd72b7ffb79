import Posix

/// A worker: one io_uring event loop serving HTTP on an inherited listening socket.
///
/// Create it anywhere, then call `run()` on the thread that is to be the loop's (it becomes the
/// ring's single issuer); `run()` returns after a stop. `requestStop()` may be called from any
/// thread. The listening socket and the wake-up eventfd belong to the caller.
public final class WorkerServer: @unchecked Sendable {
    private let listenFD: Int32
    private let wakeFD: Int32?
    private let options: WorkerOptions
    private let hooks: WorkerHooks
    private let stopFD: OwnedFD
    private let backend: URingBackend
    /// Touched only by the thread in `run()`, and by readers after it returned.
    private var loop: EventLoop<URingBackend>?

    /// Sets up the ring and its receive buffers. Fails with ENOSYS or EPERM where io_uring is
    /// missing or forbidden.
    public init(listenFD: Int32, wakeFD: Int32?, options: WorkerOptions = WorkerOptions(), hooks: WorkerHooks) throws(SystemError) {
        Signals.ignorePipe()
        self.listenFD = listenFD
        self.wakeFD = wakeFD
        self.options = options
        self.hooks = hooks
        // A shared listening socket is polled and accepted from directly: it must not block
        // (O_NONBLOCK belongs to the socket, so every worker sees the same setting).
        if options.sharedListener { try FD.setNonBlocking(listenFD) }
        stopFD = OwnedFD(try EventFD.make())
        backend = try URingBackend(entries: options.ringEntries, bufferCount: options.receiveBufferCount,
                                   bufferSize: options.receiveBufferSize)
    }

    /// Serves until a stop (TERM, INT or QUIT through the signalfd, or `requestStop`), then
    /// finishes in-flight requests and returns. Call once.
    public func run() throws(SystemError) {
        precondition(loop == nil, "WorkerServer.run called twice")
        var signalFD: OwnedFD?
        if !options.signals.isEmpty {
            Signals.block(options.signals)
            signalFD = OwnedFD(try Signals.signalFD(options.signals))
        }
        try backend.enable()
        let fds = EventLoop<URingBackend>.Descriptors(listen: listenFD, wake: wakeFD, stop: stopFD.raw, signal: signalFD?.raw)
        let loop = EventLoop(backend: backend, fds: fds, options: options, hooks: hooks)
        self.loop = loop
        try loop.run()
        _ = signalFD
    }

    /// Asks the loop to stop gracefully. Safe from any thread, before or during `run()`.
    public func requestStop() {
        EventFD.signal(stopFD.raw)
    }

    /// The loop's counters: read them on the loop's thread (in a hook) or after `run()` returned.
    public var counters: WorkerCounters { loop?.counters ?? WorkerCounters() }
}
