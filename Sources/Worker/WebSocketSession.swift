import WebSocketCore

/// The WebSocket protocol a route speaks.
enum WebSocketRouteKind: Sendable, Equatable {
    /// Every text and binary message comes back as it was.
    case echo
    /// The terminal protocol of API.md §2: JSON requests, JSON replies, subscriptions.
    case terminal
}

/// One connection's WebSocket state once the handshake is done: the frame assembler, the close
/// handshake, the terminal protocol's subscriptions and the times its timers are measured from.
/// A value the loop keeps in the connection's slot; its timer decision is a pure function of
/// the clock, so tests drive it.
struct WebSocketSession {
    /// What the timers ask for at a tick.
    enum TimerAction: Equatable {
        case none
        /// Time for the next keep-alive ping.
        case ping
        /// The peer sent nothing for the idle timeout: start closing.
        case idleClose
        /// Our close went unanswered: close TCP.
        case giveUp
    }

    /// The durations the timers use, in nanoseconds.
    struct Timers {
        var pingInterval: Int64
        var idleTimeout: Int64
        var closeTimeout: Int64
    }

    let kind: WebSocketRouteKind
    var assembler: WebSocketMessageAssembler
    var machine = WebSocketStateMachine(role: .server)
    /// Eight hex digits, told to the client in `connected`.
    let clientID: String
    /// The client's subscriptions (terminal route): upper-cased symbol → its key and channels.
    /// One market per symbol, so a client never receives two markets' messages under one name.
    var subscriptions: [String: Subscription] = [:]
    /// Messages dropped because the client fell behind: the first and last sequence, until
    /// the queue drains and the client is told.
    var dropped: ClosedRange<UInt64>?
    /// The latest value of each conflatable channel that did not fit the queue, framed.
    var held: [HeldFrame] = []
    /// When the peer last sent any bytes.
    var lastHeard: Int64
    /// When we last sent a ping (or opened).
    var lastPing: Int64
    /// When our close frame was queued, while waiting for theirs.
    var closeSentAt: Int64?
    /// The terminal route's budget for client messages (unused on the echo route).
    var budget = MessageBudget()

    init(kind: WebSocketRouteKind, maxMessage: Int, clientID: String, now: Int64) {
        self.kind = kind
        assembler = WebSocketMessageAssembler(role: .server, maxFrameSize: maxMessage, maxMessageSize: maxMessage)
        self.clientID = clientID
        lastHeard = now
        lastPing = now
    }

    /// One subscription of the terminal route.
    struct Subscription: Equatable {
        var key: SubscriptionKey
        var channels: ChannelSet
    }

    /// A conflatable channel's latest frame, waiting for room in the queue.
    struct HeldFrame {
        var key: SubscriptionKey
        var channel: ChannelSet
        var frame: SharedFrame
        /// The ring sequence of `frame`'s record: held values leave in this order.
        var sequence: UInt64
    }

    /// Whether data may still be sent to the peer.
    var isOpen: Bool { machine.state == .open }

    /// What the timers ask for at `now`; a ping is counted as sent.
    mutating func check(now: Int64, timers: Timers) -> TimerAction {
        if let sent = closeSentAt { return now - sent >= timers.closeTimeout ? .giveUp : .none }
        guard isOpen else { return .none }
        if now - lastHeard >= timers.idleTimeout { return .idleClose }
        guard now - lastPing >= timers.pingInterval else { return .none }
        lastPing = now
        return .ping
    }

    /// A fresh client id: eight lower-case hex digits.
    static func makeClientID() -> String {
        let hex = String(UInt32.random(in: .min ... .max), radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}
