/// One client connection in its slot: socket, parser, queued output and the times its timeouts
/// are measured from. The object stays with the slot and serves the slot's next connection, so
/// buffers keep their capacity and no connection costs an allocation once the table is warm.
/// Only the loop's thread touches it, so its state skips dynamic exclusivity checks (a few
/// percent of the loop's time otherwise).
final class Connection {
    /// The slot's life cycle.
    enum Phase {
        /// Unused, on the free list.
        case free
        /// A live socket.
        case open
        /// Socket closed; waiting for the receive and any send still in the kernel to complete.
        case closing
    }

    /// Why a connection's time ran out.
    enum Expiry: Equatable {
        /// Silent for too long between requests (or from the start): close without a word.
        case idle
        /// A request started and did not finish in time: 408, then close.
        case request
        /// Queued output made no progress: drop.
        case send
    }

    /// The timeouts, in nanoseconds.
    struct Timeouts {
        var header: Int64
        var idle: Int64
        var send: Int64
    }

    let slot: UInt32
    @exclusivity(unchecked) private(set) var generation: UInt32 = 1
    @exclusivity(unchecked) var phase = Phase.free
    @exclusivity(unchecked) var fd: Int32 = -1
    @exclusivity(unchecked) var parser: HTTPParser
    @exclusivity(unchecked) var sends = SendQueue()
    /// A multishot receive is armed in the kernel.
    @exclusivity(unchecked) var receiveArmed = false
    /// Waiting in the loop's list of receives to arm at the end of the turn.
    @exclusivity(unchecked) var receiveDeferred = false
    /// Close once everything queued has left.
    @exclusivity(unchecked) var closeAfterSend = false
    /// Waiting in the loop's list of connections to flush this turn.
    @exclusivity(unchecked) var flushQueued = false
    @exclusivity(unchecked) var requestsServed = 0
    @exclusivity(unchecked) var lastActivity: Int64 = 0
    @exclusivity(unchecked) var requestStartedAt: Int64?
    @exclusivity(unchecked) var lastSendProgress: Int64 = 0
    /// Set once the connection switched to WebSocket frames.
    @exclusivity(unchecked) var webSocket: WebSocketSession?
    /// The client's address, counted against the per-address limit while open.
    @exclusivity(unchecked) var peer: PeerAddress?
    /// Admitted over a limit: its first request is answered 503, then it closes.
    @exclusivity(unchecked) var refusal: ConnectionRefusal?
    /// A REST request handed to a background thread: how to answer it when its answer comes.
    @exclusivity(unchecked) var pendingAPI: PendingAPI?
    /// Bytes that arrived behind a pending REST request: parsed once it is answered.
    @exclusivity(unchecked) var stash: [UInt8] = []

    init(slot: UInt32, limits: HTTPLimits) {
        self.slot = slot
        parser = HTTPParser(limits: limits)
    }

    @inline(__always)
    func tag(_ op: CompletionTag.Op) -> CompletionTag { CompletionTag(op: op, slot: slot, generation: generation) }

    /// This connection as a subscriber: messages addressed to it never reach the slot's next user.
    var subscriberID: SubscriberID { SubscriberID(slot: slot, generation: generation) }

    /// Nothing half-received, nothing queued, nothing in flight.
    /// A WebSocket connection is never idle in this sense: it ends with a close handshake.
    var isIdle: Bool { parser.isIdle && sends.isEmpty && webSocket == nil && pendingAPI == nil }

    /// Takes the slot for a new socket.
    func open(fd: Int32, now: Int64) {
        precondition(phase == .free, "open of a busy slot")
        self.fd = fd
        phase = .open
        lastActivity = now
        lastSendProgress = now
    }

    /// Returns the slot to the free list's use: a new generation, so completions meant for this
    /// connection no longer match.
    func release() {
        phase = .free
        fd = -1
        generation = CompletionTag.next(after: generation)
        parser = HTTPParser(limits: parser.limits)
        sends.reset()
        receiveArmed = false
        closeAfterSend = false
        requestsServed = 0
        requestStartedAt = nil
        webSocket = nil
        peer = nil
        refusal = nil
        pendingAPI = nil
        stash = []
    }

    /// Whether, and why, this connection's time is up at `now`.
    func expiry(now: Int64, timeouts: Timeouts) -> Expiry? {
        if !sends.isEmpty || closeAfterSend {
            return now - lastSendProgress > timeouts.send ? .send : nil
        }
        if !parser.isIdle, let started = requestStartedAt {
            return now - started > timeouts.header ? .request : nil
        }
        let limit = requestsServed == 0 ? timeouts.header : timeouts.idle
        return now - lastActivity > limit ? .idle : nil
    }
}

/// The connection slots, indexed by the slot number in completion tags, with a free list. A
/// completion finds its connection only while the slot's generation matches the tag's. Loop
/// thread only (unchecked exclusivity, like `Connection`).
final class ConnectionTable {
    @exclusivity(unchecked) private(set) var slots: [Connection] = []
    /// `slots` without reference counting, for the fan-out's walk over thousands of them: a
    /// slot's object lives as long as the table (slots are never removed), so a handle is
    /// always valid.
    @exclusivity(unchecked) private(set) var handles: [Unmanaged<Connection>] = []
    @exclusivity(unchecked) private var free: [UInt32] = []
    let capacity: Int
    let limits: HTTPLimits
    /// Slots not free (open or closing).
    @exclusivity(unchecked) private(set) var inUse = 0

    init(capacity: Int, limits: HTTPLimits) {
        self.capacity = capacity
        self.limits = limits
    }

    /// A slot for `fd`, or nil when every slot is taken.
    func open(fd: Int32, now: Int64) -> Connection? {
        let connection: Connection
        if let slot = free.popLast() {
            connection = slots[Int(slot)]
        } else if slots.count < capacity {
            connection = Connection(slot: UInt32(slots.count), limits: limits)
            slots.append(connection)
            handles.append(.passUnretained(connection))
        } else {
            return nil
        }
        connection.open(fd: fd, now: now)
        inUse += 1
        return connection
    }

    /// The connection a completion is for; nil when the slot was released since (stale tag).
    @inline(__always)
    func lookup(_ tag: CompletionTag) -> Connection? {
        let slot = Int(tag.slot)
        guard slot < slots.count else { return nil }
        let connection = slots[slot]
        guard connection.phase != .free, connection.generation == tag.generation else { return nil }
        return connection
    }

    /// The connection in `slot` while its generation is `generation`.
    @inline(__always)
    func lookup(slot: UInt32, generation: UInt32) -> Connection? {
        guard Int(slot) < slots.count else { return nil }
        let connection = slots[Int(slot)]
        guard connection.phase != .free, connection.generation == generation else { return nil }
        return connection
    }

    func release(_ connection: Connection) {
        precondition(connection.phase != .free, "double release of slot \(connection.slot)")
        connection.release()
        free.append(connection.slot)
        inUse -= 1
    }
}
