import Glibc
import Posix
import Synchronization
@testable import Worker

/// A backend with no kernel behind it: it records what the loop asks for and hands back the
/// completions a test scripts, so connection logic is tested without sockets.
final class ScriptedBackend: EventBackend {
    /// One operation the loop queued.
    enum Operation: Equatable {
        case accept(fd: Int32, tag: CompletionTag)
        case receive(fd: Int32, tag: CompletionTag)
        case send(fd: Int32, bytes: [UInt8], tag: CompletionTag)
        case read(fd: Int32, tag: CompletionTag)
        case timer(nanoseconds: Int64, tag: CompletionTag)
        case cancel(target: CompletionTag, tag: CompletionTag)
    }

    static let bufferSize = 4096
    private(set) var operations: [Operation] = []
    private(set) var closed: [Int32] = []
    private(set) var recycled: [UInt16] = []
    private var pending: [Completion] = []
    private var freeBuffers: [UInt16] = Array(0..<16)
    private let memory = UnsafeMutableRawPointer.allocate(byteCount: 16 * ScriptedBackend.bufferSize, alignment: 16)

    deinit { memory.deallocate() }

    func armAccept(listenFD fd: Int32, multishot: Bool, tag: CompletionTag) { operations.append(.accept(fd: fd, tag: tag)) }
    func armListenPoll(listenFD fd: Int32, tag: CompletionTag) { operations.append(.accept(fd: fd, tag: tag)) }
    /// Connections waiting on the listening socket, taken by `acceptPending`; an errno entry
    /// (negative) is answered once, as accept(2) would.
    var pendingConnections: [Int32] = []
    func acceptPending(listenFD fd: Int32) -> Int32 { pendingConnections.isEmpty ? -EAGAIN : pendingConnections.removeFirst() }
    func armReceive(fd: Int32, tag: CompletionTag) { operations.append(.receive(fd: fd, tag: tag)) }
    func send(fd: Int32, bytes: UnsafeRawBufferPointer, tag: CompletionTag) {
        operations.append(.send(fd: fd, bytes: Array(bytes), tag: tag))
    }
    /// A vectored send is recorded as the bytes it gathers, like a plain one.
    func sendMessage(fd: Int32, message: UnsafeMutablePointer<msghdr>, tag: CompletionTag) {
        operations.append(.send(fd: fd, bytes: OutgoingBytes.vector(message).gathered, tag: tag))
    }
    func read(fd: Int32, into buffer: UnsafeMutableRawBufferPointer, tag: CompletionTag) {
        operations.append(.read(fd: fd, tag: tag))
    }
    func armTimer(nanoseconds: Int64, tag: CompletionTag) { operations.append(.timer(nanoseconds: nanoseconds, tag: tag)) }
    func cancel(_ target: CompletionTag, tag: CompletionTag) { operations.append(.cancel(target: target, tag: tag)) }
    func configureAccepted(fd: Int32) {}
    func closeSocket(fd: Int32) { closed.append(fd) }
    /// Each submit, whether it waited.
    var submits: [Bool] = []
    func submit(waiting: Bool) throws(SystemError) { submits.append(waiting) }

    func drain(_ body: (Completion) -> Void) {
        let batch = pending
        pending = []
        batch.forEach(body)
    }

    func receivedBytes(bufferID: UInt16, count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: memory + Int(bufferID) * Self.bufferSize, count: count)
    }

    func recycle(bufferID: UInt16) {
        recycled.append(bufferID)
        freeBuffers.append(bufferID)
    }

    // MARK: scripting

    func complete(_ tag: CompletionTag, result: Int32, more: Bool = false) {
        pending.append(Completion(tag: tag, result: result, more: more, bufferID: nil))
    }

    /// `text` arrives for `tag` in a provided buffer.
    func receive(_ text: String, for tag: CompletionTag, more: Bool = true) {
        receive(bytes: Array(text.utf8), for: tag, more: more)
    }

    /// `bytes` (at most `bufferSize`) arrive for `tag` in a provided buffer.
    func receive(bytes: [UInt8], for tag: CompletionTag, more: Bool = true) {
        precondition(bytes.count <= Self.bufferSize, "more than one provided buffer holds")
        let id = freeBuffers.removeFirst()
        bytes.withUnsafeBytes { (memory + Int(id) * Self.bufferSize).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        pending.append(Completion(tag: tag, result: Int32(bytes.count), more: more, bufferID: id))
    }

    /// Forgets the operations recorded so far.
    func clearOperations() { operations.removeAll() }

    var sends: [(fd: Int32, text: String, tag: CompletionTag)] {
        operations.compactMap {
            if case .send(let fd, let bytes, let tag) = $0 { return (fd, String(decoding: bytes, as: UTF8.self), tag) }
            return nil
        }
    }

    /// The bytes of every send, in order.
    var sentBytes: [(bytes: [UInt8], tag: CompletionTag)] {
        operations.compactMap {
            if case .send(_, let bytes, let tag) = $0 { return (bytes, tag) }
            return nil
        }
    }

    var receivesArmed: [CompletionTag] {
        operations.compactMap { if case .receive(_, let tag) = $0 { return tag } else { return nil } }
    }

    var acceptsArmed: Int {
        operations.filter { if case .accept = $0 { return true } else { return false } }.count
    }
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    let nanos = Mutex<Int64>(1_000_000_000)

    func advance(milliseconds: Int64) { nanos.withLock { $0 += milliseconds * 1_000_000 } }

    var loopClock: LoopClock {
        LoopClock(monotonicNanos: { self.nanos.withLock { $0 } }, realtimeSeconds: { 784_111_777 })
    }
}

/// A loop over a scripted backend, with helpers to accept and talk.
final class ScriptedLoop {
    let backend = ScriptedBackend()
    let clock = ManualClock()
    let hooks: RecordingHooks
    let loop: EventLoop<ScriptedBackend>
    static let listenFD: Int32 = 3

    init(options: WorkerOptions = .testing, hooks: RecordingHooks = RecordingHooks(), wake: Int32? = nil) {
        self.hooks = hooks
        loop = EventLoop(backend: backend, fds: .init(listen: Self.listenFD, wake: wake, stop: nil, signal: nil),
                         options: options, hooks: hooks, clock: clock.loopClock)
        loop.start()
    }

    /// One loop turn over whatever was scripted.
    func turn() { try? loop.turn() }

    /// Accepts `fd` and returns the tag its receive was armed with.
    func accept(fd: Int32) -> CompletionTag? {
        backend.pendingConnections.append(fd)
        backend.complete(CompletionTag(op: .accept), result: Int32(POLLIN), more: true)
        turn()
        return backend.receivesArmed.last
    }
}

extension EventLoop<ScriptedBackend>.Descriptors {
    init(listen: Int32) { self.init(listen: listen, wake: nil, stop: nil, signal: nil) }
}
