import Foundation
import Posix
import Testing
import TLS
@testable import Net

/// Writes `total` bytes in chunks and reads each chunk's echo back.
func echoRoundTrip(_ transport: Transport, total: Int) throws -> Bool {
    let chunk = 16 << 10
    var sent = [UInt8](repeating: 0, count: chunk)
    var back = [UInt8](repeating: 0, count: chunk)
    var offset = 0
    while offset < total {
        for i in 0..<chunk { sent[i] = UInt8(truncatingIfNeeded: (offset + i) &* 31) }
        try sent.withUnsafeBytes { try transport.writeAll($0, deadline: deadline()) }
        var got = 0
        while got < chunk {
            let n = try back.withUnsafeMutableBytes { try transport.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[got...]), deadline: deadline()) }
            guard n > 0 else { return false }
            got += n
        }
        guard back == sent else { return false }
        offset += chunk
    }
    return true
}

/// Serves one connection that echoes everything until the client closes.
func echoServer(_ listener: Listener, tls: TLSContext?) -> Background {
    Background {
        let peer = try ServerPeer.accept(listener, tls: tls)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try peer.transport.read(into: $0, deadline: deadline()) }
            if n == 0 { break }
            try buffer.withUnsafeBytes { try peer.transport.writeAll(UnsafeRawBufferPointer(rebasing: $0[..<n]), deadline: deadline()) }
        }
        peer.close()
    }
}

@Suite("Transport over loopback sockets")
struct TransportTests {
    @Test("plain TCP bytes echo through a listener on an ephemeral port")
    func plainEcho() throws {
        let listener = try loopbackListener()
        #expect(listener.port > 0)
        let server = echoServer(listener, tls: nil)
        let client = try Transport.connect(host: "127.0.0.1", port: listener.port, tls: nil, deadline: deadline())
        #expect(try echoRoundTrip(client, total: 256 << 10))
        #expect(!client.isSecure)
        client.close()
        #expect(server.join())
        #expect(server.error == nil)
    }

    @Test("TLS bytes echo with a generated self-signed certificate, by name and by IP")
    func tlsEcho() throws {
        for host in ["localhost", "127.0.0.1"] {
            let listener = try loopbackListener()
            let server = echoServer(listener, tls: try serverTLS())
            let client = try Transport.connect(host: host, port: listener.port, tls: try clientTLS(), deadline: deadline())
            #expect(["TLSv1.2", "TLSv1.3"].contains(client.tlsVersion ?? ""))
            #expect(try echoRoundTrip(client, total: 256 << 10))
            client.close()
            #expect(server.join())
            #expect(server.error == nil, "\(host)")
        }
    }

    @Test("a client that does not trust the certificate fails with tls, naming the problem")
    func untrusted() throws {
        let listener = try loopbackListener()
        let server = Background { _ = try ServerPeer.accept(listener, tls: try serverTLS()) }
        let context = try TLSContext.client()
        let error = expectFailure(.tls) {
            _ = try Transport.connect(host: "localhost", port: listener.port, tls: context, deadline: deadline())
        }
        let message = error?.message ?? ""
        #expect(message.contains("self-signed") || message.contains("self signed"), "\(message)")
        #expect(message.contains("localhost:\(listener.port)"), "\(message)")
        #expect(server.join())
    }

    @Test("a certificate for another host name or address is refused", arguments: ["stream.binance.com", "127.0.0.2"])
    func wrongName(_ name: String) throws {
        let listener = try loopbackListener()
        let server = Background { _ = try ServerPeer.accept(listener, tls: try serverTLS()) }
        let context = try clientTLS()
        let error = expectFailure(.tls) {
            _ = try Transport.connect(host: "127.0.0.1", port: listener.port, tls: context, serverName: name, deadline: deadline())
        }
        #expect(error?.message.contains("mismatch") == true, "\(String(describing: error))")
        #expect(server.join())
    }

    @Test("a read with nothing to read times out at its deadline")
    func readTimeout() throws {
        let listener = try loopbackListener()
        let client = try Transport.connect(host: "127.0.0.1", port: listener.port, tls: nil, deadline: deadline())
        let start = Deadline.now()
        var buffer = [UInt8](repeating: 0, count: 16)
        expectFailure(.timeout) {
            _ = try buffer.withUnsafeMutableBytes { try client.read(into: $0, deadline: Deadline.after(millis: 100)) }
        }
        let elapsed = Deadline.now() - start
        #expect(elapsed >= 95_000_000 && elapsed < 2_000_000_000, "\(elapsed) ns")
    }

    @Test("interrupt from another thread ends a read that waits forever, within a bound")
    func interrupt() throws {
        let listener = try loopbackListener()
        let client = try Transport.connect(host: "127.0.0.1", port: listener.port, tls: nil, deadline: deadline())
        let started = DispatchSemaphore(value: 0)
        let reader = Background {
            started.signal()
            var buffer = [UInt8](repeating: 0, count: 16)
            _ = try buffer.withUnsafeMutableBytes { try client.read(into: $0, deadline: nil) }
        }
        started.wait()
        Thread.sleep(forTimeInterval: 0.05)  // let it reach poll; the interrupt is sticky either way
        let interrupted = Deadline.now()
        client.interrupt()
        #expect(reader.join(seconds: 2))
        #expect(Deadline.now() - interrupted < 1_000_000_000)
        #expect(reader.error?.contains("interrupted") == true, "\(reader.error ?? "no error")")
        #expect(client.isInterrupted)
    }

    @Test("the peer's close reads as end of stream, and a refused connection names host and port")
    func closeAndRefused() throws {
        let listener = try loopbackListener()
        let server = Background { try ServerPeer.accept(listener).close() }
        let client = try Transport.connect(host: "127.0.0.1", port: listener.port, tls: nil, deadline: deadline())
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(try buffer.withUnsafeMutableBytes { try client.read(into: $0, deadline: deadline()) } == 0)
        #expect(server.join())
        let port = listener.port
        listener.close()
        let error = expectFailure(.connect) {
            _ = try Transport.connect(host: "127.0.0.1", port: port, tls: nil, deadline: deadline())
        }
        #expect(error?.message.contains("127.0.0.1:\(port)") == true && error?.message.contains("refused") == true, "\(String(describing: error))")
    }

    @Test("an accept with no client times out with nil, and an interrupted listener throws")
    func listenerWaits() throws {
        let listener = try loopbackListener()
        #expect(try listener.accept(deadline: Deadline.after(millis: 50)) == nil)
        listener.interrupt()
        expectFailure(.interrupted) { _ = try listener.accept(deadline: nil) }
    }
}
