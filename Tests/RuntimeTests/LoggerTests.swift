import Foundation
import Glibc
import Testing
@testable import Runtime

/// Log lines: `time LEVEL role[pid] message key=value…`, values in logfmt.
@Suite("Log lines")
struct LoggerTests {
    @Test("values stay bare when they can; spaces, quotes, = and line breaks are quoted and escaped, so a JSON answer is one value")
    func fieldValues() throws {
        let path = "/tmp/tterminal-logger-\(getpid()).log"
        unlink(path)
        defer { unlink(path) }
        let log = Logger(role: "feeder", level: .info, path: path)
        log.info("worker request refused", ["command": "add-symbol", "argument": "", "plan": "spot#0 (50 streams)",
                                            "answer": #"{"ok":false,"error":"x","message":"a \"b\" c\d"}"#, "url": "ws://h/?a=b",
                                            "error": "line one\nline two"])
        log.debug("not written at info")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 1, "\(text)")
        let line = String(try #require(lines.first))
        #expect(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO feeder\[\d+\] worker request refused "#, options: .regularExpression) != nil, "\(line)")
        #expect(line.hasSuffix(#"command=add-symbol argument="" plan="spot#0 (50 streams)" "#
            + #"answer="{\"ok\":false,\"error\":\"x\",\"message\":\"a \\\"b\\\" c\\d\"}" url="ws://h/?a=b" error="line one\nline two""#),
            "\(line)")
    }

    @Test("reopening with another path moves the lines to the new file; the old one keeps what it had")
    func newPath() throws {
        let old = "/tmp/tterminal-logger-old-\(getpid()).log"
        let new = "/tmp/tterminal-logger-new-\(getpid()).log"
        unlink(old); unlink(new)
        defer { unlink(old); unlink(new) }
        let log = Logger(role: "supervisor", level: .info, path: old)
        log.info("before")
        log.reopen(path: new)
        log.info("after")
        let before = try String(contentsOfFile: old, encoding: .utf8)
        let after = try String(contentsOfFile: new, encoding: .utf8)
        #expect(before.contains("before") && !before.contains("after"), "\(before)")
        #expect(after.contains("after") && !after.contains("before"), "\(after)")
    }
}
