import ArgumentParser
import Glibc

/// `tterminal`: argument parsing and dispatch only.
struct TTerminal: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tterminal",
        abstract: "A market-data server for crypto trading terminals.",
        subcommands: [Serve.self, Status.self, Migrate.self, Simulate.self, FeederRole.self, WorkerRole.self,
                      LoadtestCommand.self, LoadtestClientRole.self],
        defaultSubcommand: Serve.self
    )

    /// A first argument that is not an option and names no command would reach `serve` (the
    /// default command) and be answered with serve's usage, which says nothing of the typo:
    /// the message that does, or nil.
    static func unknownCommand(_ arguments: ArraySlice<String>) -> String? {
        guard let word = arguments.first, !word.hasPrefix("-"), word != "help" else { return nil }
        let commands = configuration.subcommands
        guard !commands.contains(where: { $0._commandName == word }) else { return nil }
        let shown = commands.filter { $0.configuration.shouldDisplay }.map { $0._commandName }
        return "Error: unknown command '\(word)'\nCommands: \(shown.joined(separator: ", ")) (serve when none is named; "
            + "see 'tterminal --help')\n"
    }
}

if let message = TTerminal.unknownCommand(CommandLine.arguments.dropFirst()) {
    _ = message.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    exit(64) // EX_USAGE, as the argument parser's own usage errors
}
TTerminal.main()
