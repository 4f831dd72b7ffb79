import Foundation
import Testing

/// The benchmark scripts' summaries, run on report files as a scenario leaves them.
@Suite("Benchmark script summaries")
struct BenchScriptTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("a scenario whose loadtest wrote no report is reported as failed and the others still are summarized")
    func missingReport() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-ws-summary-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // What the scenario step leaves when loadtest exited 64 before writing --json.
        try #"{"bench": {"exit_code": 64, "sim_rate": 100.0}}"#.write(to: dir.appendingPathComponent("bench-ws-a.json"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.root.appendingPathComponent("scripts/bench_ws_summary.py").path, dir.path,
                             dir.appendingPathComponent("out.json").path, "a c"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("ws a: FAILED, loadtest wrote no report (exit 64)"), "\(text)")
        #expect(text.contains("ws c: no result"), "\(text)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.json").path))
    }
}
