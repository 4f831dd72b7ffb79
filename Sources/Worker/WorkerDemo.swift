import Glibc
import Posix

/// A stand-alone server for benchmarks and demos: `threads` workers (one loop each) on one
/// listening socket, answering health with a fixed body, until SIGINT or SIGTERM. Call it from
/// a process's main thread before any other thread starts. Not part of the product's roles.
public enum WorkerDemo {
    /// The fixed health answer.
    final class StaticHealth: WorkerHooks {
        let body = Array(#"{"status":"ok"}"#.utf8)
        func health() -> (status: Int, body: [UInt8]) { (200, body) }
    }

    /// Serves until SIGINT or SIGTERM; prints the port it listens on.
    public static func run(host: String = "127.0.0.1", port: UInt16, threads: Int) throws {
        Signals.block([.int, .term])
        let listenFD = try Socket.listen(host: host, port: port)
        defer { Glibc.close(listenFD) }
        var options = WorkerOptions()
        options.signals = []
        options.sharedListener = threads > 1
        let servers = try (0..<max(threads, 1)).map { _ in
            try WorkerServer(listenFD: listenFD, wakeFD: nil, options: options, hooks: StaticHealth())
        }
        print("tterminal worker demo: \(servers.count) loop(s) on http://\(host):\(Socket.localPort(listenFD))/api/v1/health")
        var workerThreads: [pthread_t] = []
        for server in servers { workerThreads.append(try spawn(server)) }
        let signalFD = OwnedFD(try Signals.signalFD([.int, .term]))
        var poller = pollfd(fd: signalFD.raw, events: Int16(POLLIN), revents: 0)
        while poll(&poller, 1, -1) != 1 {}
        servers.forEach { $0.requestStop() }
        for t in workerThreads { pthread_join(t, nil) }
        for (i, server) in servers.enumerated() {
            let c = server.counters
            print("loop \(i): \(c.connectionsAccepted) connections, \(c.requestsServed) requests")
        }
    }

    private static func spawn(_ server: WorkerServer) throws(SystemError) -> pthread_t {
        let box = Unmanaged.passRetained(server).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { arg in
            let server = Unmanaged<WorkerServer>.fromOpaque(arg!).takeRetainedValue()
            do throws(SystemError) { try server.run() } catch { print("worker stopped: \(error)") }
            return nil
        }, box)
        if rc != 0 { throw SystemError("pthread_create", errno: rc) }
        return thread
    }
}
