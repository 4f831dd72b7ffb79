import Simulator
import Testing
@testable import WebSocketCore

@Suite("Frame encoder and masking")
struct FrameEncoderTests {
    @Test("headers take 2, 4 or 10 bytes by length, plus 4 when masked", arguments: [
        (0, 2), (125, 2), (126, 4), (65535, 4), (65536, 10), (1 << 40, 10),
    ])
    func headerSizes(length: Int, size: Int) {
        #expect(WebSocketFrameEncoder.headerSize(payloadLength: length, masked: false) == size)
        #expect(WebSocketFrameEncoder.headerSize(payloadLength: length, masked: true) == size + 4)
    }

    @Test("the encoder reproduces the RFC 6455 §5.7 examples")
    func rfcExamples() {
        let hello = Array("Hello".utf8)
        #expect(WebSocketFrameEncoder.frame(opcode: .text, payload: hello) == [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f])
        #expect(WebSocketFrameEncoder.frame(opcode: .text, payload: hello, maskingKey: WebSocketMaskingKey(0x37FA_213D))
            == [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58])
        #expect(WebSocketFrameEncoder.frame(opcode: .text, fin: false, payload: Array("Hel".utf8)) == [0x01, 0x03, 0x48, 0x65, 0x6c])
        #expect(WebSocketFrameEncoder.frame(opcode: .continuation, payload: Array("lo".utf8)) == [0x80, 0x02, 0x6c, 0x6f])
        let header256 = WebSocketFrameEncoder.frame(opcode: .binary, payload: [UInt8](repeating: 0, count: 256)).prefix(4)
        #expect(Array(header256) == [0x82, 0x7E, 0x01, 0x00])
        let header64k = WebSocketFrameEncoder.frame(opcode: .binary, payload: [UInt8](repeating: 0, count: 65536)).prefix(10)
        #expect(Array(header64k) == [0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0])
    }

    @Test("encode then decode round-trips every length class, masked and unmasked", arguments: [
        0, 1, 125, 126, 127, 1000, 65535, 65536, 70000,
    ])
    func roundTrip(length: Int) {
        var rng = SimRandom(seed: UInt64(length))
        let payload = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for role in [WebSocketRole.server, .client] {
            let key: WebSocketMaskingKey? = role == .server ? .random(using: &rng) : nil
            let bytes = WebSocketFrameEncoder.frame(opcode: .binary, payload: payload, maskingKey: key)
            for chunking in [Chunking.allAtOnce, .random] {
                let frames = decodeFrames(bytes, role: role, chunking: chunking)
                let header = WebSocketFrameHeader(fin: true, opcode: .binary, payloadLength: length, maskingKey: key)
                #expect(frames == [.frame(header, payload)])
            }
        }
    }

    @Test("masking 8 bytes at a time matches byte-by-byte masking at every offset and length")
    func maskingMatchesReference() {
        let key = WebSocketMaskingKey(0x0102_0304)
        let keyBytes: [UInt8] = [1, 2, 3, 4]
        for offset in 0..<4 {
            for length in 0..<40 {
                var data = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 13 + 5) }
                let expected = data.enumerated().map { $0.element ^ keyBytes[($0.offset + offset) & 3] }
                data.withUnsafeMutableBytes { key.apply(to: $0, offset: offset) }
                #expect(data == expected, "offset \(offset) length \(length)")
            }
        }
    }

    @Test("an outbound frame is prefixed in place, unmasked for servers", arguments: [0, 5, 125, 126, 65535, 65536])
    func outboundServerFrame(length: Int) {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
        var frame = WebSocketOutboundFrame(reservingCapacity: length)
        frame.append(contentsOf: payload)
        frame.prefixHeader(opcode: .text)
        #expect(Array(frame.bytes) == WebSocketFrameEncoder.frame(opcode: .text, payload: payload))
        frame.withFrameBytes { #expect($0.count == frame.bytes.count) }
    }

    @Test("an outbound client frame is masked and decodes back to its payload")
    func outboundClientFrame() {
        var rng = SimRandom(seed: 3)
        let payload = Array("{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@aggTrade\"],\"id\":1}".utf8)
        var frame = WebSocketOutboundFrame()
        frame.append(contentsOf: payload)
        let key = WebSocketMaskingKey.random(using: &rng)
        frame.prefixHeader(opcode: .text, maskingKey: key)
        #expect(Array(frame.bytes) == WebSocketFrameEncoder.frame(opcode: .text, payload: payload, maskingKey: key))
        #expect(assemble(Array(frame.bytes), role: .server) == [.text(payload)])
    }
}
