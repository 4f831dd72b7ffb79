/// Which end of the connection this codec serves; it decides which frames must be masked.
public enum WebSocketRole: Sendable, Hashable {
    /// Receives masked frames, sends unmasked ones.
    case server
    /// Receives unmasked frames, sends masked ones.
    case client
}

/// Frame opcodes defined by RFC 6455 §5.2; any other value is a protocol error.
public enum WebSocketOpcode: UInt8, Sendable, Hashable {
    case continuation = 0x0
    case text = 0x1
    case binary = 0x2
    case close = 0x8
    case ping = 0x9
    case pong = 0xA

    /// Control frames (close, ping, pong) may not be fragmented and carry at most 125 bytes.
    public var isControl: Bool { rawValue & 0x8 != 0 }
}

/// The 4-byte masking key; `value` holds the bytes in wire order, first byte most significant.
public struct WebSocketMaskingKey: Sendable, Hashable {
    public var value: UInt32

    public init(_ value: UInt32) {
        self.value = value
    }

    /// A key from the system's random number generator, as RFC 6455 §5.3 requires.
    public static func random() -> WebSocketMaskingKey {
        var rng = SystemRandomNumberGenerator()
        return random(using: &rng)
    }

    /// A key drawn from `generator` (tests pass a seeded one).
    public static func random(using generator: inout some RandomNumberGenerator) -> WebSocketMaskingKey {
        WebSocketMaskingKey(UInt32.random(in: .min ... .max, using: &generator))
    }

    /// XORs `bytes` with the key in place, as if `bytes` began `offset` bytes into the payload.
    /// Works 8 bytes at a time; masking and unmasking are the same operation.
    public func apply(to bytes: UnsafeMutableRawBufferPointer, offset: Int = 0) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        let rotation = UInt32((offset & 3) * 8)
        // Rotate so the key's first byte lines up with `bytes[0]`; then the bytes in memory are
        // the wire order whatever the host's endianness.
        let rotated = rotation == 0 ? value : (value << rotation) | (value >> (32 - rotation))
        let word = rotated.bigEndian
        let pattern = UInt64(word) | UInt64(word) << 32
        var index = 0
        let count = bytes.count
        while index + 8 <= count {
            let chunk = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            base.storeBytes(of: chunk ^ pattern, toByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < count {
            let keyByte = UInt8(truncatingIfNeeded: rotated >> UInt32(24 - (index & 3) * 8))
            base.storeBytes(of: base.load(fromByteOffset: index, as: UInt8.self) ^ keyByte,
                            toByteOffset: index, as: UInt8.self)
            index += 1
        }
    }
}

/// A decoded frame header (RFC 6455 §5.2).
public struct WebSocketFrameHeader: Sendable, Hashable {
    public var fin: Bool
    public var opcode: WebSocketOpcode
    public var payloadLength: Int
    /// Present when the frame was masked; the payload handed out is already unmasked.
    public var maskingKey: WebSocketMaskingKey?

    public init(fin: Bool, opcode: WebSocketOpcode, payloadLength: Int, maskingKey: WebSocketMaskingKey?) {
        self.fin = fin
        self.opcode = opcode
        self.payloadLength = payloadLength
        self.maskingKey = maskingKey
    }
}
