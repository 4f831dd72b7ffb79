import Glibc
import Net
import Posix
import Runtime
@testable import Feeder

/// A loopback HTTP/1.1 server with canned answers, for a real `RESTWorker` to talk to: each
/// request's path goes to `answer`, which returns status and body; connections are kept
/// alive. It records the paths asked, in order. `stop()` ends its threads.
final class CannedREST: @unchecked Sendable {
    let listener: Listener
    let answer: @Sendable (String) -> (Int, [UInt8])
    private let lock = Mutex()
    private var asked: [String] = []
    private var stopping = false

    var port: Int { listener.port }
    var paths: [String] { lock.withLock { asked } }

    init(answer: @escaping @Sendable (String) -> (Int, [UInt8])) throws {
        listener = try Listener(host: "127.0.0.1", port: 0)
        self.answer = answer
        let me = self
        DetachedThread.start { me.acceptLoop() }
    }

    func stop() {
        lock.withLock { stopping = true }
        listener.interrupt()
    }

    private var stopped: Bool { lock.withLock { stopping } }

    private func acceptLoop() {
        while !stopped {
            guard let fd = try? listener.accept(deadline: Deadline.after(millis: 100)) else { continue }
            let me = self
            DetachedThread.start { me.serve(fd) }
        }
    }

    /// Answers requests on `fd` until the client closes or the server stops.
    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while !stopped {
            if let end = Self.headEnd(pending) {
                let request = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeFirst(end)
                let path = request.split(separator: " ").dropFirst().first.map(String.init) ?? ""
                lock.withLock { asked.append(path) }
                let (status, body) = answer(path)
                let head = "HTTP/1.1 \(status) X\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
                let reply = Array(head.utf8) + body
                guard writeAll(fd, reply) else { return }
                continue
            }
            guard let ready = try? Poll.wait(fd, events: Int16(POLLIN), wakeFD: -1, timeoutMillis: 100),
                  ready.socketEvents != 0 else { continue }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            pending += chunk[..<n]
        }
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + sent, bytes.count - sent) }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }

    /// The offset just past `\r\n\r\n`, or nil.
    static func headEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i + 4 }
        return nil
    }
}
