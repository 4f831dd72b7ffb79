import Testing
@testable import WebSocketCore

@Suite("UTF-8 validation and close frames")
struct UTF8AndCloseTests {
    @Test("valid UTF-8 is accepted, including the extremes", arguments: [
        [0x00, 0x7F], [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
        [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],
        Array("κόσμε Hello-µ@ßöäüàá-UTF-8!!".utf8),
    ] as [[UInt8]])
    func validUTF8(bytes: [UInt8]) {
        #expect(UTF8Validator.isValid(bytes))
    }

    @Test("overlong forms, surrogates, code points above U+10FFFF and stray bytes are rejected", arguments: [
        [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xE0, 0x9F, 0xBF], [0xF0, 0x80, 0x80, 0xAF],
        [0xF0, 0x8F, 0xBF, 0xBF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80],
        [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFE], [0xFF], [0x80], [0xBF],
        [0xC2, 0x41], [0xE1, 0x80], [0xF1, 0x80, 0x80], [0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0xC0],
    ] as [[UInt8]])
    func invalidUTF8(bytes: [UInt8]) {
        #expect(!UTF8Validator.isValid(bytes))
    }

    @Test("a code point split across fragments is accepted when it completes", arguments: Chunking.allCases)
    func splitAcrossFragmentsCompletes(chunking: Chunking) {
        let text = Array("a𝄞b".utf8)  // 61 F0 9D 84 9E 62
        for cut in 1..<text.count {
            let stream = wire(1, fin: false, Array(text[..<cut])) + wire(0, Array(text[cut...]))
            #expect(assemble(stream, chunking: chunking) == [.text(text)])
        }
    }

    @Test("a text message ending inside a code point is invalid payload data")
    func truncatedAtEnd() {
        let stream = wire(1, fin: false, [0x61, 0xF0, 0x9D]) + wire(0, [0x84])
        #expect(errorCode(assemble(stream)) == .invalidFramePayloadData)
        #expect(errorCode(assemble(wire(1, [0xE2, 0x82]))) == .invalidFramePayloadData)
    }

    @Test("invalid UTF-8 fails in the first fragment, before the message ends")
    func failFast() {
        let stream = wire(1, fin: false, [0x61, 0xC0, 0xAF]) + wire(0, fin: false, [0x61])
        #expect(assemble(stream) == [.error(.invalidFramePayloadData, "invalid UTF-8 in text message")])
        let split = wire(1, fin: false, [0xED]) + wire(0, fin: false, [0xA0, 0x80])
        #expect(errorCode(assemble(split)) == .invalidFramePayloadData)
    }

    @Test("binary messages are not checked for UTF-8")
    func binaryUnchecked() {
        #expect(assemble(wire(2, [0xC0, 0xFF])) == [.binary([0xC0, 0xFF])])
    }

    @Test("a close with no payload has no code")
    func emptyClose() {
        #expect(assemble(wire(8, [])) == [.close(code: nil, reason: "")])
    }

    @Test("a close with a one-byte payload is a protocol error")
    func oneByteClose() {
        #expect(errorCode(assemble(wire(8, [0x03]))) == .protocolError)
    }

    @Test("close codes a peer may send are accepted", arguments: [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999] as [UInt16])
    func validCloseCodes(code: UInt16) {
        #expect(assemble(wire(8, [UInt8(code >> 8), UInt8(code & 0xFF)])) == [.close(code: WebSocketCloseCode(rawValue: code), reason: "")])
    }

    @Test("close codes a peer may not send are a protocol error", arguments: [0, 999, 1004, 1005, 1006, 1012, 1016, 1100, 2000, 2999, 5000, 65535] as [UInt16])
    func invalidCloseCodes(code: UInt16) {
        #expect(errorCode(assemble(wire(8, [UInt8(code >> 8), UInt8(code & 0xFF)]))) == .protocolError)
    }

    @Test("a close reason that is not UTF-8 is invalid payload data")
    func invalidCloseReason() {
        #expect(errorCode(assemble(wire(8, [0x03, 0xE8, 0xCE, 0xBA, 0xE1, 0xBD]))) == .invalidFramePayloadData)
        #expect(assemble(wire(8, [0x03, 0xE8] + Array("κόσμε".utf8))) == [.close(code: .normalClosure, reason: "κόσμε")])
    }

    @Test("a close frame built with a long reason is cut to 125 bytes on a character boundary")
    func closeBuilder() {
        let payload = WebSocketClosePayload.make(code: .goingAway, reason: String(repeating: "é", count: 100))
        #expect(payload.count == 124)
        #expect(WebSocketClosePayload.parse(payload) == .valid(code: .goingAway, reason: String(repeating: "é", count: 61)))
        let frame = WebSocketFrameEncoder.closeFrame(code: .normalClosure, reason: "done")
        #expect(frame == [0x88, 0x06, 0x03, 0xE8] + Array("done".utf8))
    }

    private func errorCode(_ events: [WebSocketMessageAssembler.Event]) -> WebSocketCloseCode? {
        if case .error(let code, _)? = events.last { return code }
        return nil
    }
}
