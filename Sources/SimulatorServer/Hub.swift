import Simulator
import Synchronization

/// A WebSocket connection as the generator sees it: where its frames go. `scratch` is the
/// generator thread's per-step batch (touched by that thread only).
public final class Subscriber: @unchecked Sendable {
    public let id: Int
    public let venue: Venue
    public let route: StreamRoute
    public let outbox: Outbox
    public let openedAtMs: Int64
    /// Frames queued to this connection so far.
    public let framesQueued = Atomic<Int>(0)
    /// Set once when the outbox overflowed (counted once).
    public let markedSlow = Atomic<Bool>(false)
    var scratch: [WireFrame] = []
    var scratchBytes = 0

    init(id: Int, venue: Venue, route: StreamRoute, outbox: Outbox, openedAtMs: Int64) {
        self.id = id
        self.venue = venue
        self.route = route
        self.outbox = outbox
        self.openedAtMs = openedAtMs
    }
}

/// Where one topic's frames go: a connection, the name it subscribed with (the combined
/// wrapper's `stream`), and whether it wants the wrapper.
struct Route: Sendable {
    let subscriber: Subscriber
    let name: String
    let combined: Bool
}

/// An immutable snapshot of every route, rebuilt when a subscription changes; the generator
/// reads the current one once per step.
final class RoutingTable: Sendable {
    let byTopic: [Topic: [Route]]
    /// Partial-depth topics someone subscribed to (rendered from the book on a timer).
    let partialTopics: [Topic]

    init(byTopic: [Topic: [Route]]) {
        self.byTopic = byTopic
        partialTopics = byTopic.keys.filter { if case .depthPartial = $0.kind { true } else { false } }
            .sorted { $0.description < $1.description }
    }

    static let empty = RoutingTable(byTopic: [:])
}

/// The registry of open connections and their subscriptions.
public final class Hub: @unchecked Sendable {
    /// One open connection: HTTP ones have no subscriber.
    struct Entry {
        var outbox: Outbox
        var venue: Venue
        var subscriber: Subscriber?
        var streams: [String] = []
        var topics: [(topic: Topic, name: String)] = []
        var combined = false
        var peer: String
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var nextId = 1
        var table = RoutingTable.empty
    }

    private let state = Locked(State())

    public init() {}

    /// A fresh connection id.
    func register(outbox: Outbox, venue: Venue, peer: String) -> Int {
        state.withLock { s in
            let id = s.nextId
            s.nextId += 1
            s.entries[id] = Entry(outbox: outbox, venue: venue, peer: peer)
            return id
        }
    }

    /// The connection became a WebSocket with these subscriptions.
    func update(id: Int, subscriber: Subscriber, session: ControlSession) {
        state.withLock { s in
            guard s.entries[id] != nil else { return }
            s.entries[id]!.subscriber = subscriber
            s.entries[id]!.streams = session.streams
            s.entries[id]!.topics = session.routedTopics
            s.entries[id]!.combined = session.combined
            s.table = Self.build(s.entries)
        }
    }

    func remove(id: Int) {
        state.withLock { s in
            guard let e = s.entries.removeValue(forKey: id) else { return }
            if e.subscriber != nil { s.table = Self.build(s.entries) }
        }
    }

    func currentTable() -> RoutingTable { state.withLock { $0.table } }

    /// Every open connection (with its subscription state) for faults, state and shutdown.
    func entries() -> [(id: Int, entry: Entry)] {
        state.withLock { s in s.entries.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    static func build(_ entries: [Int: Entry]) -> RoutingTable {
        var byTopic: [Topic: [Route]] = [:]
        for id in entries.keys.sorted() {
            guard let e = entries[id], let sub = e.subscriber else { continue }
            for (topic, name) in e.topics {
                byTopic[topic, default: []].append(Route(subscriber: sub, name: name, combined: e.combined))
            }
        }
        return RoutingTable(byTopic: byTopic)
    }
}
