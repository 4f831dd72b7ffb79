/// The close handshake and control-frame duties of one connection (RFC 6455 §5.5, §7), as a pure
/// value: feed it assembler events and local close requests; it answers with what to do.
///
///     open ──we close──▶ closeSent ──their close──▶ closed
///       └──their close──▶ (echo) ──────────────────▶ closed
///
/// After an error or an echoed close the server drops TCP at once (§7.1.1: the server closes
/// first); a client echoes and also drops it, since it has nothing left to wait for.
public struct WebSocketStateMachine: Sendable {
    public enum State: Sendable, Hashable {
        case open
        /// We sent a close and wait for theirs.
        case closeSent
        /// Both closes are done, or the connection failed; only the TCP close remains.
        case closed
    }

    /// What the connection's I/O shell must do next.
    public enum Action: Sendable, Hashable {
        case none
        case deliverText([UInt8])
        case deliverBinary([UInt8])
        /// Answer a ping with a pong carrying the same payload.
        case sendPong([UInt8])
        /// Send a close frame with this payload; then close TCP if told to.
        case sendClose(payload: [UInt8], thenCloseConnection: Bool)
        case closeConnection
    }

    public private(set) var state: State = .open
    public let role: WebSocketRole

    public init(role: WebSocketRole) {
        self.role = role
    }

    /// Reacts to one event from the message assembler.
    public mutating func received(_ event: WebSocketMessageAssembler.Event) -> Action {
        switch (state, event) {
        case (_, .needMoreData), (_, .pong), (.closed, _):
            return .none
        case (.open, .text(let bytes)):
            return .deliverText(bytes)
        case (.open, .binary(let bytes)):
            return .deliverBinary(bytes)
        case (.open, .ping(let payload)):
            return .sendPong(payload)
        case (.closeSent, .text), (.closeSent, .binary), (.closeSent, .ping):
            return .none  // §5.5.1: after sending a close, further data may be discarded
        case (.open, .close(let code, _)):
            state = .closed
            let payload = code.map { WebSocketClosePayload.make(code: $0) } ?? []
            return .sendClose(payload: payload, thenCloseConnection: true)
        case (.closeSent, .close):
            state = .closed
            return .closeConnection
        case (.open, .error(let code, let reason)):
            state = .closed
            return .sendClose(payload: WebSocketClosePayload.make(code: code, reason: reason), thenCloseConnection: true)
        case (.closeSent, .error):
            state = .closed
            return .closeConnection
        }
    }

    /// Starts the close handshake from our side.
    public mutating func close(code: WebSocketCloseCode = .normalClosure, reason: String = "") -> Action {
        guard state == .open else { return .none }
        state = .closeSent
        return .sendClose(payload: WebSocketClosePayload.make(code: code, reason: reason), thenCloseConnection: false)
    }

    /// Our close went unanswered for too long (the shell owns the clock): give up on the peer.
    public mutating func closeTimedOut() -> Action {
        guard state == .closeSent else { return .none }
        state = .closed
        return .closeConnection
    }
}
