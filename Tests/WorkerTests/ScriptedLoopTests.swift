import Foundation
import Glibc
import Testing
@testable import Worker

/// The loop's connection logic, driven by scripted completions and a hand-moved clock.
@Suite("Event loop over a scripted backend")
struct ScriptedLoopTests {
    static let get = "GET /api/v1/health HTTP/1.1\r\nHost: t\r\n\r\n"

    @Test("a request in a provided buffer is answered and the buffer is given back")
    func answerAndRecycle() throws {
        let s = ScriptedLoop()
        let tag = try #require(s.accept(fd: 10))
        s.backend.receive(Self.get, for: tag)
        s.turn()
        #expect(s.backend.sends.map(\.fd) == [10])
        #expect(s.backend.sends.first?.text.hasPrefix("HTTP/1.1 200 OK\r\n") == true)
        #expect(s.backend.recycled.count == 1)
    }

    @Test("at most maxSendsPerTurn sends start in one turn; the rest start at the next")
    func sendsPerTurn() throws {
        var options = WorkerOptions.testing
        options.maxSendsPerTurn = 2
        let s = ScriptedLoop(options: options)
        let tags = try [10, 11, 12].map { try #require(s.accept(fd: $0)) }
        for tag in tags { s.backend.receive(Self.get, for: tag) }
        s.turn()
        #expect(s.backend.sends.map(\.fd) == [10, 11])
        let wakes = s.hooks.wakes.withLock { $0 }
        s.turn()
        #expect(s.backend.sends.map(\.fd) == [10, 11, 12])
        // The second part did not wait for a completion, and read the ring before it started.
        #expect(s.backend.submits.suffix(2) == [true, false])
        #expect(s.hooks.wakes.withLock { $0 } == wakes + 1)
        s.turn()
        #expect(s.backend.submits.last == true && s.hooks.wakes.withLock { $0 } == wakes + 1)
    }

    @Test("a wake-up of a worker with enough terminal clients waits the coalescing window (one timer however many wake-ups come) and then reads the ring; below the threshold, with no window, or mid-fan-out it reads at once")
    func coalescingWindow() throws {
        var options = WorkerOptions.testing
        options.coalesceWindow = .microseconds(150)
        options.coalesceMinClients = 0
        let s = ScriptedLoop(options: options, wake: 5)
        let wake = CompletionTag(op: .wake), gather = CompletionTag(op: .gather)
        func wakes() -> Int { s.hooks.wakes.withLock { $0 } }
        func gatherTimers() -> Int {
            s.backend.operations.filter { $0 == .timer(nanoseconds: 150_000, tag: gather) }.count
        }
        s.backend.clearOperations()
        s.backend.complete(wake, result: 8)
        s.turn()
        #expect(wakes() == 0 && gatherTimers() == 1, "the ring is read when the window ends, not at the wake-up")
        s.backend.complete(wake, result: 8)
        s.backend.complete(wake, result: 8)
        s.turn()
        #expect(wakes() == 0 && gatherTimers() == 1, "wake-ups inside the window join it")
        s.backend.complete(gather, result: -ETIME)
        s.turn()
        #expect(wakes() == 1)
        s.backend.complete(wake, result: 8)
        s.turn()
        #expect(wakes() == 1 && gatherTimers() == 2, "the next wake-up opens a new window")
        s.backend.complete(gather, result: -ETIME)
        s.turn()
        #expect(wakes() == 2)

        // Fewer terminal clients than the threshold (a small fan-out costs microseconds).
        options.coalesceMinClients = 1
        let small = ScriptedLoop(options: options, wake: 5)
        small.backend.complete(wake, result: 8)
        small.turn()
        #expect(small.hooks.wakes.withLock { $0 } == 1)
        #expect(!small.backend.operations.contains(.timer(nanoseconds: 150_000, tag: gather)))

        // Mid-fan-out: the wake-up reads the ring now, and so does the next part.
        options.coalesceMinClients = 0
        options.maxSendsPerTurn = 1
        let busy = ScriptedLoop(options: options, wake: 5)
        let tags = try [10, 11].map { try #require(busy.accept(fd: $0)) }
        for tag in tags { busy.backend.receive(Self.get, for: tag) }
        busy.turn()
        #expect(busy.backend.sends.map(\.fd) == [10])
        busy.backend.complete(wake, result: 8)
        busy.turn()
        #expect(busy.backend.sends.map(\.fd) == [10, 11])
        #expect(busy.hooks.wakes.withLock { $0 } == 2)
        #expect(!busy.backend.operations.contains(.timer(nanoseconds: 150_000, tag: gather)))

        // No window.
        options.maxSendsPerTurn = 128
        options.coalesceWindow = .zero
        let off = ScriptedLoop(options: options, wake: 5)
        off.backend.complete(wake, result: 8)
        off.turn()
        #expect(off.hooks.wakes.withLock { $0 } == 1)
    }

    @Test("a receive out of provided buffers is armed again once, after the turn's sends, not at once")
    func outOfBuffers() throws {
        let s = ScriptedLoop()
        let starved = try #require(s.accept(fd: 10))
        let served = try #require(s.accept(fd: 11))
        s.backend.clearOperations()
        s.backend.complete(starved, result: -ENOBUFS, more: false)
        s.backend.receive(Self.get, for: served)
        s.turn()
        let ops = s.backend.operations
        #expect(ops.count == 2)
        #expect(ops.first.map { if case .send(11, _, _) = $0 { true } else { false } } == true)
        #expect(ops.last == .receive(fd: 10, tag: starved))
        #expect(!s.backend.closed.contains(10))
    }

    @Test("a stale receive for a reused slot is dropped and its buffer still given back")
    func staleReceive() throws {
        let s = ScriptedLoop()
        let old = try #require(s.accept(fd: 10))
        s.backend.complete(old, result: 0)  // peer closed: the slot is released
        s.turn()
        #expect(s.backend.closed == [10])
        let new = try #require(s.accept(fd: 11))
        #expect(new.slot == old.slot && new.generation != old.generation)
        s.backend.clearOperations()
        s.backend.receive(Self.get, for: old)
        s.turn()
        #expect(s.backend.sends.isEmpty)
        #expect(s.backend.recycled.count == 1)
        s.backend.receive(Self.get, for: new)
        s.turn()
        #expect(s.backend.sends.map(\.fd) == [11])
    }

    @Test("a multishot receive that ends without F_MORE, or with ENOBUFS, is armed again")
    func rearmReceive() throws {
        let s = ScriptedLoop()
        let tag = try #require(s.accept(fd: 10))
        s.backend.clearOperations()
        s.backend.receive(Self.get, for: tag, more: false)
        s.turn()
        #expect(s.backend.receivesArmed == [tag])
        s.backend.clearOperations()
        s.backend.complete(tag, result: -ENOBUFS)
        s.turn()
        #expect(s.backend.receivesArmed == [tag])
        #expect(s.backend.closed.isEmpty)
    }

    @Test("the listening poll is armed again when it ends; a connection aborted in the backlog is skipped, but after EMFILE accepting waits for the next tick")
    func rearmAccept() {
        let s = ScriptedLoop()
        s.backend.clearOperations()
        s.backend.pendingConnections = [-ECONNABORTED, 11]
        s.backend.complete(CompletionTag(op: .accept), result: Int32(POLLIN))
        s.turn()
        #expect(s.backend.acceptsArmed == 1)
        #expect(s.backend.pendingConnections.isEmpty, "the connection behind the aborted one was taken")
        #expect(s.loop.counters.connectionsAccepted == 1)
        s.backend.clearOperations()
        s.backend.pendingConnections = [-EMFILE, 12]
        s.backend.complete(CompletionTag(op: .accept), result: Int32(POLLIN))
        s.turn()
        #expect(s.backend.acceptsArmed == 0)
        #expect(s.loop.counters.acceptErrors == 1)
        s.backend.complete(CompletionTag(op: .tick), result: -ETIME)
        s.turn()
        #expect(s.backend.acceptsArmed == 1)
    }

    @Test("pipelined responses leave in one send; one send in flight, the rest queued behind it")
    func oneSendInFlight() throws {
        let s = ScriptedLoop()
        let tag = try #require(s.accept(fd: 10))
        s.backend.receive(Self.get + Self.get, for: tag)
        s.turn()
        let first = try #require(s.backend.sends.first)
        #expect(s.backend.sends.count == 1)
        #expect(first.text.components(separatedBy: "HTTP/1.1 200").count == 3)
        s.backend.receive(Self.get, for: tag)
        s.turn()
        #expect(s.backend.sends.count == 1, "a second send while one is in flight")
        s.backend.complete(first.tag, result: 10)
        s.turn()
        let rest = try #require(s.backend.sends.last)
        #expect(s.backend.sends.count == 2)
        #expect(rest.text == String(first.text.dropFirst(10)))
        s.backend.complete(rest.tag, result: Int32(rest.text.utf8.count))
        s.turn()
        #expect(s.backend.sends.count == 3)
        #expect(s.backend.sends.last?.text.hasPrefix("HTTP/1.1 200 OK") == true)
    }

    @Test("a connection dropped with a send in flight keeps its slot until the send completes")
    func slotHeldForSend() throws {
        let s = ScriptedLoop()
        let tag = try #require(s.accept(fd: 10))
        s.backend.receive(Self.get, for: tag)
        s.turn()
        let send = try #require(s.backend.sends.first)
        s.backend.complete(tag, result: -ECONNRESET)
        s.turn()
        #expect(s.backend.closed == [10])
        #expect(s.loop.table.inUse == 1)
        s.backend.complete(send.tag, result: -EPIPE)
        s.turn()
        #expect(s.loop.table.inUse == 0)
    }

    @Test("half a request gets 408 once the header timeout passes on the loop's clock")
    func headerTimeout() throws {
        var options = WorkerOptions.testing
        options.headerTimeout = .seconds(2)
        let s = ScriptedLoop(options: options)
        let tag = try #require(s.accept(fd: 10))
        s.backend.receive("GET / HTTP/1.1\r\n", for: tag)
        s.turn()
        s.clock.advance(milliseconds: 1900)
        s.backend.complete(CompletionTag(op: .tick), result: -ETIME)
        s.turn()
        #expect(s.backend.sends.isEmpty)
        s.clock.advance(milliseconds: 200)
        s.backend.complete(CompletionTag(op: .tick), result: -ETIME)
        s.turn()
        let send = try #require(s.backend.sends.first)
        #expect(send.text.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
        #expect(send.text.contains("Connection: close\r\n"))
        s.backend.complete(send.tag, result: Int32(send.text.utf8.count))
        s.turn()
        #expect(s.backend.closed == [10])
        #expect(s.loop.counters.requestTimeouts == 1)
    }

    @Test("a silent new connection closes after the header timeout, an idle one after the idle timeout")
    func silentAndIdle() throws {
        var options = WorkerOptions.testing
        options.headerTimeout = .seconds(2)
        options.idleTimeout = .seconds(5)
        let s = ScriptedLoop(options: options)
        _ = try #require(s.accept(fd: 10))
        let served = try #require(s.accept(fd: 11))
        s.backend.receive(Self.get, for: served)
        s.turn()
        let send = try #require(s.backend.sends.first)
        s.backend.complete(send.tag, result: Int32(send.text.utf8.count))
        s.turn()
        s.clock.advance(milliseconds: 2100)
        s.backend.complete(CompletionTag(op: .tick), result: -ETIME)
        s.turn()
        #expect(s.backend.closed == [10])
        s.clock.advance(milliseconds: 3000)
        s.backend.complete(CompletionTag(op: .tick), result: -ETIME)
        s.turn()
        #expect(s.backend.closed == [10, 11])
        #expect(s.backend.sends.count == 1, "closed without a word")
        #expect(s.loop.counters.idleTimeouts == 2)
    }

    @Test("a stop drops what is still busy at the shutdown timeout and finishes")
    func stopDeadline() throws {
        var options = WorkerOptions.testing
        options.shutdownTimeout = .seconds(1)
        let s = ScriptedLoop(options: options)
        let tag = try #require(s.accept(fd: 10))
        s.backend.receive("GET / HTTP/1.1\r\n", for: tag)
        s.turn()
        s.loop.beginStop()
        #expect(s.backend.closed.isEmpty, "a request in progress may finish")
        s.clock.advance(milliseconds: 1100)
        s.backend.complete(CompletionTag(op: .tick), result: -ETIME)
        s.turn()
        #expect(s.backend.closed == [10])
        #expect(s.loop.counters.connectionsDropped == 1)
        s.backend.complete(tag, result: -ECANCELED)
        s.turn()
        #expect(s.loop.finished)
    }

    @Test("a stop cancels accept, gives a fresh connection a moment for its first request, then closes it and finishes")
    func stop() throws {
        let s = ScriptedLoop()
        let tag = try #require(s.accept(fd: 10))
        s.backend.clearOperations()
        s.loop.beginStop()
        #expect(s.backend.operations.contains(.cancel(target: CompletionTag(op: .accept), tag: CompletionTag(op: .cancel))))
        #expect(s.backend.closed.isEmpty, "a connection that has not asked yet is not cut off")
        s.clock.advance(milliseconds: 1100)
        s.backend.complete(CompletionTag(op: .tick), result: -ETIME)
        s.turn()
        #expect(s.backend.closed == [10])
        #expect(!s.loop.finished)
        s.backend.complete(tag, result: -ECANCELED)
        s.turn()
        #expect(!s.loop.finished, "the cancelled accept has not reported back yet")
        s.backend.complete(CompletionTag(op: .accept), result: -ECANCELED)
        s.turn()
        #expect(s.loop.finished)
    }
}
