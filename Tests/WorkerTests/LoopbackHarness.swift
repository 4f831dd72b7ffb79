import Foundation
import Glibc
import Posix
import ShmRing
import Synchronization
import Testing
@testable import Worker

/// Hooks that record what the worker asked, readable from the test's thread.
final class RecordingHooks: WorkerHooks, Sendable {
    let body: [UInt8]
    let wakes = Mutex(0)
    let ticks = Mutex(0)
    let reopens = Mutex(0)
    let lastCounters = Mutex(WorkerCounters())

    /// The symbols the terminal route serves; nil: any.
    let symbols: [String]?
    /// Subscription hooks as they came: "+key", "+key(-replaced)", "-key=remaining".
    let subscriptionEvents = Mutex<[String]>([])

    /// Whether `onSubscribed` sends the subscriber a marker message.
    let markers: Bool

    /// What the last tick published: terminal clients, subscribers per symbol index.
    let publishedClients = Mutex<(clients: Int, perSymbol: [Int])>((0, []))
    /// What `terminalClientsElsewhere` answers (the other workers' figures).
    let elsewhere = Mutex<TerminalClients?>(nil)

    /// Where this worker publishes its connection count, and reads the others' from (the
    /// control block's slots, in a test); nil: it publishes nothing and knows of no others.
    let board: ConnectionBoard?
    let boardIndex: Int

    init(body: String = #"{"status":"ok"}"#, symbols: [String]? = nil, markers: Bool = false,
         board: ConnectionBoard? = nil, boardIndex: Int = 0) {
        self.body = Array(body.utf8)
        self.symbols = symbols
        self.markers = markers
        self.board = board
        self.boardIndex = boardIndex
    }

    var symbolDirectory: SymbolDirectory? { symbols.map { FixedSymbolDirectory($0) } }

    /// Records the event and sends the subscriber a marker, as a snapshot would be sent.
    func onSubscribed(_ key: SubscriptionKey, subscriber: SubscriberID, channels: ChannelSet, replacing: SubscriptionKey?,
                      resume: ResumePoint?, broadcaster: Broadcaster) {
        let event = "+\(key)" + (replacing.map { "(-\($0))" } ?? "")
        subscriptionEvents.withLock { $0.append(event) }
        guard markers else { return }
        var marker = #"{"type":"marker","key":"\#(key)"}"#
        marker.withUTF8 { _ = broadcaster.send(text: UnsafeRawBufferPointer($0), to: subscriber) }
    }

    func onResnapshot(_ key: SubscriptionKey, subscriber: SubscriberID, broadcaster: Broadcaster) {
        subscriptionEvents.withLock { $0.append("=\(key)") }
    }

    func onUnsubscribed(_ key: SubscriptionKey, remaining: Int) {
        subscriptionEvents.withLock { $0.append("-\(key)=\(remaining)") }
    }

    func health() -> (status: Int, body: [UInt8]) { (200, body) }

    /// 300 KB of JSON, more than a loopback socket takes at once with small buffers.
    static let bigBody: [UInt8] = Array(("[" + (0..<30_000).map { String(format: "%09d", $0) }.joined(separator: ",") + "]").utf8)

    /// REST requests as they came (target, subscriber).
    let apiRequests = Mutex<[(target: String, subscriber: SubscriberID)]>([])

