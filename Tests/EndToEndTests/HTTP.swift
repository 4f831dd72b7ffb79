import Foundation
import Glibc
import Posix

/// A minimal blocking HTTP/1.1 client for the tests, on raw sockets.
enum HTTP {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> [String: Any] {
            guard let o = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { throw TestFailure("not a JSON object: \(text)") }
            return o
        }
    }

    static func get(port: UInt16, path: String, timeoutMillis: Int = 3000) throws -> Response {
        try exchange(port: port, raw: "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", timeoutMillis: timeoutMillis)
    }

    /// `method path` with a body (maybe empty).
    static func send(_ method: String, port: UInt16, path: String, body: String = "", timeoutMillis: Int = 5000) throws -> Response {
        try exchange(port: port, raw: "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)", timeoutMillis: timeoutMillis)
    }

    /// Sends raw bytes, reads until the server closes, parses the first response.
    static func exchange(port: UInt16, raw: String, timeoutMillis: Int = 3000) throws -> Response {
        let all = try roundTrip(port: port, raw: raw, timeoutMillis: timeoutMillis)
        guard let r = parse(all) else { throw TestFailure("no HTTP response in \(all.count) bytes") }
        return r
    }

    static func roundTrip(port: UInt16, raw: String, timeoutMillis: Int) throws -> [UInt8] {
        let fd = try Socket.connect(host: "127.0.0.1", port: port)
        defer { close(fd) }
        Socket.setReceiveTimeout(fd, millis: timeoutMillis)
        try FD.writeAll(fd, raw)
        var all: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        let started = Date()
        while true {
            let n = read(fd, &buf, buf.count)
            if n < 0 && all.isEmpty {
                throw TestFailure("read failed after \(Int(Date().timeIntervalSince(started) * 1000)) ms: errno \(errno)")
            }
            if n <= 0 { break }
            all += buf[0..<n]
        }
        if all.isEmpty { throw TestFailure("closed with no response after \(Int(Date().timeIntervalSince(started) * 1000)) ms") }
        return all
    }

    static func parse(_ bytes: [UInt8]) -> Response? {
        let sep: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<$0 + 4]) == sep }) else { return nil }
        let head = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let parts = head[0].split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            if let c = line.firstIndex(of: ":") {
                headers[line[..<c].lowercased()] = line[line.index(after: c)...].trimmingCharacters(in: .whitespaces)
            }
        }
        var body = Array(bytes[(end + 4)...])
        if let len = headers["content-length"].flatMap(Int.init), body.count > len { body = Array(body[0..<len]) }
        return Response(status: status, headers: headers, body: body)
    }
}
