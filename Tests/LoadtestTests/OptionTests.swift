import Foundation
import Glibc
import Posix
import Testing

/// Options that contradict each other or cannot work, refused by the binary before any load
/// (exit 64, the message naming the option).
@Suite("Options refused up front")
struct OptionTests {
    static let ws = ["loadtest", "ws", "--url", "ws://127.0.0.1:9/ws", "--connections", "1", "--duration", "1", "--warmup", "0",
                     "--source-addresses", "127.0.0.1", "--quiet"]
    static let depth = #"{"type":"subscribe","symbol":"BTCUSDT","channels":["depth"]}"#

    @Test("conflicting, negative and unusable options exit 64 at once with a message naming them",
          arguments: [
              (ws + ["--subscribe", #"{"type":"subscribe"}"#, "--subscribe", depth], "--subscribe given 2 times"),
              (ws + ["--idle", "--subscribe", depth], "--idle"),
              (ws + ["--allowed-failures=-1"], "--allowed-failures"),
              (ws + ["--expect-rate=-1"], "--expect-rate"),
              (ws + ["--server-pids", "999999999"], "--server-pids: no process 999999999"),
              (ws + ["--json", "/nonexistent/dir/x.json"], "--json /nonexistent/dir/x.json"),
              (ws + ["--html", "/nonexistent/dir/x.html"], "--html /nonexistent/dir/x.html"),
              (ws + ["--read-interval-ms", "1000"], "--read-interval-ms"),
              (["loadtest", "rest", "--url", "http://127.0.0.1:9", "--duration", "1", "--json", "/nonexistent/dir/r.json"], "--json"),
          ])
    func refused(arguments: [String], message: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: tterminalBinary), "build tterminal first: \(tterminalBinary)")
        let run = try ProcessUnderTest(arguments, environment: ["PATH=/usr/bin:/bin"], name: "options")
        guard let status = run.wait(seconds: 5) else { throw RunFailure("still running 5 s later:\n\(run.log.suffix(2000))") }
        #expect(status == .exited(64), "\(run.log.suffix(2000))")
        #expect(run.log.contains(message), "\(run.log.suffix(2000))")
    }
}