    /// A path ending in `/later` is answered later (by the test); any other `{"path":...}`.
    func api(_ request: HTTPRequest, subscriber: SubscriberID) -> APIAnswer {
        apiRequests.withLock { $0.append((request.target, subscriber)) }
        if request.path.hasSuffix("/later") { return .later }
        if request.path.hasSuffix("/big") {
            // A kept answer: its body in a shared frame and a memfd.
            var r = RESTResponse.ok(Self.bigBody)
            r.etag = BodyTag.of(Self.bigBody)
            r.shared = SharedBody(Self.bigBody)
            return .response(r)
        }
        return .response(.ok(Array(#"{"path":"\#(request.path)"}"#.utf8), headers: "X-Test: 1\r\n"))
    }
    func onWake() { wakes.withLock { $0 += 1 } }
    func onTick(_ counters: WorkerCounters) {
        ticks.withLock { $0 += 1 }
        lastCounters.withLock { $0 = counters }
    }
    func onReopenLogs() { reopens.withLock { $0 += 1 } }
    func onTerminalClients(_ clients: Int, subscribersPerSymbol: [Int]) {
        publishedClients.withLock { $0 = (clients, subscribersPerSymbol) }
    }
    var terminalClientsElsewhere: TerminalClients? { elsewhere.withLock { $0 } }
    func onConnectionCount(_ open: Int) { board?.counts.withLock { $0[boardIndex] = open } }
    var fewestConnectionsElsewhere: (worker: Int, connections: Int)? {
        board?.counts.withLock { counts in
            counts.indices.filter { $0 != boardIndex }.map { ($0, counts[$0]) }.min { $0.1 < $1.1 }
        }
    }
    func nudge(worker: Int) {
        board?.nudges.withLock { $0 += 1 }
        if let fd = board?.wakeFDs.withLock({ $0[worker] }), fd >= 0 { EventFD.signal(fd) }
    }
}

/// The connection counts of workers sharing a listening socket, as the control block holds
/// them for real workers.
final class ConnectionBoard: Sendable {
    let counts: Mutex<[Int]>
    /// Each worker's wake-up eventfd, for `nudge` (-1: none, a peer that never answers).
    let wakeFDs: Mutex<[Int32]>
    let nudges = Mutex(0)
    init(workers: Int) {
        counts = Mutex([Int](repeating: 0, count: workers))
        wakeFDs = Mutex([Int32](repeating: -1, count: workers))
    }

    func register(_ worker: RunningWorker, at index: Int) { wakeFDs.withLock { $0[index] = worker.wakeFD } }
}

/// A worker serving on 127.0.0.1 (an ephemeral port) in a thread of its own.
final class RunningWorker: Sendable {
    let server: WorkerServer
    let port: UInt16
    let listenFD: Int32
    let hooks: RecordingHooks
    let wakeFD: Int32
    private let finished = DispatchSemaphore(value: 0)
    private let thread = Mutex<pthread_t?>(nil)
    let runError = Mutex<SystemError?>(nil)

    /// Serves on `listenFD` when given (shared with another worker), else on a new socket.
    init(options: WorkerOptions = .testing, hooks: RecordingHooks = RecordingHooks(), listenFD shared: Int32? = nil) throws {
        listenFD = try shared ?? Socket.listen(host: "127.0.0.1", port: 0)
        port = Socket.localPort(listenFD)
        wakeFD = try EventFD.make()
        self.hooks = hooks
        server = try WorkerServer(listenFD: listenFD, wakeFD: wakeFD, options: options, hooks: hooks)
        let started = DispatchSemaphore(value: 0)
        Thread { [self] in
            thread.withLock { $0 = pthread_self() }
            started.signal()
            do throws(SystemError) { try server.run() } catch { runError.withLock { $0 = error } }
            finished.signal()
        }.start()
        started.wait()
    }

    /// Whether `run()` returned within `seconds`.
    func waitForExit(seconds: Double = 5) -> Bool {
        finished.wait(timeout: .now() + seconds) == .success
    }

    /// Sends a signal to the worker's thread alone (it blocks the signal and reads it).
    func signal(_ signal: Signal) {
        if let t = thread.withLock({ $0 }) { pthread_kill(t, signal.raw) }
    }

    /// Stops the worker and waits for it; closes the descriptors it used (the listening socket
    /// unless told it is shared).
    func stop(closingListener: Bool = true) {
        server.requestStop()
        let exited = waitForExit()
        #expect(exited, "worker did not stop")
        if exited {
            if closingListener { Glibc.close(listenFD) }
            Glibc.close(wakeFD)
        }
    }
}

extension WorkerOptions {
    /// Defaults with short timeouts, so tests stay quick.
    static var testing: WorkerOptions {
        var options = WorkerOptions()
        options.tickInterval = .milliseconds(20)
        options.headerTimeout = .seconds(5)
        options.idleTimeout = .seconds(5)
        options.shutdownTimeout = .seconds(3)
        options.receiveBufferCount = 64
        return options
    }
}
