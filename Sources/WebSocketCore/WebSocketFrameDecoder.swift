/// Incremental RFC 6455 frame parser. Feed it whatever bytes arrived; it consumes them from the
/// front of the buffer and returns one result at a time. The only allocation is the payload.
///
/// Header bytes are taken one at a time (at most 14), so a header may be split anywhere; the
/// payload is copied in bulk and unmasked 8 bytes at a time once complete.
public struct WebSocketFrameDecoder: Sendable {
    /// One step of decoding.
    public enum Result: Sendable, Hashable {
        /// Every byte handed in was consumed; call again with more.
        case needMoreData
        /// A complete frame with its unmasked payload.
        case frame(WebSocketFrameHeader, [UInt8])
        /// The stream is broken; close with this code. The decoder stays failed.
        case error(WebSocketCloseCode, String)
    }

    private enum State: Sendable {
        case firstByte
        case secondByte(first: UInt8)
        case extendedLength(Partial, remaining: Int, value: UInt64)
        case maskingKey(Partial, remaining: Int, value: UInt32)
        case payload(WebSocketFrameHeader)
        case failed(WebSocketCloseCode, String)
    }

    /// What is known of a header before its length and key are complete.
    private struct Partial: Sendable {
        var fin: Bool
        var opcode: WebSocketOpcode
        var masked: Bool
        var length: Int
    }

    public let role: WebSocketRole
    /// Frames longer than this are refused with 1009.
    public let maxFrameSize: Int
    private var state: State = .firstByte
    /// The frame being received. Kept out of `State` so appending never copies it: a value
    /// bound from a `switch` subject stays shared until the `switch` ends.
    private var payload: [UInt8] = []

    public init(role: WebSocketRole, maxFrameSize: Int = 16 << 20) {
        self.role = role
        self.maxFrameSize = maxFrameSize
    }

    /// Consumes bytes from the front of `bytes` until a frame completes, an error is found, or
    /// the buffer is empty.
    public mutating func next(_ bytes: inout UnsafeRawBufferPointer) -> Result {
        while true {
            switch state {
            case .failed(let code, let reason):
                return .error(code, reason)
            case .payload(let header):
                let taken = min(header.payloadLength - payload.count, bytes.count)
                payload.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<taken]))
                bytes = UnsafeRawBufferPointer(rebasing: bytes[taken...])
                guard payload.count == header.payloadLength else { return .needMoreData }
                if let key = header.maskingKey {
                    payload.withUnsafeMutableBytes { key.apply(to: $0) }
                }
                state = .firstByte
                return .frame(header, takePayload())
            default:
                guard let byte = bytes.first else { return .needMoreData }
                bytes = UnsafeRawBufferPointer(rebasing: bytes[1...])
                if let frame = consumeHeaderByte(byte) { return frame }
            }
        }
    }

    /// Advances the header state by one byte; returns a result when the frame is finished
    /// (empty payload) or broken.
    private mutating func consumeHeaderByte(_ byte: UInt8) -> Result? {
        switch state {
        case .firstByte:
            state = .secondByte(first: byte)
            return nil
        case .secondByte(let first):
            return startHeader(first: first, second: byte)
        case .extendedLength(var partial, let remaining, let value):
            let value = value << 8 | UInt64(byte)
            guard remaining == 1 else {
                state = .extendedLength(partial, remaining: remaining - 1, value: value)
                return nil
            }
            guard value >> 63 == 0 else { return fail(.protocolError, "64-bit length has its top bit set") }
            guard value <= UInt64(maxFrameSize) else { return fail(.messageTooBig, "frame exceeds \(maxFrameSize) bytes") }
            partial.length = Int(value)
            return afterLength(partial)
        case .maskingKey(let partial, let remaining, let value):
            let value = value << 8 | UInt32(byte)
            guard remaining == 1 else {
                state = .maskingKey(partial, remaining: remaining - 1, value: value)
                return nil
            }
            return startPayload(partial, key: WebSocketMaskingKey(value))
        case .payload, .failed:
            preconditionFailure("header byte fed in state \(state)")
        }
    }

    private mutating func startHeader(first: UInt8, second: UInt8) -> Result? {
        guard first & 0x70 == 0 else { return fail(.protocolError, "reserved bits set without an extension") }
        guard let opcode = WebSocketOpcode(rawValue: first & 0x0F) else {
            return fail(.protocolError, "unknown opcode \(first & 0x0F)")
        }
        let fin = first & 0x80 != 0
        let masked = second & 0x80 != 0
        let length7 = Int(second & 0x7F)
        if opcode.isControl {
            guard fin else { return fail(.protocolError, "fragmented control frame") }
            guard length7 <= 125 else { return fail(.protocolError, "control frame longer than 125 bytes") }
        }
        switch (role, masked) {
        case (.server, false): return fail(.protocolError, "client frame is not masked")
        case (.client, true): return fail(.protocolError, "server frame is masked")
        default: break
        }
        let partial = Partial(fin: fin, opcode: opcode, masked: masked, length: length7)
        switch length7 {
        case 126:
            state = .extendedLength(partial, remaining: 2, value: 0)
            return nil
        case 127:
            state = .extendedLength(partial, remaining: 8, value: 0)
            return nil
        default:
            guard length7 <= maxFrameSize else { return fail(.messageTooBig, "frame exceeds \(maxFrameSize) bytes") }
            return afterLength(partial)
        }
    }

    private mutating func afterLength(_ partial: Partial) -> Result? {
        guard partial.masked else { return startPayload(partial, key: nil) }
        state = .maskingKey(partial, remaining: 4, value: 0)
        return nil
    }

    private mutating func startPayload(_ partial: Partial, key: WebSocketMaskingKey?) -> Result? {
        let header = WebSocketFrameHeader(
            fin: partial.fin, opcode: partial.opcode, payloadLength: partial.length, maskingKey: key)
        guard partial.length > 0 else {
            state = .firstByte
            return .frame(header, [])
        }
        // Capped: a header alone must not make us reserve the whole frame limit.
        payload.reserveCapacity(min(partial.length, 1 << 16))
        state = .payload(header)
        return nil
    }

    /// Hands the finished payload out, leaving an empty (unallocated) one behind.
    private mutating func takePayload() -> [UInt8] {
        var finished: [UInt8] = []
        swap(&finished, &payload)
        return finished
    }

    private mutating func fail(_ code: WebSocketCloseCode, _ reason: String) -> Result {
        state = .failed(code, reason)
        return .error(code, reason)
    }
}
