/// Turns frames into messages: joins fragments, validates text incrementally, checks close
/// payloads, and surfaces control frames (which may interleave with fragments) as events.
///
/// A single-frame message is handed out without copying its payload; fragments are appended
/// to one growing buffer.
public struct WebSocketMessageAssembler: Sendable {
    /// One step of assembling.
    public enum Event: Sendable, Hashable {
        /// Every byte handed in was consumed; call again with more.
        case needMoreData
        /// A complete text message; the bytes are valid UTF-8.
        case text([UInt8])
        /// A complete binary message.
        case binary([UInt8])
        case ping([UInt8])
        case pong([UInt8])
        /// The peer's close frame; `code` is nil when it carried none (1005).
        case close(code: WebSocketCloseCode?, reason: String)
        /// The stream is broken; send a close with this code and drop the connection.
        case error(WebSocketCloseCode, String)
    }

    /// A fragmented message still being received.
    private struct OpenMessage: Sendable {
        var isText: Bool
        var payload: [UInt8]
        var validator: UTF8Validator
    }

    private var decoder: WebSocketFrameDecoder
    /// Messages longer than this (summed over fragments) are refused with 1009.
    public let maxMessageSize: Int
    private var open: OpenMessage?
    private var failure: (code: WebSocketCloseCode, reason: String)?

    public init(role: WebSocketRole, maxFrameSize: Int = 16 << 20, maxMessageSize: Int = 16 << 20) {
        self.decoder = WebSocketFrameDecoder(role: role, maxFrameSize: min(maxFrameSize, maxMessageSize))
        self.maxMessageSize = maxMessageSize
    }

    /// Consumes bytes from the front of `bytes` until an event is ready or the buffer is empty.
    public mutating func next(_ bytes: inout UnsafeRawBufferPointer) -> Event {
        if let failure { return .error(failure.code, failure.reason) }
        while true {
            switch decoder.next(&bytes) {
            case .needMoreData:
                return .needMoreData
            case .error(let code, let reason):
                return fail(code, reason)
            case .frame(let header, let payload):
                if let event = handle(header, payload) { return event }
            }
        }
    }

    /// Handles one frame; nil when it was a non-final fragment.
    private mutating func handle(_ header: WebSocketFrameHeader, _ payload: [UInt8]) -> Event? {
        switch header.opcode {
        case .ping: return .ping(payload)
        case .pong: return .pong(payload)
        case .close: return closeEvent(payload)
        case .continuation: return continueMessage(fin: header.fin, payload)
        case .text, .binary: return startMessage(isText: header.opcode == .text, fin: header.fin, payload)
        }
    }

    private mutating func startMessage(isText: Bool, fin: Bool, _ payload: [UInt8]) -> Event? {
        guard open == nil else { return fail(.protocolError, "new data frame while a fragmented message is open") }
        guard payload.count <= maxMessageSize else { return fail(.messageTooBig, "message exceeds \(maxMessageSize) bytes") }
        var validator = UTF8Validator()
        if isText {
            guard validator.validate(payload) else { return fail(.invalidFramePayloadData, "invalid UTF-8 in text message") }
        }
        guard fin else {
            open = OpenMessage(isText: isText, payload: payload, validator: validator)
            return nil
        }
        guard validator.isAtBoundary else { return fail(.invalidFramePayloadData, "text message ends inside a UTF-8 sequence") }
        return isText ? .text(payload) : .binary(payload)
    }

    private mutating func continueMessage(fin: Bool, _ payload: [UInt8]) -> Event? {
        guard open != nil else { return fail(.protocolError, "continuation frame without a message to continue") }
        guard open!.payload.count + payload.count <= maxMessageSize else {
            return fail(.messageTooBig, "message exceeds \(maxMessageSize) bytes")
        }
        if open!.isText {
            guard open!.validator.validate(payload) else { return fail(.invalidFramePayloadData, "invalid UTF-8 in text message") }
        }
        open!.payload.append(contentsOf: payload)  // in place: no copy of the message so far
        guard fin else { return nil }
        let message = open!
        open = nil
        guard !message.isText else {
            guard message.validator.isAtBoundary else {
                return fail(.invalidFramePayloadData, "text message ends inside a UTF-8 sequence")
            }
            return .text(message.payload)
        }
        return .binary(message.payload)
    }

    private mutating func closeEvent(_ payload: [UInt8]) -> Event {
        switch WebSocketClosePayload.parse(payload) {
        case .valid(let code, let reason): return .close(code: code, reason: reason)
        case .invalid(let code, let reason): return fail(code, reason)
        }
    }

    private mutating func fail(_ code: WebSocketCloseCode, _ reason: String) -> Event {
        failure = (code, reason)
        open = nil
        return .error(code, reason)
    }
}
