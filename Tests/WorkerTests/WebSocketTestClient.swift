import Glibc
import Posix
import WebSocketCore

/// A blocking WebSocket client for loopback tests: WebSocketCore's client handshake and
/// encoder on a socket with a receive timeout.
final class WebSocketTestClient {
    let socket: LoopbackSocket
    var fd: Int32 { socket.fd }
    private var buffer: [UInt8] {
        get { socket.buffer }
        set { socket.buffer = newValue }
    }
    private var decoder = WebSocketFrameDecoder(role: .client)
    var closedByPeer: Bool { socket.closedByPeer }

    /// Connects and upgrades; throws when the server does not accept.
    init(port: UInt16, path: String, timeoutMillis: Int = 3000) throws {
        socket = try LoopbackSocket(port: port, timeoutMillis: timeoutMillis)
        let handshake = WebSocketClientHandshake()
        write(handshake.request(host: "127.0.0.1:\(port)", path: path))
        let (status, headers) = try readHead()
        if case .rejected(let why) = handshake.validate(status: status, headers: headers) { throw Failure(description: why) }
    }

    /// Why a client step failed.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    func send(_ opcode: WebSocketOpcode, _ payload: [UInt8]) {
        write(WebSocketFrameEncoder.frame(opcode: opcode, payload: payload, maskingKey: .random()))
    }

    func send(text: String) { send(.text, Array(text.utf8)) }

    /// The next frame, or nil on timeout or close.
    func readFrame() -> (opcode: WebSocketOpcode, payload: [UInt8])? {
        while true {
            var result: WebSocketFrameDecoder.Result = .needMoreData
            var consumed = 0
            buffer.withUnsafeBytes { raw in
                var input = raw
                result = decoder.next(&input)
                consumed = raw.count - input.count
            }
            buffer.removeFirst(consumed)
            switch result {
            case .frame(let header, let payload): return (header.opcode, payload)
            case .error: return nil
            case .needMoreData: if !fill() { return nil }
            }
        }
    }

    /// The next text frame as a string, skipping pings.
    func readText() -> String? {
        while let frame = readFrame() {
            if frame.opcode == .text { return String(decoding: frame.payload, as: UTF8.self) }
            if frame.opcode != .ping { return nil }
        }
        return nil
    }

    /// Whether the server closes the connection (EOF) before the receive timeout.
    func waitForClose() -> Bool {
        while fill() {}
        return closedByPeer
    }

    private func write(_ bytes: [UInt8]) { socket.write(bytes) }

    private func fill() -> Bool { socket.fill() }

    private func readHead() throws -> (Int, [(name: String, value: String)]) {
        let terminator = Array("\r\n\r\n".utf8)
        var end = buffer.firstRange(of: terminator)?.upperBound
        while end == nil {
            guard fill() else { throw Failure(description: "no handshake response") }
            end = buffer.firstRange(of: terminator)?.upperBound
        }
        let lines = String(decoding: buffer[..<end!], as: UTF8.self).split(separator: "\r\n")
        buffer.removeFirst(end!)
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "bad status line") }
        let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingSpaces)
        }
        return (status, headers)
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
