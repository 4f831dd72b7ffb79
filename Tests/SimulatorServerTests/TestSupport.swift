import Foundation
import Glibc
import Net
import Posix
@testable import SimulatorServer
import TLS
import Testing
import WebSocketCore

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// The repository root, from this file's path.
let repositoryRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}()

func fixture(_ name: String) -> String { repositoryRoot + "/fixtures/binance/" + name }

/// An in-process simulator on ephemeral loopback ports, stopped when released.
final class SimFixture: @unchecked Sendable {
    let exchange: SimulatedExchange
    let http: HTTPClient
    let futuresHTTP: HTTPClient

    init(_ configure: (inout SimulatorOptions) -> Void = { _ in }) throws {
        SimLog.setLevel(.error)
        var o = SimulatorOptions()
        o.rate = 200
        configure(&o)
        exchange = try SimulatedExchange(options: o)
        try exchange.start()
        let scheme = o.tls ? "https" : "http"
        let tls = try exchange.certificatePath.map { try TLSContext.client(trusting: $0) }
        http = HTTPClient(base: try Endpoint(parsing: "\(scheme)://127.0.0.1:\(exchange.spotPort)"), tls: tls,
                          timeoutNs: 10_000_000_000)
        futuresHTTP = HTTPClient(base: try Endpoint(parsing: "\(scheme)://127.0.0.1:\(exchange.futuresPort)"), tls: tls,
                                 timeoutNs: 10_000_000_000)
    }

    deinit {
        http.close()
        futuresHTTP.close()
        exchange.stop(timeoutMs: 3_000)
    }

    var spotPort: Int { exchange.spotPort }
    var futuresPort: Int { exchange.futuresPort }

    func socket(_ path: String, futures: Bool = false) throws -> TestSocket {
        try TestSocket.open(port: futures ? futuresPort : spotPort, path: path)
    }

    func json(_ path: String, futures: Bool = false) throws -> Any {
        let r = try (futures ? futuresHTTP : http).get(path)
        return try JSONSerialization.jsonObject(with: Data(r.body))
    }

    func state() throws -> [String: Any] {
        try #require(try json("/sim/state") as? [String: Any])
    }

    func instrument(_ venue: String, _ symbol: String) throws -> [String: Any] {
        let list = try #require(try state()["instruments"] as? [[String: Any]])
        return try #require(list.first { $0["venue"] as? String == venue && $0["symbol"] as? String == symbol })
    }

    @discardableResult
    func fault(_ query: String) throws -> [String: Any] {
        let r = try http.post("/sim/fault?" + query, body: [])
        guard r.status == 200 else { throw TestFailure("fault \(query): \(r.status) \(r.text)") }
        return try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
    }
}

/// A bare WebSocket client over `Net.Transport` that does nothing on its own (no automatic
/// pongs unless asked), so tests can misbehave: flood, stay silent, watch for resets.
final class TestSocket {
    enum Frame: Equatable {
        case text(String)
        case binary([UInt8])
        case ping([UInt8])
        case pong([UInt8])
        case close(UInt16?, String)
    }

    /// How the connection ended.
    enum Ending: Equatable {
        case closeFrame(UInt16?)
        case reset
        case endOfStream
    }

    let transport: Transport
    private var decoder = WebSocketFrameDecoder(role: .client)
    /// Bytes received and not yet decoded.
    var pending: [UInt8] = []
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    var autoPong = true
    var pingsSeen = 0

    init(transport: Transport, leftover: [UInt8]) {
        self.transport = transport
        pending = leftover
    }

    deinit { transport.close() }

