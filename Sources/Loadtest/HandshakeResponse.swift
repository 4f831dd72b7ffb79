import Glibc
import WebSocketCore

/// The server's answer to the upgrade request, judged from the bytes received so far: wait
/// for more, upgraded (frames follow the head), or refused with a reason and a line saying why
/// (a 503's body line names the limit that was hit).
public enum HandshakeResponse {
    public enum Outcome: Equatable, Sendable {
        case needMore
        /// A valid 101; the head is `headLength` bytes, frames may follow in the same bytes.
        case upgraded(headLength: Int)
        case rejected(FailureReason, String)
    }

    /// Longest response head accepted.
    public static let maxHead = 16 << 10
    /// Longest body kept for the failure's sample line.
    static let maxBody = 4 << 10

    /// Judges `bytes` (everything received since the request was sent). `endOfStream`: the
    /// server closed, so what is here is all there will be.
    public static func evaluate(_ bytes: UnsafeRawBufferPointer, handshake: WebSocketClientHandshake, endOfStream: Bool) -> Outcome {
        guard let headEnd = headLength(bytes) else {
            if endOfStream {
                return .rejected(.closedBeforeUpgrade, bytes.isEmpty ? "closed without answering" : "closed mid-answer")
            }
            return bytes.count > maxHead ? .rejected(.handshake, "response head over \(maxHead) bytes") : .needMore
        }
        let head = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<headEnd]), as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: true)
        guard !lines.isEmpty else { return .rejected(.handshake, "empty response head") }
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            return .rejected(.handshake, "bad status line '\(statusLine.prefix(80))'")
        }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingSpaces)
        }
        if status == 101 {
            switch handshake.validate(status: status, headers: headers) {
            case .accepted: return .upgraded(headLength: headEnd)
            case .rejected(let why): return .rejected(.handshake, why)
            }
        }
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        let wanted = min(length, maxBody)
        if bytes.count - headEnd < wanted && !endOfStream { return .needMore }
        let body = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[headEnd..<min(bytes.count, headEnd + wanted)]), as: UTF8.self)
        let firstLine = body.split(separator: "\n", maxSplits: 1).first.map { String($0.prefix(160)) } ?? ""
        let said = "HTTP \(status)\(firstLine.isEmpty ? "" : ": \(firstLine.trimmingSpaces)")"
        return .rejected(status == 503 ? .http503 : .httpStatus, said)
    }

    /// Bytes up to and including the blank line that ends the head, nil while it is missing.
    static func headLength(_ bytes: UnsafeRawBufferPointer) -> Int? {
        Key.headEnd.find(in: bytes, from: 0).map { $0 + Key.headEnd.count }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and carriage returns.
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
