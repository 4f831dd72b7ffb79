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
}

TTerminal.main()
