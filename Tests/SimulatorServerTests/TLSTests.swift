import Foundation
import Net
import Posix
@testable import SimulatorServer
import TLS
import Testing

extension LoopbackTests {
    @Suite("TLS with the generated certificate")
    struct TLSServerTests {
        @Test("a client trusting the printed certificate gets wss and https; one that does not is refused")
        func trust() throws {
            let dir = "/tmp/tterminal-sim-tls-\(getpid())-\(Int.random(in: 0..<1_000_000))"
            let sim = try SimFixture { $0.tls = true; $0.certDirectory = dir }
            let cert = try #require(sim.exchange.certificatePath)
            #expect(cert == dir + "/cert.pem")
            #expect(sim.exchange.readyLine.contains("\"spot\":\"wss://127.0.0.1:"))
            let trusting = try TLSContext.client(trusting: cert)
            let ws = try WebSocketClient.connect(try Endpoint(parsing: "wss://127.0.0.1:\(sim.spotPort)/ws/btcusdt@trade"),
                                                 tls: trusting, deadline: Deadline.after(seconds: 5))
            var text = ""
            while text.isEmpty, try ws.receive(deadline: Deadline.after(seconds: 5), { event, bytes in
                if event == .text { text = String(decoding: bytes, as: UTF8.self) }
            }) {}
            #expect(text.contains("\"e\":\"trade\""))
            ws.close()
            let localhost = try WebSocketClient.connect(try Endpoint(parsing: "wss://localhost:\(sim.futuresPort)/market/ws"),
                                                        tls: trusting, deadline: Deadline.after(seconds: 5))
            localhost.close()
            #expect(try sim.http.get("/api/v3/ping").status == 200)
            let untrusting = try TLSContext.client()
            #expect(throws: NetError.self) {
                _ = try WebSocketClient.connect(try Endpoint(parsing: "wss://127.0.0.1:\(sim.spotPort)/ws"),
                                                tls: untrusting, deadline: Deadline.after(seconds: 5))
            }
            // The client gives up as soon as it sees the certificate; the server's thread counts
            // the failed handshake when it reads the client's alert, a moment later.
            try eventually(5, "the refused handshake counted") {
                let totals = try sim.state()["totals"] as? [String: Any]
                return totals?["tlsHandshakeFailures"] as? Int == 1
            }
        }
    }
}
