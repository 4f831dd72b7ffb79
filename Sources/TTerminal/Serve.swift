import ArgumentParser
import Glibc
import Posix
import Runtime
import Store
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
        if let url = config.databaseURL { migrateAtStart(url: url, log: log) }
        let code = SupervisorProcess(config: config, logger: log).run()
        Glibc.exit(code)
    }
}

/// `migrate up` with the migrations built into the binary, before the server starts, when
/// there is a database. A database that is away or refuses does not stop the server: it runs on
/// shared memory and health says the database is down; the next start migrates.
func migrateAtStart(url: String, log: Logger) {
    let migrations = Migration.embedded
    do {
        let migrator = try Migrator(connection: try PostgresConnection(url: url, connectTimeoutSeconds: 3), migrations: migrations)
        let applied = try migrator.up { log.info("applying migration", ["version": "\($0.version)", "name": $0.name]) }
        log.info(applied.isEmpty ? "database schema up to date" : "database migrated",
                 ["applied": "\(applied.count)", "latest": "\(migrations.last?.version ?? 0)"])
    } catch {
        log.warning("database migrations not applied: \(error); serving from shared memory until the database answers")
    }
}
