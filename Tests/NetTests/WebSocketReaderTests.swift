import Testing
import WebSocketCore
@testable import Net

/// Scans every frame in `wire` the way the client does; nil where a frame was incomplete.
func scanAll(_ wire: [UInt8], maxPayload: Int = 1 << 20) -> [WebSocketFrameScanner.Scan] {
    wire.withUnsafeBytes { raw in
        var results: [WebSocketFrameScanner.Scan] = []
        var offset = 0
        while offset < raw.count {
            let scan = WebSocketFrameScanner.scan(UnsafeRawBufferPointer(rebasing: raw[offset...]), maxPayload: maxPayload)
            results.append(scan)
            guard case .frame(let header, let headerSize) = scan else { break }
            offset += headerSize + header.payloadLength
        }
        return results
    }
}

@Suite("WebSocket client frame scanning and message rules")
struct WebSocketReaderTests {
    @Test("frames of 0, 125, 126, 65535 and 65536 bytes are found whole, with their header sizes")
    func lengths() {
        for (length, headerSize) in [(0, 2), (125, 2), (126, 4), (65535, 4), (65536, 10)] {
            let frame = WebSocketFrameEncoder.frame(opcode: .binary, payload: [UInt8](repeating: 7, count: length))
            #expect(scanAll(frame) == [.frame(WebSocketFrameHeader(fin: true, opcode: .binary, payloadLength: length, maskingKey: nil), headerSize: headerSize)])
        }
    }

    @Test("every prefix of a frame asks for more, naming the frame's size once the header is known")
    func prefixes() {
        let frame = WebSocketFrameEncoder.frame(opcode: .text, payload: Array(repeating: 65, count: 300))
        frame.withUnsafeBytes { raw in
            for cut in 0..<frame.count {
                let scan = WebSocketFrameScanner.scan(UnsafeRawBufferPointer(rebasing: raw[..<cut]), maxPayload: 1000)
                let expected = cut < 2 ? 2 : (cut < 4 ? 4 : 304)
                #expect(scan == .needMore(total: expected), "cut \(cut)")
            }
        }
    }

    @Test("masked, reserved-bit, unknown-opcode, long or fragmented control frames are protocol errors")
    func violations() {
        let masked = WebSocketFrameEncoder.frame(opcode: .text, payload: [1], maskingKey: WebSocketMaskingKey(1))
        for wire in [masked, [0xC1, 0x00], [0x83, 0x00], [0x89, 0x7E, 0x00, 0x7E], [0x09, 0x00]] {
            guard case .error(let code, _) = scanAll(wire).first else { Issue.record("accepted \(wire)"); continue }
            #expect(code == .protocolError)
        }
    }

    @Test("a frame over the limit is refused with 1009 from its header alone")
    func tooBig() {
        let header: [UInt8] = [0x82, 0x7F, 0, 0, 0, 0, 0, 0x10, 0, 0]
        #expect(scanAll(header, maxPayload: 1000).first == .error(.messageTooBig, "frame of 1048576 bytes exceeds 1000"))
    }

    @Test("fragments join into one message; control frames may come between them")
    func fragments() {
        var reader = WebSocketMessageReader(maxMessageSize: 100)
        func take(_ opcode: WebSocketOpcode, fin: Bool, _ text: String) -> WebSocketMessageReader.Step {
            Array(text.utf8).withUnsafeBytes {
                reader.take(WebSocketFrameHeader(fin: fin, opcode: opcode, payloadLength: $0.count, maskingKey: nil), $0)
            }
        }
        #expect(take(.text, fin: false, "hel") == .absorbed)
        #expect(take(.ping, fin: true, "p") == .deliver(.ping, .frame))
        #expect(take(.continuation, fin: false, "lo ") == .absorbed)
        #expect(take(.continuation, fin: true, "world") == .deliver(.text, .assembled))
        #expect(String(decoding: reader.assembled, as: UTF8.self) == "hello world")
        reader.delivered()
        #expect(take(.text, fin: true, "next") == .deliver(.text, .frame))
        #expect(take(.continuation, fin: true, "x") == .fail(.protocolError, "continuation frame without a message to continue"))
    }

    @Test("UTF-8 split across fragments is fine; invalid or unfinished UTF-8 fails with 1007")
    func utf8() {
        var reader = WebSocketMessageReader(maxMessageSize: 100)
        func take(_ opcode: WebSocketOpcode, fin: Bool, _ bytes: [UInt8]) -> WebSocketMessageReader.Step {
            bytes.withUnsafeBytes { reader.take(WebSocketFrameHeader(fin: fin, opcode: opcode, payloadLength: $0.count, maskingKey: nil), $0) }
        }
        #expect(take(.text, fin: false, [0xE2, 0x82]) == .absorbed)
        #expect(take(.continuation, fin: true, [0xAC]) == .deliver(.text, .assembled))
        reader.delivered()
        guard case .fail(.invalidFramePayloadData, _) = take(.text, fin: true, [0xC3, 0x28]) else { Issue.record("accepted"); return }
        var other = WebSocketMessageReader(maxMessageSize: 100)
        let step = [UInt8]([0xE2, 0x82]).withUnsafeBytes {
            other.take(WebSocketFrameHeader(fin: true, opcode: .text, payloadLength: 2, maskingKey: nil), $0)
        }
        guard case .fail(.invalidFramePayloadData, _) = step else { Issue.record("accepted a cut sequence"); return }
    }

    @Test("fragments summing past the message limit fail with 1009")
    func messageLimit() {
        var reader = WebSocketMessageReader(maxMessageSize: 10)
        let six = [UInt8](repeating: 66, count: 6)
        let first = six.withUnsafeBytes { reader.take(WebSocketFrameHeader(fin: false, opcode: .binary, payloadLength: 6, maskingKey: nil), $0) }
        #expect(first == .absorbed)
        let second = six.withUnsafeBytes { reader.take(WebSocketFrameHeader(fin: true, opcode: .continuation, payloadLength: 6, maskingKey: nil), $0) }
        guard case .fail(.messageTooBig, _) = second else { Issue.record("accepted \(second)"); return }
    }

    @Test("close payloads are parsed and checked")
    func close() {
        var reader = WebSocketMessageReader(maxMessageSize: 10)
        let payload = WebSocketClosePayload.make(code: .goingAway, reason: "bye")
        let step = payload.withUnsafeBytes { reader.take(WebSocketFrameHeader(fin: true, opcode: .close, payloadLength: $0.count, maskingKey: nil), $0) }
        #expect(step == .deliver(.close(code: 1001, reason: "bye"), .frame))
        let bad: [UInt8] = [0x03, 0xED]  // 1005 may not be sent
        let refused = bad.withUnsafeBytes { reader.take(WebSocketFrameHeader(fin: true, opcode: .close, payloadLength: 2, maskingKey: nil), $0) }
        guard case .fail(.protocolError, _) = refused else { Issue.record("accepted \(refused)"); return }
    }
}
