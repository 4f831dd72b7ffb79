import Foundation
import Testing

/// The Autobahn|Testsuite, the reference WebSocket conformance suite, against a worker's echo
/// route, through `scripts/autobahn.sh` on the binary under test (the debug build in
/// `make test`: the whole suite, 16 MiB messages included, takes about half a minute).
@Suite("Autobahn WebSocket conformance", .serialized)
struct AutobahnTests {
    /// `../shared/tools/autobahn` beside the checkout, or `AUTOBAHN`.
    static let tool = ProcessInfo.processInfo.environment["AUTOBAHN"] ?? repositoryRoot + "/../shared/tools/autobahn"

    @Test("every case but compression (12.*, 13.*, which the server declines) passes: 0 failed, more than 290 passed",
          .timeLimit(.minutes(15)))
    func suite() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.tool), "the Autobahn tool is missing: \(Self.tool) (set AUTOBAHN)")
        // No case list: the tool runs every case except 12.* and 13.*.
        let run = try ChildUnderTest("/bin/bash", [repositoryRoot + "/scripts/autobahn.sh"],
                                     environment: ["BIN": tterminalBinary, "CONFIG": "debug", "AUTOBAHN": Self.tool])
        // The tool's first run installs the suite (~15 s); the suite stops itself after 20 min.
        let status = run.wait(seconds: 840)
        let output = run.stdout
        print(output.split(separator: "\n").filter { $0.contains("FAILED") || $0.contains("passed") || $0.contains("took") }
            .joined(separator: "\n"))
        let summary = try #require(output.split(separator: "\n").last { $0.hasSuffix(" failed") && $0.contains(" passed, ") },
                                   "no 'N passed, N failed' line; exit \(String(describing: status))\n\(output.suffix(2000))\n\(run.stderr.suffix(2000))")
        let counts = summary.split(separator: " ").compactMap { Int($0) }
        try #require(counts.count == 2, "unreadable summary: \(summary)")
        #expect(counts[1] == 0, "failed cases:\n\(output.split(separator: "\n").filter { $0.contains("FAILED") }.joined(separator: "\n"))")
        #expect(counts[0] > 290, "only \(counts[0]) cases passed")
        #expect(status == .exited(0), "autobahn.sh: \(String(describing: status))\n\(run.stderr.suffix(2000))")
    }
}
