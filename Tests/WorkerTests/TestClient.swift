import Glibc
import Posix

/// A response as a test client reads it.
struct TestResponse {
    var status: Int
    var headers: [(String, String)]
    var body: String

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// A blocking loopback client with a receive timeout, so no test waits forever.
final class TestClient {
    let socket: LoopbackSocket
    var fd: Int32 { socket.fd }
    private var buffer: [UInt8] {
        get { socket.buffer }
        set { socket.buffer = newValue }
    }
    var closedByPeer: Bool { socket.closedByPeer }

    init(port: UInt16, timeoutMillis: Int = 3000, source: String? = nil) throws {
        socket = try LoopbackSocket(port: port, timeoutMillis: timeoutMillis, source: source)
    }

    func close() { socket.shutDown() }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { try? FD.writeAll(fd, $0) }
    }

    private func fill() -> Bool { socket.fill() }

    /// The next response (with a Content-Length body), or nil on timeout or close.
    func readResponse(headOnly: Bool = false) -> TestResponse? {
        let terminator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            headEnd = buffer.firstRange(of: terminator)?.upperBound
            if headEnd == nil && !fill() { return nil }
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self)
        var lines = head.split(separator: "\r\n").map(String.init)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), Self.trimmed(line[line.index(after: colon)...]))
        }
        var response = TestResponse(status: status, headers: headers, body: "")
        let length = headOnly ? 0 : Int(response.header("Content-Length") ?? "0") ?? 0
        while buffer.count < headEnd! + length {
            if !fill() { return nil }
        }
        response.body = String(decoding: buffer[headEnd!..<(headEnd! + length)], as: UTF8.self)
        buffer.removeFirst(headEnd! + length)
        return response
    }

    /// Whether the server closes the connection (EOF) before the receive timeout.
    func waitForClose() -> Bool {
        while fill() {}
        return closedByPeer
    }

    private static func trimmed(_ s: Substring) -> String {
        String(s.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    /// One GET on this connection.
    func get(_ path: String, extraHeaders: String = "") -> TestResponse? {
        send("GET \(path) HTTP/1.1\r\nHost: test\r\n\(extraHeaders)\r\n")
        return readResponse()
    }
}

