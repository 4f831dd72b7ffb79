import Testing
@testable import Runtime

@Suite("Configuration: storage")
struct ConfigStorageTests {
    @Test("the storage buffer and book snapshot period parse, default, and reach a child")
    func storage() throws {
        let d = Config()
        #expect(d.persistBufferRows == 1_000_000 && d.bookSnapshotSeconds == 10)
        let c = try Config.parse(["PERSIST_BUFFER_ROWS": "5000", "BOOK_SNAPSHOT_SECONDS": "0"])
        #expect(c.persistBufferRows == 5_000 && c.bookSnapshotSeconds == 0)
        let child = try Config.parse(c.environment)
        #expect(child.persistBufferRows == 5_000 && child.bookSnapshotSeconds == 0)
        #expect(Config.variables.contains("PERSIST_BUFFER_ROWS") && Config.variables.contains("BOOK_SNAPSHOT_SECONDS"))
    }

    @Test("out-of-range storage values name the variable", arguments: [
        ("PERSIST_BUFFER_ROWS", "10"), ("PERSIST_BUFFER_ROWS", "many"), ("BOOK_SNAPSHOT_SECONDS", "-1"),
        ("BOOK_SNAPSHOT_SECONDS", "3601"),
    ])
    func refused(variable: String, value: String) {
        #expect(throws: ConfigError.self) { try Config.parse([variable: value]) }
        do {
            _ = try Config.parse([variable: value])
        } catch {
            #expect(error.variable == variable)
        }
    }
}
