import Glibc
import Testing
import WebSocketCore
@testable import Worker

/// A WebSocket client played through a scripted loop: it upgrades, sends masked frames in
/// provided buffers, completes the loop's sends and decodes the frames they carry.
final class WebSocketScript {
    let s: ScriptedLoop
    let fd: Int32
    let tag: CompletionTag
    /// The handshake's response head (up to the blank line).
    private(set) var responseHead = ""
    private var sendsSeen = 0
    private var stream: [UInt8] = []
    private var decoder = WebSocketFrameDecoder(role: .client)
    let handshake = WebSocketClientHandshake(key: "dGhlIHNhbXBsZSBub25jZQ==")

    /// Accepts `fd`, sends the upgrade for `path` (followed by `trailing` bytes in the same receive).
    convenience init(path: String, options: WorkerOptions = .testing, hooks: RecordingHooks = RecordingHooks(), fd: Int32 = 10,
                     trailing: [UInt8] = []) throws {
        try self.init(joining: ScriptedLoop(options: options, hooks: hooks), path: path, fd: fd, trailing: trailing)
    }

    /// Another client of the loop `s` (its `frames()` then sees every client's sends: use `s` directly).
    init(joining s: ScriptedLoop, path: String, fd: Int32, trailing: [UInt8] = []) throws {
        self.s = s
        self.fd = fd
        tag = try #require(s.accept(fd: fd))
        s.backend.receive(bytes: handshake.request(host: "t", path: path) + trailing, for: tag)
        s.turn()
    }

    /// Sends one masked frame.
    func send(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true, masked: Bool = true) {
        let key = masked ? WebSocketMaskingKey(0x3712_5A0C) : nil
        sendRaw(WebSocketFrameEncoder.frame(opcode: opcode, fin: fin, payload: payload, maskingKey: key))
    }

    func send(text: String) { send(.text, Array(text.utf8)) }

    func sendRaw(_ bytes: [UInt8]) {
        var offset = 0
        repeat {
            let end = min(offset + ScriptedBackend.bufferSize, bytes.count)
            s.backend.receive(bytes: Array(bytes[offset..<end]), for: tag)
            s.turn()
            offset = end
        } while offset < bytes.count
    }

    /// Completes the loop's sends until it has nothing more to send; returns the frames they carried.
    func frames() -> [(opcode: WebSocketOpcode, payload: [UInt8])] {
        while true {
            let sends = s.backend.sentBytes
            guard sendsSeen < sends.count else { break }
            for send in sends[sendsSeen...] {
                stream += send.bytes
                s.backend.complete(send.tag, result: Int32(send.bytes.count))
            }
            sendsSeen = sends.count
            s.turn()
        }
        if responseHead.isEmpty, let end = Self.headEnd(stream) {
            responseHead = String(decoding: stream[..<end], as: UTF8.self)
            stream.removeFirst(end)
        }
        guard !responseHead.isEmpty else { return [] }
        var out: [(WebSocketOpcode, [UInt8])] = []
        var rest: [UInt8] = []
        stream.withUnsafeBytes { raw in
            var input = raw
            while case .frame(let header, let payload) = decoder.next(&input) { out.append((header.opcode, payload)) }
            rest = Array(input)
        }
        stream = []
        #expect(rest.isEmpty)
        return out
    }

    /// Text frames as strings.
    func texts() -> [String] { frames().filter { $0.opcode == .text }.map { String(decoding: $0.payload, as: UTF8.self) } }

    var closed: Bool { s.backend.closed.contains(fd) }

    /// The loop's tick after moving the clock.
    func tick(afterMilliseconds ms: Int64) {
        s.clock.advance(milliseconds: ms)
        s.backend.complete(CompletionTag(op: .tick), result: -ETIME)
        s.turn()
    }

    static func closeCode(_ payload: [UInt8]) -> UInt16? {
        payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i + 4
        }
        return nil
    }
}
