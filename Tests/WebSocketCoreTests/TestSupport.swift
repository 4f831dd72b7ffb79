import Simulator
import WebSocketCore

/// How a byte stream is cut before it is fed in.
enum Chunking: CaseIterable, Sendable {
    case allAtOnce, byteByByte, random

    func split(_ bytes: [UInt8], seed: UInt64 = 42) -> [[UInt8]] {
        switch self {
        case .allAtOnce:
            return [bytes]
        case .byteByByte:
            return bytes.map { [$0] }
        case .random:
            var rng = SimRandom(seed: seed)
            var chunks: [[UInt8]] = []
            var index = 0
            while index < bytes.count {
                let size = min(Int.random(in: 1...17, using: &rng), bytes.count - index)
                chunks.append(Array(bytes[index..<index + size]))
                index += size
            }
            return chunks
        }
    }
}

/// Feeds `bytes` through an assembler cut as `chunking` says; collects events up to the first
/// error. `.needMoreData` is never recorded.
func assemble(
    _ bytes: [UInt8], role: WebSocketRole = .client, chunking: Chunking = .allAtOnce,
    maxFrameSize: Int = 1 << 20, maxMessageSize: Int = 1 << 20
) -> [WebSocketMessageAssembler.Event] {
    var assembler = WebSocketMessageAssembler(role: role, maxFrameSize: maxFrameSize, maxMessageSize: maxMessageSize)
    var events: [WebSocketMessageAssembler.Event] = []
    for chunk in chunking.split(bytes) {
        let failed = chunk.withUnsafeBytes { raw -> Bool in
            var buffer = raw
            while true {
                let event = assembler.next(&buffer)
                switch event {
                case .needMoreData:
                    precondition(buffer.isEmpty, "needMoreData with bytes left")
                    return false
                case .error:
                    events.append(event)
                    return true
                default:
                    events.append(event)
                }
            }
        }
        if failed { break }
    }
    return events
}

/// Same as `assemble` but one level down: raw frames from the decoder.
func decodeFrames(
    _ bytes: [UInt8], role: WebSocketRole = .client, chunking: Chunking = .allAtOnce, maxFrameSize: Int = 1 << 20
) -> [WebSocketFrameDecoder.Result] {
    var decoder = WebSocketFrameDecoder(role: role, maxFrameSize: maxFrameSize)
    var results: [WebSocketFrameDecoder.Result] = []
    for chunk in chunking.split(bytes) {
        let failed = chunk.withUnsafeBytes { raw -> Bool in
            var buffer = raw
            while true {
                let result = decoder.next(&buffer)
                switch result {
                case .needMoreData: return false
                case .error: results.append(result); return true
                case .frame: results.append(result)
                }
            }
        }
        if failed { break }
    }
    return results
}

/// A frame as a peer would send it; masked with a fixed key when `masked`.
func wire(_ opcode: UInt8, fin: Bool = true, _ payload: [UInt8], masked: Bool = false, rsv: UInt8 = 0) -> [UInt8] {
    var bytes: [UInt8] = [(fin ? 0x80 : 0) | rsv << 4 | opcode]
    let maskBit: UInt8 = masked ? 0x80 : 0
    switch payload.count {
    case 0...125: bytes.append(maskBit | UInt8(payload.count))
    case 126...0xFFFF:
        bytes.append(maskBit | 126)
        bytes += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
    default:
        bytes.append(maskBit | 127)
        bytes += (0..<8).reversed().map { UInt8(truncatingIfNeeded: payload.count >> ($0 * 8)) }
    }
    guard masked else { return bytes + payload }
    let key: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
    return bytes + key + payload.enumerated().map { $0.element ^ key[$0.offset & 3] }
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}
