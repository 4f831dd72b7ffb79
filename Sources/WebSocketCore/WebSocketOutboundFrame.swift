/// A payload written once with 14 bytes of headroom, so the frame header can be put in front in
/// place: encode once, then share the same (copy-on-write) storage across every connection.
///
///     var frame = WebSocketOutboundFrame(reservingCapacity: 256)
///     frame.append(contentsOf: json)
///     frame.prefixHeader(opcode: .text)         // server: unmasked
///     send(frame.bytes)                          // header + payload, contiguous
public struct WebSocketOutboundFrame: Sendable {
    /// Room kept in front of the payload: the largest possible header.
    public static let headroom = WebSocketFrameEncoder.maxHeaderSize

    /// Headroom followed by the payload.
    public private(set) var storage: [UInt8]
    /// Where the frame starts in `storage`; `headroom` until a header is written.
    public private(set) var frameStart: Int
    public private(set) var hasHeader = false

    public init(reservingCapacity payloadCapacity: Int = 0) {
        storage = []
        storage.reserveCapacity(Self.headroom + payloadCapacity)
        storage.append(contentsOf: repeatElement(0, count: Self.headroom))
        frameStart = Self.headroom
    }

    /// Payload bytes written so far.
    public var payloadCount: Int { storage.count - Self.headroom }

    /// Appends payload bytes; only before the header is written.
    public mutating func append(contentsOf bytes: some Sequence<UInt8>) {
        precondition(!hasHeader, "payload changed after the header was written")
        storage.append(contentsOf: bytes)
    }

    /// Appends one payload byte.
    public mutating func append(_ byte: UInt8) {
        precondition(!hasHeader, "payload changed after the header was written")
        storage.append(byte)
    }

    /// Writes the header just in front of the payload and, for a client frame, masks the payload.
    public mutating func prefixHeader(opcode: WebSocketOpcode, fin: Bool = true, maskingKey: WebSocketMaskingKey? = nil) {
        precondition(!hasHeader, "header already written")
        let length = payloadCount
        let size = WebSocketFrameEncoder.headerSize(payloadLength: length, masked: maskingKey != nil)
        let start = Self.headroom - size
        storage.withUnsafeMutableBytes { buffer in
            WebSocketFrameEncoder.writeHeader(
                into: UnsafeMutableRawBufferPointer(rebasing: buffer[start..<Self.headroom]),
                opcode: opcode, fin: fin, payloadLength: length, maskingKey: maskingKey)
            maskingKey?.apply(to: UnsafeMutableRawBufferPointer(rebasing: buffer[Self.headroom...]))
        }
        frameStart = start
        hasHeader = true
    }

    /// The encoded frame (header then payload); only meaningful after `prefixHeader`.
    public var bytes: ArraySlice<UInt8> { storage[frameStart...] }

    /// Calls `body` with the frame's bytes without copying.
    public func withFrameBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[frameStart...])) }
    }
}
