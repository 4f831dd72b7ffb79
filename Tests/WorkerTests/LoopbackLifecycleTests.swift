import Glibc
import Posix
import Testing
@testable import Worker

/// A real worker over loopback sockets: timeouts, limits, hooks, sharing, stopping.
@Suite("Worker over loopback: timeouts, limits, hooks and stopping",
       .enabled(if: IOUringSupport.isAvailable, "io_uring is unavailable here"), .timeLimit(.minutes(1)))
struct LoopbackLifecycleTests {
    @Test("a slowloris client gets 408 after the header timeout while another client is served")
    func slowloris() throws {
        var options = WorkerOptions.testing
        options.headerTimeout = .milliseconds(400)
        let worker = try RunningWorker(options: options)
        defer { worker.stop() }
        let slow = try TestClient(port: worker.port)
        slow.send("GET /api/v1/health HTTP/1.1\r\nHost: t\r\nX-Wait")
        let started = Clock.monotonicNanos()
        let fast = try TestClient(port: worker.port)
        for _ in 0..<20 {
            #expect(fast.get("/api/v1/health")?.status == 200)
        }
        #expect(Clock.monotonicNanos() - started < 400_000_000, "the other client waited on the slow one")
        let response = try #require(slow.readResponse())
        #expect(response.status == 408)
        #expect(Clock.monotonicNanos() - started >= 350_000_000)
        #expect(slow.waitForClose())
        #expect(fast.get("/api/v1/health")?.status == 200)
    }

    @Test("an idle keep-alive connection is closed after the idle timeout")
    func idleTimeout() throws {
        var options = WorkerOptions.testing
        options.idleTimeout = .milliseconds(300)
        let worker = try RunningWorker(options: options)
        defer { worker.stop() }
        let client = try TestClient(port: worker.port)
        #expect(client.get("/api/v1/health")?.status == 200)
        let started = Clock.monotonicNanos()
        #expect(client.waitForClose())
        #expect(Clock.monotonicNanos() - started >= 250_000_000)
    }

    @Test("connections beyond the worker's limit are answered 503 naming it, closed and counted")
    func connectionLimit() throws {
        var options = WorkerOptions.testing
        options.maxConnections = 2
        let worker = try RunningWorker(options: options)
        defer { worker.stop() }
        let a = try TestClient(port: worker.port)
        let b = try TestClient(port: worker.port)
        #expect(a.get("/api/v1/health")?.status == 200)
        #expect(b.get("/api/v1/health")?.status == 200)
        let c = try TestClient(port: worker.port)
        let refused = try #require(c.get("/api/v1/x"))
        #expect(refused.status == 503 && refused.header("Retry-After") == "5" && refused.header("Connection") == "close")
        #expect(refused.body.contains("connection limit (2 per worker)"))
        #expect(c.waitForClose())
        // Monitoring is answered even so, once, on a connection then closed.
        let monitor = try TestClient(port: worker.port)
        let health = try #require(monitor.get("/api/v1/health"))
        #expect(health.status == 200 && health.header("Connection") == "close" && monitor.waitForClose())
        #expect(a.get("/api/v1/health")?.status == 200)
        usleep(100_000)
        #expect(worker.hooks.lastCounters.withLock { $0.connectionsRejected } == 2, "both over the limit when they came")
        b.close()
        usleep(100_000)
        let d = try TestClient(port: worker.port)
        #expect(d.get("/api/v1/health")?.status == 200, "once below the limit, connections are served again")
    }

    @Test("connections from one address beyond its limit are answered 503 naming it; the others are served")
    func perAddressLimit() throws {
        var options = WorkerOptions.testing
        options.maxConnectionsPerAddress = 2
        let worker = try RunningWorker(options: options)
        defer { worker.stop() }
        let a = try TestClient(port: worker.port)
        let b = try TestClient(port: worker.port)
        let c = try TestClient(port: worker.port)
        #expect(a.get("/api/v1/health")?.status == 200 && b.get("/api/v1/health")?.status == 200)
        let refused = try #require(c.get("/api/v1/x"))
        #expect(refused.status == 503 && refused.body.contains("too many connections from your address (2 per worker)"))
        let other = try TestClient(port: worker.port, source: "127.0.0.2")
        #expect(other.get("/api/v1/health")?.status == 200, "another address has its own count")
        a.close()
        usleep(100_000)
        let again = try TestClient(port: worker.port)
        #expect(again.get("/api/v1/health")?.status == 200, "a closed connection no longer counts")
        #expect(worker.hooks.lastCounters.withLock { $0.refusedPerAddress } == 1)
    }