    static func open(port: Int, path: String, tls: TLSContext? = nil, timeout: Double = 5) throws -> TestSocket {
        let deadline = Deadline.after(seconds: timeout)
        let transport = try Transport.connect(host: "127.0.0.1", port: port, tls: tls, deadline: deadline)
        let handshake = WebSocketClientHandshake()
        try handshake.request(host: "127.0.0.1:\(port)", path: path).withUnsafeBytes {
            try transport.writeAll($0, deadline: deadline)
        }
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            if let end = find(head, [13, 10, 13, 10]) {
                let text = String(decoding: head[..<end], as: UTF8.self)
                guard text.hasPrefix("HTTP/1.1 101") else { throw TestFailure("upgrade refused: \(text)") }
                return TestSocket(transport: transport, leftover: Array(head[(end + 4)...]))
            }
            let n = try buffer.withUnsafeMutableBytes { try transport.read(into: $0, deadline: deadline) }
            guard n > 0 else { throw TestFailure("closed during the upgrade: \(String(decoding: head, as: UTF8.self))") }
            head += buffer[..<n]
        }
    }

    static func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i..<i + needle.count].elementsEqual(needle) { return i }
        return nil
    }

    func send(_ opcode: WebSocketOpcode, _ payload: [UInt8]) throws {
        let frame = WebSocketFrameEncoder.frame(opcode: opcode, payload: payload, maskingKey: .random())
        try frame.withUnsafeBytes { try transport.writeAll($0, deadline: Deadline.after(seconds: 5)) }
    }

    func sendText(_ s: String) throws { try send(.text, Array(s.utf8)) }

    /// The next frame, or nil when `timeout` passes first; throws `Ending` when the connection ends.
    func next(timeout: Double) throws -> Frame? {
        let deadline = Deadline.after(seconds: timeout)
        while true {
            if let f = try decodeOne() {
                if case .ping(let p) = f {
                    pingsSeen += 1
                    if autoPong { try send(.pong, p) }
                }
                return f
            }
            let n: Int
            do {
                n = try buffer.withUnsafeMutableBytes { try transport.read(into: $0, deadline: deadline) }
            } catch let e as NetError {
                if e.kind == .timeout { return nil }
                if e.message.contains("reset") { throw EndingError(ending: .reset) }
                throw EndingError(ending: .endOfStream)
            }
            if n == 0 { throw EndingError(ending: .endOfStream) }
            pending += buffer[..<n]
        }
    }

    private func decodeOne() throws -> Frame? {
        guard !pending.isEmpty else { return nil }
        let (result, used): (WebSocketFrameDecoder.Result, Int) = pending.withUnsafeBytes { raw in
            var rest = raw
            let r = decoder.next(&rest)
            return (r, raw.count - rest.count)
        }
        pending.removeFirst(used)
        switch result {
        case .needMoreData: return nil
        case .error(let code, let reason): throw TestFailure("bad frame from the server: \(code) \(reason)")
        case .frame(let header, let payload):
            switch header.opcode {
            case .text: return .text(String(decoding: payload, as: UTF8.self))
            case .binary: return .binary(payload)
            case .ping: return .ping(payload)
            case .pong: return .pong(payload)
            case .close:
                let code = payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
                return .close(code, String(decoding: payload.dropFirst(2), as: UTF8.self))
            case .continuation: return try decodeOne()
            }
        }
    }

    /// The next text frame parsed as JSON (pings answered and skipped), nil on timeout.
    func nextJSON(timeout: Double = 5) throws -> Any? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let f = try next(timeout: max(0.01, deadline.timeIntervalSinceNow)) else { return nil }
            if case .text(let s) = f { return try JSONSerialization.jsonObject(with: Data(s.utf8)) }
            if case .close(let code, _) = f { throw EndingError(ending: .closeFrame(code)) }
        }
        return nil
    }

    /// Text messages for `seconds` (pings answered), as JSON objects.
    func collect(seconds: Double) throws -> [[String: Any]] {
        var out: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            guard let v = try nextJSON(timeout: max(0.01, deadline.timeIntervalSinceNow)) else { break }
            if let d = v as? [String: Any] { out.append(d) } else if let a = v as? [Any] { out.append(["array": a]) }
        }
        return out
    }

    /// Reads until a reply with this id arrives (data frames are skipped).
    func reply(id: Int, timeout: Double = 5) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let d = try nextJSON(timeout: max(0.01, deadline.timeIntervalSinceNow)) as? [String: Any],
               d["id"] as? Int == id, d["result"] != nil || d["error"] != nil {
                return d
            }
        }
        throw TestFailure("no reply with id \(id)")
    }

    /// Reads until the connection ends (or `timeout`, then nil).
    func ending(timeout: Double) -> Ending? {
        let deadline = Date().addingTimeInterval(timeout)
        do {
            while Date() < deadline {
                if case .close(let code, _)? = try next(timeout: max(0.01, deadline.timeIntervalSinceNow)) {
                    return .closeFrame(code)
                }
            }
        } catch let e as EndingError {
            return e.ending
        } catch {
            return .endOfStream
        }
        return nil
    }
}

struct EndingError: Error { let ending: TestSocket.Ending }

/// Polls `condition` every 20 ms until it holds or `timeout` passes.
func eventually(_ timeout: Double, _ what: String, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if (try? condition()) == true { return }
        usleep(20_000)
    }
    throw TestFailure("timed out after \(timeout) s waiting for \(what)")
}

extension Dictionary where Key == String, Value == Any {
    /// The combined wrapper's payload, or the object itself.
    var payload: [String: Any] { (self["data"] as? [String: Any]) ?? self }
    var stream: String? { self["stream"] as? String }
    func int(_ k: String) -> Int64? { (self[k] as? NSNumber)?.int64Value }
}

/// Every test that opens sockets or processes, one at a time: on two cores, a throughput run or
/// a replay at speed beside a ping-timing test would make the timing flaky.
@Suite("Loopback (servers, sockets, processes)", .serialized)
struct LoopbackTests {}
