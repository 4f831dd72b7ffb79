/// The client side of the frame codec: finds whole server-to-client frames in received bytes
/// without copying them (the payload of an unmasked frame is already in the receive buffer, so
/// the client hands it out in place). Stateless: a header split across reads is simply scanned
/// again once more bytes arrived (at most 10 bytes).
public enum WebSocketFrameScanner {
    /// What the front of the buffer holds.
    public enum Scan: Equatable {
        /// The frame (or its header) is incomplete; `total` is how many bytes the whole frame
        /// needs from the front of the buffer, as far as is known yet.
        case needMore(total: Int)
        /// A complete frame whose payload starts at `headerSize`.
        case frame(WebSocketFrameHeader, headerSize: Int)
        /// The stream is broken; close with this code.
        case error(WebSocketCloseCode, String)
    }

    /// Scans a frame sent by a server (never masked) from the front of `bytes`; frames longer than
    /// `maxPayload` are refused with 1009.
    public static func scan(_ bytes: UnsafeRawBufferPointer, maxPayload: Int) -> Scan {
        guard bytes.count >= 2 else { return .needMore(total: 2) }
        let first = bytes[0], second = bytes[1]
        guard first & 0x70 == 0 else { return .error(.protocolError, "reserved bits set without an extension") }
        guard let opcode = WebSocketOpcode(rawValue: first & 0x0F) else {
            return .error(.protocolError, "unknown opcode \(first & 0x0F)")
        }
        let fin = first & 0x80 != 0
        guard second & 0x80 == 0 else { return .error(.protocolError, "server frame is masked") }
        let length7 = Int(second & 0x7F)
        if opcode.isControl {
            guard fin else { return .error(.protocolError, "fragmented control frame") }
            guard length7 <= 125 else { return .error(.protocolError, "control frame longer than 125 bytes") }
        }
        let headerSize: Int
        let length: Int
        switch length7 {
        case 126:
            headerSize = 4
            guard bytes.count >= headerSize else { return .needMore(total: headerSize) }
            length = Int(UInt16(bytes[2]) << 8 | UInt16(bytes[3]))
        case 127:
            headerSize = 10
            guard bytes.count >= headerSize else { return .needMore(total: headerSize) }
            var value: UInt64 = 0
            for index in 2..<10 { value = value << 8 | UInt64(bytes[index]) }
            guard value >> 63 == 0 else { return .error(.protocolError, "64-bit length has its top bit set") }
            guard value <= UInt64(maxPayload) else { return .error(.messageTooBig, "frame of \(value) bytes exceeds \(maxPayload)") }
            length = Int(value)
        default:
            headerSize = 2
            length = length7
        }
        guard length <= maxPayload else { return .error(.messageTooBig, "frame of \(length) bytes exceeds \(maxPayload)") }
        guard bytes.count >= headerSize + length else { return .needMore(total: headerSize + length) }
        return .frame(WebSocketFrameHeader(fin: fin, opcode: opcode, payloadLength: length, maskingKey: nil), headerSize: headerSize)
    }
}
