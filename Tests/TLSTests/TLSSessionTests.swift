import Foundation
import Testing
@testable import TLS

/// A self-signed certificate for localhost / 127.0.0.1, made once with the openssl tool.
let certificates: (cert: String, key: String) = {
    let dir = NSTemporaryDirectory() + "tterminal-tls-\(getpid())"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let cert = dir + "/cert.pem", key = dir + "/key.pem"
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    p.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                   "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                   "-keyout", key, "-out", cert]
    p.standardError = FileHandle.nullDevice
    p.standardOutput = FileHandle.nullDevice
    try? p.run()
    p.waitUntilExit()
    return (cert, key)
}()

/// Moves ciphertext between two sessions until neither has anything to say.
func pump(_ a: TLSSession, _ b: TLSSession) {
    var buf = [UInt8](repeating: 0, count: 16384)
    var moved = true
    while moved {
        moved = false
        for (from, to) in [(a, b), (b, a)] {
            while from.pendingOutput > 0 {
                let n = buf.withUnsafeMutableBytes { from.takeOutput(into: $0) }
                buf.withUnsafeBytes { to.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                moved = moved || n > 0
            }
        }
    }
}

/// Runs both handshakes to the end; returns the client's and the server's last progress.
func connect(_ client: TLSSession, _ server: TLSSession) -> (TLSSession.Progress, TLSSession.Progress) {
    var c = client.handshake(), s = server.handshake()
    for _ in 0..<20 {
        pump(client, server)
        c = client.handshake()
        s = server.handshake()
        if case .failed = c { break }
        if case .failed = s { break }
        if c == .done && s == .done { break }
    }
    pump(client, server)
    return (c, s)
}

func readAll(_ session: TLSSession, expected: Int) -> [UInt8] {
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while out.count < expected {
        let r = buf.withUnsafeMutableBytes { session.read(into: $0) }
        guard case .bytes(let n) = r else { break }
        out += buf[0..<n]
    }
    return out
}

@Suite("TLS over memory buffers")
struct TLSSessionTests {
    @Test("a client that trusts the certificate completes the handshake at TLS 1.2 or newer and data flows both ways")
    func roundTrip() throws {
        let client = try TLSSession(context: try .client(trusting: certificates.cert), serverName: "localhost")
        let server = try TLSSession(context: try .server(certificateChain: certificates.cert, privateKey: certificates.key))
        let (c, s) = connect(client, server)
        #expect(c == .done)
        #expect(s == .done)
        #expect(["TLSv1.2", "TLSv1.3"].contains(client.protocolVersion))
        let message = Array("GET /stream?streams=btcusdt@trade HTTP/1.1\r\n\r\n".utf8)
        _ = message.withUnsafeBytes { client.write($0) }
        pump(client, server)
        #expect(readAll(server, expected: message.count) == message)
        let big = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(big.withUnsafeBytes { server.write($0) } == .success(big.count))
        pump(client, server)
        #expect(readAll(client, expected: big.count) == big)
    }

    @Test("an untrusted certificate fails verification with a reason")
    func untrusted() throws {
        let client = try TLSSession(context: try .client(), serverName: "localhost")
        let server = try TLSSession(context: try .server(certificateChain: certificates.cert, privateKey: certificates.key))
        let (c, _) = connect(client, server)
        guard case .failed(let e) = c else { Issue.record("handshake did not fail: \(c)"); return }
        #expect(e.message.contains("self-signed") || e.message.contains("self signed"), "\(e)")
    }

    @Test("a certificate for another name is refused")
    func wrongName() throws {
        let client = try TLSSession(context: try .client(trusting: certificates.cert), serverName: "stream.binance.com")
        let server = try TLSSession(context: try .server(certificateChain: certificates.cert, privateKey: certificates.key))
        let (c, _) = connect(client, server)
        guard case .failed(let e) = c else { Issue.record("handshake did not fail: \(c)"); return }
        #expect(e.message.contains("hostname"), "\(e)")
    }

    @Test("a server that offers only TLS 1.1 is refused")
    func oldProtocol() throws {
        let client = try TLSSession(context: try .client(trusting: certificates.cert), serverName: "localhost")
        let server = try TLSSession(context: try .server(certificateChain: certificates.cert, privateKey: certificates.key, maxVersion: TLSContext.tls11))
        let (c, s) = connect(client, server)
        #expect(c != .done && s != .done)
    }

    @Test("close_notify from the peer reads as closed, and a missing key file is a clear error")
    func closeAndErrors() throws {
        let client = try TLSSession(context: try .client(trusting: certificates.cert), serverName: "localhost")
        let server = try TLSSession(context: try .server(certificateChain: certificates.cert, privateKey: certificates.key))
        _ = connect(client, server)
        server.shutdown()
        pump(client, server)
        var buf = [UInt8](repeating: 0, count: 64)
        #expect(buf.withUnsafeMutableBytes { client.read(into: $0) } == .closed)
        #expect(throws: TLSError.self) { try TLSContext.server(certificateChain: "/nonexistent.pem", privateKey: "/nonexistent.key") }
    }

    @Test("garbage from the peer fails the handshake instead of hanging")
    func garbage() throws {
        let client = try TLSSession(context: try .client(trusting: certificates.cert), serverName: "localhost")
        _ = client.handshake()
        let junk = Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8)
        junk.withUnsafeBytes { client.feed($0) }
        guard case .failed = client.handshake() else { Issue.record("junk was accepted"); return }
    }
}
