/// Writes RFC 6455 frame headers (2–14 bytes) into caller-provided memory, and whole frames for
/// the rare paths (control frames, tests) where an array is fine.
public enum WebSocketFrameEncoder {
    /// The largest header: 2 bytes, 8 of extended length, 4 of masking key.
    public static let maxHeaderSize = 14

    /// Bytes the header of a frame with this payload length takes.
    public static func headerSize(payloadLength: Int, masked: Bool) -> Int {
        let lengthBytes = payloadLength <= 125 ? 0 : (payloadLength <= 0xFFFF ? 2 : 8)
        return 2 + lengthBytes + (masked ? 4 : 0)
    }

    /// Writes the header at the start of `buffer` and returns how many bytes it took.
    /// `buffer` must hold at least `headerSize(payloadLength:masked:)` bytes.
    @discardableResult
    public static func writeHeader(
        into buffer: UnsafeMutableRawBufferPointer, opcode: WebSocketOpcode, fin: Bool = true,
        payloadLength: Int, maskingKey: WebSocketMaskingKey? = nil
    ) -> Int {
        let size = headerSize(payloadLength: payloadLength, masked: maskingKey != nil)
        precondition(payloadLength >= 0 && buffer.count >= size, "header does not fit")
        buffer[0] = (fin ? 0x80 : 0) | opcode.rawValue
        let maskBit: UInt8 = maskingKey == nil ? 0 : 0x80
        var index = 2
        switch payloadLength {
        case 0...125:
            buffer[1] = maskBit | UInt8(payloadLength)
        case 126...0xFFFF:
            buffer[1] = maskBit | 126
            buffer.storeBytes(of: UInt16(payloadLength).bigEndian, toByteOffset: 2, as: UInt16.self)
            index = 4
        default:
            buffer[1] = maskBit | 127
            buffer.storeBytes(of: UInt64(payloadLength).bigEndian, toByteOffset: 2, as: UInt64.self)
            index = 10
        }
        if let key = maskingKey {
            buffer.storeBytes(of: key.value.bigEndian, toByteOffset: index, as: UInt32.self)
        }
        return size
    }

    /// A whole frame in a fresh array; the payload is masked when a key is given.
    public static func frame(
        opcode: WebSocketOpcode, fin: Bool = true, payload: [UInt8], maskingKey: WebSocketMaskingKey? = nil
    ) -> [UInt8] {
        let headerSize = headerSize(payloadLength: payload.count, masked: maskingKey != nil)
        var bytes = [UInt8](repeating: 0, count: headerSize + payload.count)
        bytes.withUnsafeMutableBytes { buffer in
            writeHeader(into: buffer, opcode: opcode, fin: fin, payloadLength: payload.count, maskingKey: maskingKey)
            let body = UnsafeMutableRawBufferPointer(rebasing: buffer[headerSize...])
            payload.withUnsafeBytes { body.copyMemory(from: $0) }
            maskingKey?.apply(to: body)
        }
        return bytes
    }

    /// A close frame carrying `code` and `reason` (truncated to fit 125 bytes).
    public static func closeFrame(
        code: WebSocketCloseCode, reason: String = "", maskingKey: WebSocketMaskingKey? = nil
    ) -> [UInt8] {
        frame(opcode: .close, payload: WebSocketClosePayload.make(code: code, reason: reason), maskingKey: maskingKey)
    }
}
