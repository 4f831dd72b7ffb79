import Posix
import Runtime

/// What connection threads (and the REST thread) tell the feeder's main loop.
enum FeedEvent: Sendable {
    case connected(id: Int, endpoint: String)
    case firstData(id: Int)
    case serverShutdown(id: Int)
    case stalled(id: Int)
    case silent(id: Int)
    case failed(id: Int, reason: String)
    /// The TCP connect, TLS handshake or WebSocket upgrade failed; `pause` when the upgrade was
    /// answered 429 or 418 (the thread has paused the market already).
    case handshakeFailed(id: Int, reason: String, pause: ConnectPause?)
    case closed(id: Int)
    /// From the requests thread: stream a symbol not streamed yet (`SymbolAdder`).
    case addSymbol(SymbolAddition)
}

/// A mutex-protected queue of events plus an eventfd the main loop polls.
final class FeedInbox: @unchecked Sendable {
    let wakeFD: Int32
    private let lock = Mutex()
    private var events: [FeedEvent] = []

    init() throws {
        wakeFD = try EventFD.make()
    }

    func post(_ event: FeedEvent) {
        lock.withLock { events.append(event) }
        EventFD.signal(wakeFD)
    }

    func drain() -> [FeedEvent] {
        _ = EventFD.drain(wakeFD)
        return lock.withLock {
            let out = events
            events.removeAll(keepingCapacity: true)
            return out
        }
    }
}
