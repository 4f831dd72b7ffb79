import Foundation
import Testing

/// `tterminal-fanout-floor`, built beside this test bundle: the floor `make bench` prints next to
/// the server's figures counts every message and measures a latency.
@Suite("The bare fan-out floor tool")
struct FanoutFloorTests {
    /// The tool beside the test bundle (same scratch path and configuration).
    static var tool: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("tterminal-fanout-floor")
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("every message of every tick reaches the reader process, one or several to a send, through send() and io_uring", arguments: [
        ["--batch", "1"], ["--batch", "3", "--uring", "--senders", "2", "--readers", "2"],
    ])
    func countsEveryMessage(_ shape: [String]) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.tool.path),
                     "tterminal-fanout-floor not beside \(CommandLine.arguments[0]): build with the same scratch path")
        let (status, output) = try Self.run(["--connections", "40", "--rate", "50", "--seconds", "1", "--warmup", "0.2",
                                             "--sources", "127.0.9.1-127.0.9.2", "--json"] + shape)
        #expect(status == 0, "\(output)")
        let last = try #require(output.split(separator: "\n").last)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], "\(output)")
        let batch = try #require(doc["batch"] as? Int)
        let received = try #require(doc["received"] as? Int), expected = try #require(doc["expected"] as? Int)
        // 1 s at 50 ticks/s to 40 connections.
        #expect(expected == 50 * 40 * batch && received == expected, "\(output)")
        let p50 = try #require(doc["p50_us"] as? Int), p99 = try #require(doc["p99_us"] as? Int)
        #expect(p50 >= 1 && p99 >= p50 && p99 < 1_000_000, "\(output)")
        #expect((doc["sender_cpu_us_per_send"] as? Double ?? 0) > 0 && (doc["reader_over_sender_cpu"] as? Double ?? 0) > 0)
    }

    @Test("an unknown option or a shape past its limits is refused with exit 2 and says why")
    func refusals() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.tool.path))
        var (status, output) = try Self.run(["--fast"])
        #expect(status == 2 && output.contains("unknown option --fast"), "\(output)")
        (status, output) = try Self.run(["--connections", "20000"])
        #expect(status == 2 && output.contains("at most 18,000"), "\(output)")
        (status, output) = try Self.run(["--rate", "0"])
        #expect(status == 2 && output.contains("--rate must be a positive number"), "\(output)")
    }
}
