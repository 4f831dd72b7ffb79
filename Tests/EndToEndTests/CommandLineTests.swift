import Foundation
import Glibc
import Testing

/// The command line itself: what a mistyped command is told.
@Suite("command line")
struct CommandLineTests {
    @Test("a word that names no command is said to be unknown, with the commands listed, and exits 64")
    func unknownCommand() throws {
        let child = try ChildUnderTest(tterminalBinary, ["stauts"])
        #expect(child.wait(seconds: 10) == .exited(64))
        #expect(child.stderr.contains("unknown command 'stauts'"), "\(child.stderr)")
        #expect(child.stderr.contains("serve, status, migrate, simulate, loadtest"), "\(child.stderr)")
        #expect(!child.stderr.contains("worker"), "internal roles are not offered")
    }

    @Test("named commands and options still reach the parser")
    func knownCommands() throws {
        let help = try ChildUnderTest(tterminalBinary, ["status", "--help"])
        #expect(help.wait(seconds: 10) == .exited(0))
        #expect(help.stdout.contains("USAGE: tterminal status"), "\(help.stdout)")
        let option = try ChildUnderTest(tterminalBinary, ["--bogus-option"])
        #expect(option.wait(seconds: 10) == .exited(64))
        #expect(!option.stderr.contains("unknown command"), "\(option.stderr)")
    }
}
