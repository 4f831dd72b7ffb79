import ArgumentParser
import Glibc
import Posix
import Runtime
import Supervisor

/// Loads the configuration or exits with code 2 and a message naming the variable.
func loadConfigOrExit(role: String) -> Config {
    do {
        return try Config.load()
    } catch {
        FileHandleStderr.write("tterminal \(role): configuration error: \(error)\n")
        Glibc.exit(ProcessExit.fatal)
    }
}

enum FileHandleStderr {
    static func write(_ s: String) { try? FD.writeAll(2, s) }
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the server: a supervisor, one feeder and N workers (configured by environment and .env).")

    func run() throws {
        let config = loadConfigOrExit(role: "serve")
        let log = Logger(role: "supervisor", level: config.logLevel, path: config.logFile)
        let code = SupervisorProcess(config: config, logger: log).run()
        Glibc.exit(code)
    }
}
