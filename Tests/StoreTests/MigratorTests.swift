import Glibc
import Testing
@testable import Store

/// The real PostgreSQL that `make test` starts; these tests are skipped without it.
let databaseURL: String? = getenv("DATABASE_URL").map { String(cString: $0) }

let repositoryMigrations: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/") + "/migrations"
}()

@Suite("Migration files")
struct MigrationFileTests {
    @Test("file names give version, name and direction")
    func names() {
        #expect(Migration.parse("0001_create_symbols.up.sql")! == (1, "create_symbols", "up"))
        #expect(Migration.parse("0012_x.down.sql")! == (12, "x", "down"))
        #expect(Migration.parse("README.md") == nil)
        #expect(Migration.parse("abc_x.up.sql") == nil)
    }

    @Test("the repository's migrations load in order, each with its down")
    func repository() throws {
        let all = try Migration.load(directory: repositoryMigrations)
        #expect(!all.isEmpty)
        #expect(all.map(\.version) == all.map(\.version).sorted())
        #expect(all.allSatisfy { !$0.up.isEmpty && !$0.down.isEmpty })
    }

    @Test("the binary carries the repository's migrations, byte for byte (scripts/embed-migrations.py after a change)")
    func embedded() throws {
        #expect(Migration.embedded == (try Migration.load(directory: repositoryMigrations)))
    }

    @Test("an up without a down is refused")
    func missingDown() throws {
        let dir = "/tmp/tterminal-migrations-\(getpid())"
        mkdir(dir, 0o755)
        defer { unlink(dir + "/0001_a.up.sql"); rmdir(dir) }
        let f = fopen(dir + "/0001_a.up.sql", "w")!
        fputs("SELECT 1;", f); fclose(f)
        #expect(throws: MigrationError.self) { try Migration.load(directory: dir) }
    }
}

@Suite("Migrations on PostgreSQL", .serialized, .enabled(if: databaseURL != nil, "needs DATABASE_URL (make test starts PostgreSQL)"))
struct MigratorTests {
    /// A private schema per test run, so tests never see each other's tables.
    func connection() throws -> PostgresConnection {
        let db = try PostgresConnection(url: databaseURL!)
        let schema = "mig_test_\(getpid())"
        try db.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE; CREATE SCHEMA \(schema); SET search_path TO \(schema)")
        return db
    }

    func tables(_ db: PostgresConnection) throws -> Set<String> {
        Set(try db.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").compactMap { $0[0] })
    }

    @Test("migrations go up, down and up again")
    func upDownUp() throws {
        let db = try connection()
        defer { _ = try? db.execute("DROP SCHEMA IF EXISTS mig_test_\(getpid()) CASCADE") }
        let all = try Migration.load(directory: repositoryMigrations)
        let m = try Migrator(connection: db, migrations: all)
        #expect(try m.up() == all.map(\.version))
        #expect(try tables(db).contains("symbols"))
        #expect(try m.up().isEmpty, "a second up has nothing to do")
        #expect(try m.down(steps: all.count) == all.map(\.version).reversed())
        #expect(try !tables(db).contains("symbols"))
        #expect(try m.applied().isEmpty)
        #expect(try m.up() == all.map(\.version))
        try db.execute("INSERT INTO symbols (symbol, base_asset, quote_asset) VALUES ($1, $2, $3)", ["BTCUSDT", "BTC", "USDT"])
        #expect(try db.execute("SELECT status, is_active FROM symbols") == [["TRADING", "t"]])
    }

    @Test("a failing migration is rolled back and not recorded")
    func rollback() throws {
        let db = try connection()
        defer { _ = try? db.execute("DROP SCHEMA IF EXISTS mig_test_\(getpid()) CASCADE") }
        let bad = [Migration(version: 1, name: "half", up: "CREATE TABLE half (x int); SELECT nonsense FROM nowhere;", down: "DROP TABLE half")]
        let m = try Migrator(connection: db, migrations: bad)
        #expect(throws: PostgresError.self) { try m.up() }
        #expect(try m.applied().isEmpty)
        #expect(try !tables(db).contains("half"))
    }

    @Test("a dead database is a clear error, not a hang")
    func deadDatabase() {
        #expect(throws: PostgresError.self) { try PostgresConnection(url: "postgres://postgres@127.0.0.1:1/none", connectTimeoutSeconds: 1) }
        #expect(!Postgres.ping(url: "postgres://postgres@127.0.0.1:1/none", timeoutSeconds: 1))
        #expect(Postgres.redacted("postgres://u:secret@h/db") == "postgres://u:***@h/db")
        #expect(Postgres.redacted("postgres://u:one@h/db?sslmode=disable&password=two&x=1")
            == "postgres://u:***@h/db?sslmode=disable&password=***&x=1")
        #expect(Postgres.redacted("postgres://h/db?PASSWORD=x") == "postgres://h/db?password=***")
        #expect(Postgres.redacted(#"host=h user=u password='a b\'c' dbname=d"#) == "host=h user=u password=*** dbname=d")
        #expect(Postgres.redacted("host=h password=plain dbname=d") == "host=h password=*** dbname=d")
    }
}
