import Testing
@testable import WebSocketCore

@Suite("Frame decoder")
struct FrameDecoderTests {
    typealias Event = WebSocketMessageAssembler.Event
    let hello = Array("Hello".utf8)

    @Test("an unmasked single-frame text reaches the client (RFC 6455 §5.7)", arguments: Chunking.allCases)
    func unmaskedHello(chunking: Chunking) {
        let bytes: [UInt8] = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
        #expect(assemble(bytes, role: .client, chunking: chunking) == [.text(hello)])
    }

    @Test("a masked single-frame text reaches the server (RFC 6455 §5.7)", arguments: Chunking.allCases)
    func maskedHello(chunking: Chunking) {
        let bytes: [UInt8] = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        #expect(assemble(bytes, role: .server, chunking: chunking) == [.text(hello)])
        let frames = decodeFrames(bytes, role: .server, chunking: chunking)
        let key = WebSocketMaskingKey(0x37FA_213D)
        #expect(frames == [.frame(WebSocketFrameHeader(fin: true, opcode: .text, payloadLength: 5, maskingKey: key), hello)])
    }

    @Test("a fragmented text \"Hel\" + \"lo\" arrives as one message (RFC 6455 §5.7)", arguments: Chunking.allCases)
    func fragmentedHello(chunking: Chunking) {
        let bytes: [UInt8] = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f]
        #expect(assemble(bytes, chunking: chunking) == [.text(hello)])
    }

    @Test("ping and pong are surfaced with their payloads (RFC 6455 §5.7)", arguments: Chunking.allCases)
    func pingPong(chunking: Chunking) {
        let ping: [UInt8] = [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
        let pong: [UInt8] = [0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        #expect(assemble(ping, role: .client, chunking: chunking) == [.ping(hello)])
        #expect(assemble(pong, role: .server, chunking: chunking) == [.pong(hello)])
    }

    @Test("256-byte and 64 KiB binary frames use 16- and 64-bit lengths (RFC 6455 §5.7)", arguments: Chunking.allCases)
    func extendedLengths(chunking: Chunking) {
        let small = (0..<256).map { UInt8($0) }
        let smallBytes: [UInt8] = [0x82, 0x7E, 0x01, 0x00] + small
        #expect(assemble(smallBytes, chunking: chunking) == [.binary(small)])
        let large = (0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let largeBytes: [UInt8] = [0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0] + large
        #expect(assemble(largeBytes, chunking: chunking == .byteByByte ? .random : chunking) == [.binary(large)])
    }

    @Test("many frames in one buffer give the same events as any cut of it", arguments: Chunking.allCases)
    func manyFramesPerBuffer(chunking: Chunking) {
        let stream = wire(1, Array("first".utf8), masked: true)
            + wire(2, fin: false, [1, 2, 3], masked: true)
            + wire(9, [9], masked: true)
            + wire(0, fin: false, [], masked: true)
            + wire(0, [4, 5], masked: true)
            + wire(1, Array("€ and 𝄞".utf8), masked: true)
            + wire(8, [0x03, 0xE8] + Array("bye".utf8), masked: true)
        let expected: [Event] = [
            .text(Array("first".utf8)), .ping([9]), .binary([1, 2, 3, 4, 5]),
            .text(Array("€ and 𝄞".utf8)), .close(code: .normalClosure, reason: "bye"),
        ]
        #expect(assemble(stream, role: .server, chunking: chunking) == expected)
    }

    @Test("nonzero reserved bits are a protocol error", arguments: [1, 2, 4, 7] as [UInt8])
    func reservedBits(rsv: UInt8) {
        #expect(firstError(wire(1, hello, rsv: rsv)) == .protocolError)
    }

    @Test("reserved opcodes are a protocol error", arguments: [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] as [UInt8])
    func unknownOpcodes(opcode: UInt8) {
        #expect(firstError(wire(opcode, [])) == .protocolError)
    }

    @Test("a control frame longer than 125 bytes is a protocol error", arguments: [8, 9, 10] as [UInt8])
    func longControlFrame(opcode: UInt8) {
        #expect(firstError(wire(opcode, [UInt8](repeating: 0x61, count: 126))) == .protocolError)
    }

    @Test("a fragmented control frame is a protocol error", arguments: [8, 9, 10] as [UInt8])
    func fragmentedControlFrame(opcode: UInt8) {
        #expect(firstError(wire(opcode, fin: false, [])) == .protocolError)
    }

    @Test("a server refuses unmasked frames and a client refuses masked ones")
    func maskingByRole() {
        #expect(firstError(wire(1, hello, masked: false), role: .server) == .protocolError)
        #expect(firstError(wire(1, hello, masked: true), role: .client) == .protocolError)
    }

    @Test("a 64-bit length with the top bit set is a protocol error")
    func topBitLength() {
        #expect(firstError([0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1]) == .protocolError)
    }

    @Test("a frame over the frame limit is refused with 1009 before its payload arrives")
    func frameTooBig() {
        let header: [UInt8] = [0x82, 0x7E, 0x01, 0x01]  // 257 bytes announced, none sent
        #expect(firstError(header, maxFrameSize: 256) == .messageTooBig)
        #expect(firstError([0x82, 0x7E, 0x01, 0x00] + [UInt8](repeating: 0, count: 256), maxFrameSize: 256) == nil)
    }

    @Test("a fragmented message over the message limit is refused with 1009")
    func messageTooBig() {
        let stream = wire(2, fin: false, [UInt8](repeating: 0, count: 100)) + wire(0, [UInt8](repeating: 0, count: 101))
        #expect(firstError(stream, maxMessageSize: 200) == .messageTooBig)
        #expect(firstError(wire(2, fin: false, [0]) + wire(0, [UInt8](repeating: 0, count: 199)), maxMessageSize: 200) == nil)
    }

    @Test("a continuation without a message to continue is a protocol error")
    func orphanContinuation() {
        #expect(firstError(wire(0, hello)) == .protocolError)
    }

    @Test("a new data frame while a fragmented message is open is a protocol error")
    func interruptedFragmentation() {
        #expect(firstError(wire(1, fin: false, [0x61]) + wire(1, [0x62])) == .protocolError)
        #expect(firstError(wire(2, fin: false, [0x61]) + wire(2, fin: false, [0x62])) == .protocolError)
    }

    @Test("control frames may interleave with fragments")
    func interleavedControl() {
        let stream = wire(1, fin: false, Array("Hel".utf8)) + wire(9, [1]) + wire(10, []) + wire(0, Array("lo".utf8))
        #expect(assemble(stream) == [.ping([1]), .pong([]), .text(hello)])
    }

    @Test("the decoder stays failed after an error")
    func failedStaysFailed() {
        var assembler = WebSocketMessageAssembler(role: .client)
        let bytes = wire(3, []) + wire(1, hello)
        bytes.withUnsafeBytes { raw in
            var buffer = raw
            #expect(assembler.next(&buffer) == .error(.protocolError, "unknown opcode 3"))
            #expect(assembler.next(&buffer) == .error(.protocolError, "unknown opcode 3"))
        }
    }

    private func firstError(
        _ bytes: [UInt8], role: WebSocketRole = .client, maxFrameSize: Int = 1 << 20, maxMessageSize: Int = 1 << 20
    ) -> WebSocketCloseCode? {
        var codes: [WebSocketCloseCode?] = []
        for chunking in Chunking.allCases {
            let events = assemble(bytes, role: role, chunking: chunking, maxFrameSize: maxFrameSize, maxMessageSize: maxMessageSize)
            if case .error(let code, _)? = events.last { codes.append(code) } else { codes.append(nil) }
        }
        #expect(Set(codes.map { $0?.rawValue }).count == 1, "chunkings disagree: \(codes)")
        return codes[0]
    }
}
