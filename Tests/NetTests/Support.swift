import Foundation
import Posix
import Synchronization
import Testing
import TLS
import WebSocketCore
@testable import Net

/// A certificate for localhost and 127.0.0.1, generated in process once per test run.
let testCertificate: (cert: String, key: String) = {
    let dir = NSTemporaryDirectory() + "tterminal-net-\(getpid())"
    do {
        let paths = try SelfSignedCertificate.write(
            commonName: "localhost", subjectAltNames: ["DNS:localhost", "IP:127.0.0.1"], validDays: 2, to: dir)
        return (paths.certificatePath, paths.keyPath)
    } catch {
        fatalError("generating the test certificate: \(error)")
    }
}()

func serverTLS() throws -> TLSContext { try .server(certificateChain: testCertificate.cert, privateKey: testCertificate.key) }
func clientTLS() throws -> TLSContext { try .client(trusting: testCertificate.cert) }

/// Seconds from now as a deadline.
func deadline(_ seconds: Double = 5) -> Int64 { Deadline.after(seconds: seconds) }

/// A body run on a thread of its own (the server side of a loopback test). Errors are kept for
/// the test to check; `join` waits with a bound so a hung server fails the test, not the run.
final class Background: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let failure = Mutex<String?>(nil)

    init(_ body: @escaping @Sendable () throws -> Void) {
        Thread { [self] in
            do { try body() } catch { failure.withLock { $0 = "\(error)" } }
            done.signal()
        }.start()
    }

    /// Waits for the body to end; false when it did not within `seconds`.
    @discardableResult
    func join(seconds: Double = 10) -> Bool { done.wait(timeout: .now() + seconds) == .success }

    /// The error the body threw, if any.
    var error: String? { failure.withLock { $0 } }
}

/// A listener on 127.0.0.1 with an ephemeral port.
func loopbackListener() throws -> Listener { try Listener(host: "127.0.0.1", port: 0) }

/// The server end of one test connection: reads HTTP request heads and client frames, writes
/// raw bytes and unmasked frames. Every wait is bounded.
final class ServerPeer: @unchecked Sendable {
    let transport: Transport
    private var pending: [UInt8] = []
    private var decoder = WebSocketFrameDecoder(role: .server)

    init(_ transport: Transport) { self.transport = transport }

    /// Accepts the next connection within five seconds.
    static func accept(_ listener: Listener, tls: TLSContext? = nil) throws -> ServerPeer {
        guard let fd = try listener.accept(deadline: deadline()) else { throw NetError(.timeout, "test server: no connection") }
        return ServerPeer(try Transport.accept(fd: fd, tls: tls, deadline: deadline()))
    }

    /// Reads more bytes into `pending`; false at end of stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = try chunk.withUnsafeMutableBytes { try transport.read(into: $0, deadline: deadline()) }
        pending += chunk[..<n]
        return n > 0
    }

    /// The request line and headers of the next request; nil when the client closed first.
    func readRequest() throws -> (line: String, headers: [(name: String, value: String)], body: [UInt8])? {
        while true {
            if let end = pending.withUnsafeBytes({ HTTPResponseHead.end(in: $0) }) {
                let text = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeFirst(end)
                var lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
                let line = lines.removeFirst()
                let headers = lines.map { header in
                    let parts = header.split(separator: ":", maxSplits: 1)
                    return (name: String(parts[0]), value: parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
                }
                let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
                while pending.count < length { guard try fill() else { return nil } }
                let body = Array(pending[..<length])
                pending.removeFirst(length)
                return (line, headers, body)
            }
            guard try fill() else { return nil }
        }
    }

    /// Answers a WebSocket upgrade request; returns its headers.
    @discardableResult
    func upgrade() throws -> [(name: String, value: String)] {
        guard let request = try readRequest() else { throw NetError(.closed, "test server: no upgrade request") }
        let decision = WebSocketHandshake.serverDecision(
            method: "GET", version: WebSocketHTTPVersion(major: 1, minor: 1), headers: request.headers)
        guard case .accept(let response) = decision else { throw NetError(.protocolViolation, "test server: \(decision)") }
        try write(response)
        return request.headers
    }

    /// The next client frame (unmasked by the decoder); nil at end of stream.
    func readFrame() throws -> (WebSocketFrameHeader, [UInt8])? {
        while true {
            let result: WebSocketFrameDecoder.Result = pending.withUnsafeBytes { raw in
                var window = raw
                let result = decoder.next(&window)
                pending.removeFirst(raw.count - window.count)
                return result
            }
            switch result {
            case .frame(let header, let payload): return (header, payload)
            case .error(let code, let reason): throw NetError(.protocolViolation, "test server: \(code) \(reason)")
            case .needMoreData: guard try fill() else { return nil }
            }
        }
    }

    func write(_ bytes: [UInt8]) throws { try transport.writeAll(bytes, deadline: deadline()) }
    func write(_ text: String) throws { try write(Array(text.utf8)) }

    func sendFrame(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true) throws {
        try write(WebSocketFrameEncoder.frame(opcode: opcode, fin: fin, payload: payload))
    }

    func close() { transport.close() }
}

/// Receives one event with a bounded wait, copying the payload out.
func receiveOne(_ client: WebSocketClient, seconds: Double = 5) throws -> (WebSocketClient.Event, [UInt8])? {
    var got: (WebSocketClient.Event, [UInt8])?
    let arrived = try client.receive(deadline: deadline(seconds)) { event, payload in got = (event, Array(payload)) }
    return arrived ? got : nil
}

/// Runs `body`, which must throw a `NetError` of `kind`; returns that error for more checks.
@discardableResult
func expectFailure(
    _ kind: NetError.Kind, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> NetError? {
    do {
        try body()
        Issue.record("no error, expected \(kind)", sourceLocation: sourceLocation)
    } catch let error as NetError {
        #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
