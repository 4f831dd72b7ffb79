import Posix
import Synchronization
import TLS
import WebSocketCore

/// An RFC 6455 client over a `Transport`: masked frames out; fragments joined, text checked as
/// UTF-8 and a size limit enforced on the way in; pings answered with pongs echoing the payload
/// and a close answered, without the caller's help. Single-frame messages are handed to the
/// caller straight from the receive buffer: the receive path allocates nothing.
///
/// One owner thread; only `interrupt()` may be called from other threads.
public final class WebSocketClient: @unchecked Sendable {
    /// What `receive` delivered. The payload comes beside it.
    public enum Event: Sendable, Hashable {
        case text
        case binary
        /// A ping (already answered with a pong).
        case ping
        case pong
        /// The server's close frame (already answered); `code` is nil when it carried none.
        case close(code: UInt16?, reason: String)
    }

    public let endpoint: Endpoint
    public let transport: Transport
    public let maxMessageSize: Int
    let buffer: ByteBuffer
    var reader: WebSocketMessageReader
    var state = WebSocketStateMachine(role: .client)
    /// Outgoing frames are built here: header, then the masked payload.
    let outgoing: ByteBuffer
    /// Why the connection is finished; every later call throws it.
    var finished: NetError?

    /// Bytes read from the connection after the handshake.
    public internal(set) var bytesReceived: Int64 = 0
    /// Frames of any kind received.
    public internal(set) var framesReceived: Int64 = 0
    /// Text and binary messages delivered.
    public internal(set) var messagesReceived: Int64 = 0
    public internal(set) var pingsReceived: Int64 = 0
    public internal(set) var pongsReceived: Int64 = 0
    /// Pings left unanswered because more than `pongsPerSecond` came within a second.
    public internal(set) var pongsSkipped: Int64 = 0
    var pongWindowStartNanos: Int64 = .min / 2
    var pongsInWindow = 0
    /// Pongs sent a second at most (Binance allows 5 control messages a second, SUBSCRIBEs included).
    static let pongsPerSecond = 3
    /// Monotonic ns of the last frame received (the handshake's end until then).
    public internal(set) var lastFrameNanos: Int64

    /// How long the automatic pong and the close handshake may take.
    static let controlTimeoutNanos: Int64 = 2_000_000_000

    init(endpoint: Endpoint, transport: Transport, buffer: ByteBuffer, maxMessageSize: Int) {
        self.endpoint = endpoint
        self.transport = transport
        self.buffer = buffer
        self.maxMessageSize = maxMessageSize
        self.reader = WebSocketMessageReader(maxMessageSize: maxMessageSize)
        self.outgoing = ByteBuffer(capacity: 4096, limit: maxMessageSize + WebSocketFrameEncoder.maxHeaderSize)
        self.lastFrameNanos = Clock.monotonicNanos()
    }

    /// The socket, for callers that want to poll it themselves.
    public var fd: Int32 { transport.fd }

    /// Whether the connection is still usable for sending and receiving.
    public var isOpen: Bool { finished == nil && state.state == .open }

    /// Makes a blocked (or the next) call throw `.interrupted` promptly. Sticky; thread-safe.
    public func interrupt() { transport.interrupt() }

    /// Sends a text message.
    public func sendText(_ text: String, deadline: Int64?) throws(NetError) {
        try send(.text, text.utf8, deadline: deadline)
    }

    /// Sends a text message from bytes the caller promises are UTF-8.
    public func sendText(_ bytes: some Collection<UInt8>, deadline: Int64?) throws(NetError) {
        try send(.text, bytes, deadline: deadline)
    }

    /// Sends a binary message.
    public func sendBinary(_ bytes: some Collection<UInt8>, deadline: Int64?) throws(NetError) {
        try send(.binary, bytes, deadline: deadline)
    }

    /// Sends a ping (at most 125 bytes of payload).
    public func sendPing(_ payload: [UInt8] = [], deadline: Int64?) throws(NetError) {
        precondition(payload.count <= 125, "ping payload over 125 bytes")
        try send(.ping, payload, deadline: deadline)
    }

    /// Sends an unsolicited pong (at most 125 bytes of payload).
    public func sendPong(_ payload: [UInt8] = [], deadline: Int64?) throws(NetError) {
        precondition(payload.count <= 125, "pong payload over 125 bytes")
        try send(.pong, payload, deadline: deadline)
    }

    /// Best-effort close handshake, bounded by about two seconds: sends a close frame with `code`
    /// and `reason`, waits for the server's close (discarding data), then closes the socket.
    public func close(code: UInt16 = 1000, reason: String = "") {
        defer {
            transport.close()
            if finished == nil { finished = NetError(.closed, "WebSocket \(endpoint.hostAndPort): closed by this side") }
        }
        guard finished == nil, !transport.isInterrupted else { return }
        guard case .sendClose(let payload, _) = state.close(code: WebSocketCloseCode(rawValue: code), reason: reason) else { return }
        let bound = Deadline.after(nanos: Self.controlTimeoutNanos)
        do throws(NetError) {
            try writeFrame(.close, payload, deadline: bound)
            while state.state == .closeSent {
                guard try receive(deadline: bound, { _, _ in }) else { return }
            }
        } catch {
            return
        }
    }

    /// Encodes one frame (masked, with a fresh key) into `outgoing` and writes it.
    func send(_ opcode: WebSocketOpcode, _ payload: some Collection<UInt8>, deadline: Int64?) throws(NetError) {
        if let finished { throw finished }
        guard state.state == .open else {
            throw NetError(.closed, "WebSocket \(endpoint.hostAndPort): sending after the close handshake began")
        }
        try writeFrame(opcode, payload, deadline: deadline)
    }

    func writeFrame(_ opcode: WebSocketOpcode, _ payload: some Collection<UInt8>, deadline: Int64?) throws(NetError) {
        let length = payload.count
        let headerSize = WebSocketFrameEncoder.headerSize(payloadLength: length, masked: true)
        outgoing.clear()
        guard outgoing.reserve(total: headerSize + length, minimumFree: 0) else {
            throw NetError(.tooLarge, "WebSocket \(endpoint.hostAndPort): outgoing message of \(length) bytes exceeds \(maxMessageSize)")
        }
        let key = WebSocketMaskingKey.random()
        let space = outgoing.writable
        WebSocketFrameEncoder.writeHeader(
            into: space, opcode: opcode, fin: true, payloadLength: length, maskingKey: key)
        let body = UnsafeMutableRawBufferPointer(rebasing: space[headerSize..<headerSize + length])
        _ = body.initializeMemory(as: UInt8.self, from: payload)
        key.apply(to: body)
        outgoing.commit(headerSize + length)
        do throws(NetError) {
            try transport.writeAll(outgoing.readable, deadline: deadline)
        } catch {
            finish(error)  // part of a frame may be on the wire: the stream cannot go on
            throw error
        }
    }

    /// Marks the connection finished and closes the socket.
    func finish(_ error: NetError) {
        if finished == nil { finished = error }
        transport.close()
    }
}