    @Test("a graceful stop finishes the request in flight, then run() returns")
    func gracefulStop() throws {
        let worker = try RunningWorker()
        let busy = try TestClient(port: worker.port)
        let idle = try TestClient(port: worker.port)
        #expect(idle.get("/api/v1/health")?.status == 200)
        busy.send("GET /api/v1/health HTTP/1.1\r\nHost: t\r\n")
        usleep(50_000)
        worker.server.requestStop()
        #expect(idle.waitForClose(), "an idle connection is closed at once")
        busy.send("\r\n")
        let response = try #require(busy.readResponse())
        #expect(response.status == 200)
        #expect(response.header("Connection") == "close")
        #expect(busy.waitForClose())
        #expect(worker.waitForExit())
        #expect((try? TestClient(port: worker.port, timeoutMillis: 300))?.get("/api/v1/health") == nil, "no longer accepting")
        Glibc.close(worker.listenFD)
    }

    @Test("SIGUSR1 reopens logs and SIGTERM stops the worker, through its signalfd")
    func signals() throws {
        let worker = try RunningWorker()
        let client = try TestClient(port: worker.port)
        #expect(client.get("/api/v1/health")?.status == 200)
        worker.signal(.usr1)
        try waitUntil { worker.hooks.reopens.withLock { $0 } == 1 }
        worker.signal(.term)
        #expect(worker.waitForExit())
        #expect(client.waitForClose())
        Glibc.close(worker.listenFD)
    }

    @Test("the feeder's eventfd calls onWake, and the tick calls onTick with the counters")
    func wakeAndTick() throws {
        let worker = try RunningWorker()
        defer { worker.stop() }
        EventFD.signal(worker.wakeFD)
        try waitUntil { worker.hooks.wakes.withLock { $0 } >= 1 }
        EventFD.signal(worker.wakeFD)
        try waitUntil { worker.hooks.wakes.withLock { $0 } >= 2 }
        let client = try TestClient(port: worker.port)
        #expect(client.get("/api/v1/health")?.status == 200)
        try waitUntil { worker.hooks.lastCounters.withLock { $0.requestsServed == 1 && $0.connectionsOpen == 1 } }
    }

    @Test("two workers share one listening socket, and when one stops every new connection goes to the other at once")
    func sharedListener() throws {
        let first = try RunningWorker()
        let second = try RunningWorker(listenFD: first.listenFD)
        defer { second.stop() }
        for _ in 0..<10 {
            let client = try TestClient(port: first.port, timeoutMillis: 1000)
            #expect(client.get("/api/v1/health")?.status == 200)
        }
        try waitUntil {
            first.hooks.lastCounters.withLock { $0.connectionsAccepted } + second.hooks.lastCounters.withLock { $0.connectionsAccepted } == 10
        }
        // Stopping cancels the first worker's wait on the socket; a connection that arrives
        // meanwhile must still wake the second (no wake-up swallowed by the stopping worker).
        first.stop(closingListener: false)
        let before = second.hooks.lastCounters.withLock { $0.connectionsAccepted }
        for _ in 0..<20 {
            let client = try TestClient(port: first.port, timeoutMillis: 1000)
            #expect(client.get("/api/v1/health")?.status == 200)
        }
        try waitUntil { second.hooks.lastCounters.withLock { $0.connectionsAccepted } == before + 20 }
    }

