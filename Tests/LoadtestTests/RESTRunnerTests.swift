import Foundation
import Glibc
import Posix
import Testing
@testable import Loadtest

/// A tiny keep-alive HTTP server on loopback: one thread per connection, one canned
/// response per request head (`\r\n\r\n`).
final class CannedHTTPServer: @unchecked Sendable {
    let listenFD: Int32
    let port: UInt16
    let response: [UInt8]
    /// Waited before each response (a server slower than the offer).
    let delayMicros: UInt32

    init(body: String, delayMicros: UInt32 = 0) throws {
        self.delayMicros = delayMicros
        listenFD = try Socket.listen(host: "127.0.0.1", port: 0)
        port = Socket.localPort(listenFD)
        response = Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    func stop() { shutdown(listenFD, Int32(SHUT_RDWR)) }

    private func acceptLoop() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 { return }
            Thread.detachNewThread { [self] in serve(fd) }
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        var matched = 0
        let end: [UInt8] = [13, 10, 13, 10]
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return }
            for byte in buffer[..<n] {
                matched = byte == end[matched] ? matched + 1 : (byte == 13 ? 1 : 0)
                if matched == 4 {
                    matched = 0
                    if delayMicros > 0 { usleep(delayMicros) }
                    _ = response.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                }
            }
        }
    }
}

@Suite("REST runner")
struct RESTRunnerTests {
    @Test("routes parse with and without a weight, and the cycle interleaves by weight")
    func routes() throws {
        let a = try RESTLoadConfig.Route(parsing: "/api/v1/health:3")
        #expect(a.path == "/api/v1/health" && a.weight == 3)
        let b = try RESTLoadConfig.Route(parsing: "/api/v1/klines?symbol=BTCUSDT")
        #expect(b.weight == 1)
        #expect(throws: LoadtestError.self) { try RESTLoadConfig.Route(parsing: "health") }
        let config = try RESTLoadConfig(url: "http://127.0.0.1:1", connections: 1, rate: 1, routes: [a, b],
                                        warmupSeconds: 0, durationSeconds: 1)
        #expect(config.routeCycle.sorted() == [0, 0, 0, 1])
        #expect(config.routeCycle.first == 0)
        #expect(throws: LoadtestError.self) {
            try RESTLoadConfig(url: "http://10.0.0.1:80", connections: 1, rate: 1, routes: [a], warmupSeconds: 0, durationSeconds: 1)
        }
    }

    @Test("a run against a local server answers every offered request at the rate, without errors")
    func endToEnd() throws {
        let server = try CannedHTTPServer(body: #"{"status":"healthy"}"#)
        defer { server.stop() }
        let config = try RESTLoadConfig(url: "http://127.0.0.1:\(server.port)", connections: 4, rate: 500,
                                        routes: [try .init(parsing: "/api/v1/health")], warmupSeconds: 0.3, durationSeconds: 1)
        let report = try RESTRunner(config: config, servers: [], progress: false).run()
        #expect(report.offered == 500)
        #expect(report.stats.sent == 500)
        #expect(report.stats.answered == 500)
        #expect(report.stats.statuses[200] == 500)
        #expect(report.stats.failureCount == 0)
        #expect(report.problems.isEmpty)
        #expect(report.percentile(99) > 0 && report.percentile(99) < 1_000_000)
        #expect(report.json.contains(#""achieved_per_s":"#))
    }

    @Test("a server slower than the offer: the achieved rate is what arrived in the window, and answers past --timeout are timeouts with their latency kept")
    func saturated() throws {
        let server = try CannedHTTPServer(body: "{}", delayMicros: 20_000)  // one connection: 50 responses a second at most
        defer { server.stop() }
        var config = try RESTLoadConfig(url: "http://127.0.0.1:\(server.port)", connections: 1, rate: 200,
                                        routes: [try .init(parsing: "/")], warmupSeconds: 0.2, durationSeconds: 1)
        config.timeoutSeconds = 0.3
        let report = try RESTRunner(config: config, servers: [], progress: false).run()
        #expect(report.offered == 200)
        let achieved = try #require(report.achievedPerSecond)
        #expect(achieved > 20 && achieved < 70, "achieved \(achieved)/s of 200 offered")
        #expect(report.stats[.timeout] > 100 && report.stats.answered < 20, "\(report.stats[.timeout]) timeouts, \(report.stats.answered) in time")
        #expect(report.stats.maxLatencyMicros >= 300_000, "late answers keep their latency")
        #expect(!report.problems.isEmpty)
    }

    @Test("nothing listening: connects are refused and counted, no response is recorded, and the run ends after its grace, not its duration")
    func refused() throws {
        let listener = try Socket.listen(host: "127.0.0.1", port: 0)
        let port = Socket.localPort(listener)
        close(listener)
        let config = try RESTLoadConfig(url: "http://127.0.0.1:\(port)", connections: 2, rate: 100,
                                        routes: [try .init(parsing: "/")], warmupSeconds: 5, durationSeconds: 60)
        let started = Clock.monotonicNanos()
        let report = try RESTRunner(config: config, servers: [], progress: false).run()
        let tookNs = Clock.monotonicNanos() - started
        #expect(tookNs >= RESTRunner.nothingOpenGrace && tookNs < 15_000_000_000, "\(tookNs / 1_000_000) ms")
        #expect(report.stats[.refused] > 0)
        #expect(report.stats.answered == 0 && report.stats[.timeout] == 0)
        #expect(report.problems.first == "no connection opened: nothing measured", "\(report.problems)")
        #expect(report.offered == 0, "it ended inside the warm-up, before the window")
    }
}
