import Glibc
import Posix
import ShmRing
import Testing
@testable import Worker

@Suite("The worker's cached symbol directory")
struct SymbolDirectoryTests {
    final class Clock: @unchecked Sendable {
        var now: Int64 = 1_000_000_000
    }

    @Test("a symbol registered after a miss is found at the next miss, without waiting for the refresh period")
    func generation() throws {
        let fd = try SharedMemory.anonymous(size: Layout.segmentSize(ringCapacity: 64 << 10, symbolCapacity: 4))
        defer { close(fd) }
        let tables = StateTables(segment: try Segment.format(fd: fd, ringCapacity: 64 << 10, symbolCapacity: 4))
        tables.registerSymbol(index: 0, name: "BTCUSDT")
        let clock = Clock()
        let directory = StateTableDirectory(tables: tables, refreshNs: 50_000_000, clock: { clock.now })
        #expect(directory.index(of: "BTCUSDT") == 0)
        #expect(directory.index(of: "ETHUSDT") == nil)
        let before = tables.directoryGeneration
        tables.registerSymbol(index: 1, name: "ETHUSDT")  // added at run time, 0 ns later on this clock
        #expect(tables.directoryGeneration == before + 1)
        #expect(directory.index(of: "ETHUSDT") == 1)
        #expect(directory.name(of: 1) == "ETHUSDT")
        #expect(directory.servedNames == ["BTCUSDT", "ETHUSDT"])
        #expect(directory.index(of: "SOLUSDT") == nil)
    }
}
