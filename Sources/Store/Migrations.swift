import Glibc
import Posix

/// One numbered migration: `NNNN_name.up.sql` and `NNNN_name.down.sql`.
public struct Migration: Equatable, Sendable {
    public let version: Int
    public let name: String
    public let up: String
    public let down: String
}

/// A migrations folder that cannot be used.
public struct MigrationError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

extension Migration {
    /// Reads every migration in `directory`, ordered by version. Every `up` needs its `down`;
    /// versions are unique; other files are ignored.
    public static func load(directory: String) throws(MigrationError) -> [Migration] {
        guard let dir = opendir(directory) else { throw MigrationError(description: "cannot read migrations folder \(directory)") }
        defer { closedir(dir) }
        var ups: [Int: (String, String)] = [:]
        var downs: [Int: String] = [:]
        while let entry = readdir(dir) {
            let file = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            guard let (version, name, direction) = parse(file) else { continue }
            let path = directory + "/" + file
            guard let sql = readTextFile(path) else { throw MigrationError(description: "cannot read \(path)") }
            if direction == "up" {
                if ups[version] != nil { throw MigrationError(description: "two up migrations numbered \(version)") }
                ups[version] = (name, sql)
            } else {
                if downs[version] != nil { throw MigrationError(description: "two down migrations numbered \(version)") }
                downs[version] = sql
            }
        }
        for v in downs.keys where ups[v] == nil { throw MigrationError(description: "migration \(v) has a down file but no up file") }
        return try ups.keys.sorted().map { (v) throws(MigrationError) -> Migration in
            guard let down = downs[v] else { throw MigrationError(description: "migration \(v) (\(ups[v]!.0)) has no down file") }
            return Migration(version: v, name: ups[v]!.0, up: ups[v]!.1, down: down)
        }
    }

    /// `0001_create_symbols.up.sql` → (1, "create_symbols", "up").
    static func parse(_ file: String) -> (Int, String, String)? {
        let direction: String
        if file.hasSuffix(".up.sql") { direction = "up" } else if file.hasSuffix(".down.sql") { direction = "down" } else { return nil }
        let stem = file.dropLast(direction == "up" ? 7 : 9)
        guard let underscore = stem.firstIndex(of: "_"), let v = Int(stem[..<underscore]), v > 0 else { return nil }
        return (v, String(stem[stem.index(after: underscore)...]), direction)
    }
}

/// Applies and reverts migrations, one transaction each, recorded in `schema_migrations`,
/// under an advisory lock so two servers starting together do not race.
public final class Migrator {
    let db: PostgresConnection
    public let migrations: [Migration]
    static let lockKey = 0x7474_6D69 // "ttmi"

    public init(connection: PostgresConnection, migrations: [Migration]) throws(PostgresError) {
        db = connection
        self.migrations = migrations
        try db.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
            """)
    }

    /// Applied versions, ascending.
    public func applied() throws(PostgresError) -> [Int] {
        try db.execute("SELECT version FROM schema_migrations ORDER BY version").compactMap { $0[0].flatMap { Int($0) } }
    }

    /// Applies every pending migration (or up to `target`); returns the versions applied.
    @discardableResult
    public func up(to target: Int? = nil, progress: (Migration) -> Void = { _ in }) throws(PostgresError) -> [Int] {
        try withLock { () throws(PostgresError) -> [Int] in
            let done = Set(try applied())
            var result: [Int] = []
            for m in migrations where !done.contains(m.version) && m.version <= (target ?? .max) {
                progress(m)
                try transaction(m.up, then: "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [String(m.version), m.name])
                result.append(m.version)
            }
            return result
        }
    }

    /// Reverts the newest `steps` applied migrations; returns the versions reverted.
    @discardableResult
    public func down(steps: Int = 1, progress: (Migration) -> Void = { _ in }) throws(PostgresError) -> [Int] {
        try withLock { () throws(PostgresError) -> [Int] in
            var result: [Int] = []
            for v in try applied().reversed().prefix(steps) {
                guard let m = migrations.first(where: { $0.version == v }) else {
                    throw PostgresError(context: "down", message: "applied migration \(v) has no file here")
                }
                progress(m)
                try transaction(m.down, then: "DELETE FROM schema_migrations WHERE version = $1", [String(v)])
                result.append(v)
            }
            return result
        }
    }

    private func transaction(_ sql: String, then record: String, _ parameters: [String?]) throws(PostgresError) {
        try db.execute("BEGIN")
        do {
            try db.execute(sql)
            try db.execute(record, parameters)
            try db.execute("COMMIT")
        } catch {
            _ = try? db.execute("ROLLBACK")
            throw error
        }
    }

    private func withLock<T>(_ body: () throws(PostgresError) -> T) throws(PostgresError) -> T {
        try db.execute("SELECT pg_advisory_lock(\(Self.lockKey))")
        defer { _ = try? db.execute("SELECT pg_advisory_unlock(\(Self.lockKey))") }
        return try body()
    }
}
