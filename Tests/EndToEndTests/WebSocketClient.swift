import Foundation
import Glibc
import Posix
import WebSocketCore

/// A blocking WebSocket client for the end-to-end tests (WebSocketCore's handshake and codec
/// on a socket with a receive timeout).
final class WebSocketClient {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var decoder = WebSocketFrameDecoder(role: .client)

    init(port: UInt16, path: String, timeoutMillis: Int = 3000) throws {
        fd = try Socket.connect(host: "127.0.0.1", port: port)
        Socket.setReceiveTimeout(fd, millis: timeoutMillis)
        let handshake = WebSocketClientHandshake()
        try write(handshake.request(host: "127.0.0.1:\(port)", path: path))
        let (status, headers) = try readHead()
        if case .rejected(let why) = handshake.validate(status: status, headers: headers) { throw TestFailure("upgrade refused: \(why)") }
    }

    deinit { close(fd) }

    func sendText(_ text: String) throws {
        try write(WebSocketFrameEncoder.frame(opcode: .text, payload: Array(text.utf8), maskingKey: .random()))
    }

    /// The next text message as a JSON object.
    func nextJSON() throws -> [String: Any] {
        while true {
            let (header, payload) = try nextFrame()
            guard header.opcode == .text else { continue }
            guard let o = try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any] else {
                throw TestFailure("not a JSON object: \(String(decoding: payload, as: UTF8.self))")
            }
            return o
        }
    }

    private func nextFrame() throws -> (WebSocketFrameHeader, [UInt8]) {
        while true {
            var consumed = 0
            let result: WebSocketFrameDecoder.Result = buffer.withUnsafeBytes { raw in
                var input = raw
                let r = decoder.next(&input)
                consumed = raw.count - input.count
                return r
            }
            buffer.removeFirst(consumed)
            switch result {
            case .frame(let header, let payload): return (header, payload)
            case .error(let code, let why): throw TestFailure("bad frame from the server: \(code) \(why)")
            case .needMoreData: try fill()
            }
        }
    }

    private func readHead() throws -> (Int, [(name: String, value: String)]) {
        let end: [UInt8] = [13, 10, 13, 10]
        while true {
            if let r = buffer.firstRange(of: end) {
                let head = String(decoding: buffer[..<r.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
                buffer.removeFirst(r.upperBound)
                let status = Int(head[0].split(separator: " ")[1]) ?? 0
                let headers = head.dropFirst().compactMap { line -> (name: String, value: String)? in
                    guard let c = line.firstIndex(of: ":") else { return nil }
                    return (String(line[..<c]), line[line.index(after: c)...].trimmingCharacters(in: .whitespaces))
                }
                return (status, headers)
            }
            try fill()
        }
    }

    private func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try FD.writeAll(fd, $0) }
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw TestFailure(n == 0 ? "closed by the server" : "receive failed: errno \(errno)") }
        buffer += chunk[0..<n]
    }
}
