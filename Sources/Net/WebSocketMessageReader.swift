import WebSocketCore

/// The client's receive rules over whole frames, as a value the I/O shell drives: joins
/// fragments into one reused buffer, validates text as UTF-8 (incrementally across fragments),
/// enforces the message size limit, and parses close payloads. A message that arrives in one
/// frame is handed out in place (`.frame`), without a copy.
struct WebSocketMessageReader {
    /// Where a delivered message's bytes are.
    enum Source: Equatable {
        /// The frame's own payload.
        case frame
        /// `assembled`, the joined fragments.
        case assembled
    }

    /// What a frame amounts to.
    enum Step: Equatable {
        /// A non-final fragment was taken in; read on.
        case absorbed
        case deliver(WebSocketClient.Event, Source)
        /// The stream is broken; close with this code.
        case fail(WebSocketCloseCode, String)
    }

    let maxMessageSize: Int
    /// The fragments of the open message so far; capacity is kept between messages.
    private(set) var assembled: [UInt8] = []
    /// Whether a fragmented message is open, and whether it is text.
    private var openIsText: Bool?
    private var validator = UTF8Validator()

    init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    /// Takes one whole frame; `payload` is its unmasked payload.
    mutating func take(_ header: WebSocketFrameHeader, _ payload: UnsafeRawBufferPointer) -> Step {
        switch header.opcode {
        case .ping: return .deliver(.ping, .frame)
        case .pong: return .deliver(.pong, .frame)
        case .close: return close(payload)
        case .text, .binary: return start(isText: header.opcode == .text, fin: header.fin, payload)
        case .continuation: return proceed(fin: header.fin, payload)
        }
    }

    /// Call once a `.assembled` message has been handed out: empties the buffer (keeping its
    /// memory unless it grew past 1 MiB for one big message).
    mutating func delivered() {
        if assembled.capacity > 1 << 20 {
            assembled = []
        } else {
            assembled.removeAll(keepingCapacity: true)
        }
    }

    private mutating func start(isText: Bool, fin: Bool, _ payload: UnsafeRawBufferPointer) -> Step {
        guard openIsText == nil else { return .fail(.protocolError, "new data frame while a fragmented message is open") }
        validator = UTF8Validator()
        if isText {
            guard validator.validate(payload) else { return .fail(.invalidFramePayloadData, "invalid UTF-8 in a text message") }
        }
        guard fin else {
            openIsText = isText
            assembled.append(contentsOf: payload)
            return .absorbed
        }
        guard validator.isAtBoundary else { return .fail(.invalidFramePayloadData, "text message ends inside a UTF-8 sequence") }
        return .deliver(isText ? .text : .binary, .frame)
    }

    private mutating func proceed(fin: Bool, _ payload: UnsafeRawBufferPointer) -> Step {
        guard let isText = openIsText else { return .fail(.protocolError, "continuation frame without a message to continue") }
        guard assembled.count + payload.count <= maxMessageSize else {
            return .fail(.messageTooBig, "message exceeds \(maxMessageSize) bytes")
        }
        if isText {
            guard validator.validate(payload) else { return .fail(.invalidFramePayloadData, "invalid UTF-8 in a text message") }
        }
        assembled.append(contentsOf: payload)
        guard fin else { return .absorbed }
        openIsText = nil
        if isText, !validator.isAtBoundary {
            return .fail(.invalidFramePayloadData, "text message ends inside a UTF-8 sequence")
        }
        return .deliver(isText ? .text : .binary, .assembled)
    }

    private func close(_ payload: UnsafeRawBufferPointer) -> Step {
        switch WebSocketClosePayload.parse(Array(payload)) {
        case .valid(let code, let reason): return .deliver(.close(code: code?.rawValue, reason: reason), .frame)
        case .invalid(let code, let reason): return .fail(code, reason)
        }
    }
}
