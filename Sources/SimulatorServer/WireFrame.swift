import WebSocketCore

/// A complete server-to-client WebSocket frame (header and payload; server frames are not
/// masked), encoded once and shared by every connection that receives it.
public final class WireFrame: Sendable {
    public let bytes: [UInt8]

    public init(opcode: WebSocketOpcode = .text, payload: some Collection<UInt8>) {
        let header = WebSocketFrameEncoder.headerSize(payloadLength: payload.count, masked: false)
        var bytes = [UInt8](repeating: 0, count: header)
        bytes.reserveCapacity(header + payload.count)
        _ = bytes.withUnsafeMutableBytes {
            WebSocketFrameEncoder.writeHeader(into: $0, opcode: opcode, payloadLength: payload.count)
        }
        bytes.append(contentsOf: payload)
        self.bytes = bytes
    }

    public var count: Int { bytes.count }
}
