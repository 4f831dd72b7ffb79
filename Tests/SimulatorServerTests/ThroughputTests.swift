import Foundation
import Net
import Posix
@testable import SimulatorServer
import Testing

extension LoopbackTests {
    @Suite("Throughput")
    struct ThroughputTests {
        /// Prints frames/s one reader receives with the generator unpaced; no timing assertions.
        /// For the real figure run it in release: `swift test -c release -Xswiftc -enable-testing
        /// --filter ThroughputTests`.
        @Test("one reader subscribed to every spot stream of two symbols: frames per second (printed)")
        func throughput() throws {
            let sim = try SimFixture { $0.rate = 50_000_000 }
            let streams = ["btcusdt", "ethusdt"].flatMap { s in ["@trade", "@aggTrade", "@depth@100ms", "@bookTicker"].map { s + $0 } }
            let ws = try sim.socket("/stream?streams=" + streams.joined(separator: "/"))
            _ = try ws.countFrames(seconds: 0.5)
            let before = try sim.state()
            let measured = try ws.countFrames(seconds: 3)
            let after = try sim.state()
            let events = (after["eventsProduced"] as? Int ?? 0) - (before["eventsProduced"] as? Int ?? 0)
            let totals = after["totals"] as? [String: Any] ?? [:]
            let fps = Double(measured.frames) / measured.seconds
            print(String(format: "THROUGHPUT frames/s=%.0f MB/s=%.1f generatorEvents/s=%.0f slowClosed=%@", fps,
                         Double(measured.bytes) / measured.seconds / 1e6, Double(events) / measured.seconds,
                         "\(totals["slowConsumersClosed"] ?? "?")"))
            #expect(measured.frames > 0)
        }
    }
}

extension TestSocket {
    /// Counts whole frames received for `seconds` by reading headers only (payloads skipped).
    func countFrames(seconds: Double) throws -> (frames: Int, bytes: Int, seconds: Double) {
        var frames = 0
        var bytes = 0
        var skip = 0  // payload bytes of the current frame still to come
        var carry = pending
        pending = []
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        let start = Clock.monotonicNanos()
        let end = start + Int64(seconds * 1e9)
        while Clock.monotonicNanos() < end {
            let n: Int
            do {
                n = try buffer.withUnsafeMutableBytes { try transport.read(into: $0, deadline: end) }
            } catch let e as NetError where e.kind == .timeout {
                break
            }
            guard n > 0 else { break }
            bytes += n
            var chunk = carry + buffer[..<n]
            carry = []
            var i = 0
            chunk.withUnsafeMutableBytes { p in
                while i < p.count {
                    if skip > 0 {
                        let take = min(skip, p.count - i)
                        skip -= take
                        i += take
                        if skip > 0 { break }
                        continue
                    }
                    guard p.count - i >= 2 else { break }
                    let len7 = Int(p[i + 1] & 0x7F)
                    let header = len7 == 126 ? 4 : len7 == 127 ? 10 : 2
                    guard p.count - i >= header else { break }
                    var length = len7
                    if len7 == 126 { length = Int(p[i + 2]) << 8 | Int(p[i + 3]) }
                    if len7 == 127 { length = (4..<10).reduce(0) { $0 << 8 | Int(p[i + $1]) } }
                    frames += 1
                    i += header
                    skip = length
                }
            }
            if i < chunk.count { carry = Array(chunk[i...]) }
            chunk = []
        }
        return (frames, bytes, Double(Clock.monotonicNanos() - start) / 1e9)
    }
}
