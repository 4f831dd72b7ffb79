import ArgumentParser
import Glibc
import Runtime
import Store

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply, revert or list database migrations (DATABASE_URL).")

    @Argument(help: "up, down or status.")
    var action: String

    @Option(help: "A migrations folder to use instead of the migrations built into the binary.")
    var dir: String?

    @Option(help: "With down: how many migrations to revert.")
    var steps = 1

    func run() throws {
        guard ["up", "down", "status"].contains(action) else {
            FileHandleStderr.write("tterminal migrate: expected up, down or status, got \(action)\n")
            throw ExitCode(2)
        }
        let config = loadConfigOrExit(role: "migrate")
        guard let url = config.databaseURL else {
            FileHandleStderr.write("tterminal migrate: DATABASE_URL is not set\n")
            throw ExitCode(2)
        }
        do {
            let migrations = try dir.map { (folder) throws(MigrationError) in try Migration.load(directory: folder) } ?? Migration.embedded
            let migrator = try Migrator(connection: try PostgresConnection(url: url), migrations: migrations)
            switch action {
            case "up":
                let done = try migrator.up { print("applying \(String($0.version)) \($0.name)") }
                print(done.isEmpty ? "up to date" : "applied \(done.count)")
            case "down":
                let done = try migrator.down(steps: steps) { print("reverting \(String($0.version)) \($0.name)") }
                print("reverted \(done.count)")
            default:
                let applied = Set(try migrator.applied())
                for m in migrations { print("\(applied.contains(m.version) ? "applied" : "pending")  \(m.version)  \(m.name)") }
            }
        } catch let e as MigrationError {
            FileHandleStderr.write("tterminal migrate: \(e)\n")
            throw ExitCode(2)
        } catch {
            FileHandleStderr.write("tterminal migrate: \(error)\n")
            throw ExitCode(1)
        }
    }
}