    @Test("workers sharing a socket keep within the lead of each other, whichever wakes first")
    func balancedAccept() throws {
        var options = WorkerOptions.testing
        options.acceptLead = 2
        // A tick long enough that a connection left to the other worker is never taken back
        // by this one's tick on a slow machine.
        options.tickInterval = .seconds(1)
        let (first, second, board) = try balancedPair(options)
        defer { second.stop(); first.stop(closingListener: false) }
        var held: [TestClient] = []
        var widest = 0
        for i in 0..<60 {
            let client = try TestClient(port: first.port, timeoutMillis: 2000)
            #expect(client.get("/api/v1/health")?.status == 200, "connection \(i)")
            held.append(client)
            let counts = board.counts.withLock { $0 }
            #expect(counts.reduce(0, +) == i + 1)
            widest = max(widest, abs(counts[0] - counts[1]))
        }
        #expect(widest <= 2, "counts drifted \(widest) apart")
        // Closing makes room where the connection was; new ones go there.
        for client in held.prefix(20) { client.close() }
        held.removeFirst(20)
        try waitUntil { board.counts.withLock { $0.reduce(0, +) } == 40 }
        for _ in 0..<10 {
            let client = try TestClient(port: first.port, timeoutMillis: 2000)
            #expect(client.get("/api/v1/health")?.status == 200)
            held.append(client)
        }
        let counts = board.counts.withLock { $0 }
        #expect(counts.reduce(0, +) == 50 && abs(counts[0] - counts[1]) <= 2, "\(counts)")
    }

    @Test("a burst is split between the workers within the lead, and none of it is left for a tick")
    func burstNotLeftWaiting() throws {
        var options = WorkerOptions.testing
        options.acceptLead = 1
        options.tickInterval = .seconds(3) // a connection left for the tick would wait seconds
        let (first, second, board) = try balancedPair(options)
        defer { second.stop(); first.stop(closingListener: false) }
        // One worker now holds one connection more than the other: it declines what comes next.
        let opener = try TestClient(port: first.port, timeoutMillis: 2000)
        #expect(opener.get("/api/v1/health")?.status == 200)
        let burst = try (0..<40).map { _ in try TestClient(port: first.port, timeoutMillis: 2000) }
        let started = Clock.monotonicNanos()
        for client in burst { client.send("GET /api/v1/health HTTP/1.1\r\nHost: test\r\n\r\n") }
        for (i, client) in burst.enumerated() { #expect(client.readResponse()?.status == 200, "connection \(i)") }
        let seconds = Double(Clock.monotonicNanos() - started) / 1e9
        #expect(seconds < 1, "the burst took \(seconds) s: some of it waited for a tick")
        let counts = board.counts.withLock { $0 }
        #expect(counts.reduce(0, +) == 41)
        // Split, not taken whole by the first worker awake.
        #expect(abs(counts[0] - counts[1]) <= 2, "\(counts)")
    }

    @Test("a worker ahead of a peer that takes nothing still serves every connection, from its tick")
    func leftConnectionsTakenAtTick() throws {
        var options = WorkerOptions.testing
        options.acceptLead = 2
        // A second "worker" that holds nothing and never accepts: a peer stuck or not yet serving.
        let board = ConnectionBoard(workers: 2)
        let worker = try RunningWorker(options: options, hooks: RecordingHooks(board: board, boardIndex: 0))
        defer { worker.stop() }
        var held: [TestClient] = []
        for i in 0..<6 {
            let client = try TestClient(port: worker.port, timeoutMillis: 2000)
            #expect(client.get("/api/v1/health")?.status == 200, "connection \(i)")
            held.append(client)
        }
        #expect(board.counts.withLock { $0 } == [6, 0])
    }

    /// Two workers on one socket that see each other's connection counts and can wake each other.
    private func balancedPair(_ options: WorkerOptions) throws -> (RunningWorker, RunningWorker, ConnectionBoard) {
        let board = ConnectionBoard(workers: 2)
        let first = try RunningWorker(options: options, hooks: RecordingHooks(board: board, boardIndex: 0))
        let second = try RunningWorker(options: options, hooks: RecordingHooks(board: board, boardIndex: 1),
                                       listenFD: first.listenFD)
        board.register(first, at: 0)
        board.register(second, at: 1)
        return (first, second, board)
    }

    /// Polls `condition` for up to two seconds.
    private func waitUntil(_ condition: () -> Bool) throws {
        for _ in 0..<200 where !condition() { usleep(10_000) }
        try #require(condition())
    }
}
