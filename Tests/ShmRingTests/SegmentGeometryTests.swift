import Glibc
import Posix
import Testing
@testable import ShmRing

/// The state region's size from its geometry, and readers attaching from the header alone.
@Suite("Segment geometry")
struct SegmentGeometryTests {
    @Test("the default configuration (64 symbols × 2 markets × 6 intervals × 500 candles, 64 MiB ring) stays under 108 MiB")
    func defaultSize() {
        let geometry = StateGeometry(symbolCapacity: 64)
        let layout = StateLayout(geometry)
        #expect(geometry.intervals.count == 6 && geometry.candlesPerInterval == 500 && geometry.bookLevels == 100)
        #expect(layout.candleRingSize == 52_096)
        #expect(layout.recentTradesSize == 18_496)
        #expect(layout.marketEntrySize == 355_328)
        #expect(layout.size == 45_486_080)
        let total = Layout.segmentSize(ringCapacity: 64 << 20, symbolCapacity: 64)
        #expect(total == 112_664_576)
        #expect(total < 108 << 20)
    }

    @Test("the collection words lie after the storage figures, inside the control block's 31–32 KiB, and start zero")
    func collectionWords() throws {
        #expect(Layout.Collection.offset >= Layout.Feed.storageEnd && Layout.Collection.offset == 31 * 1024)
        #expect(Layout.Collection.uncollectedMask + 8 <= Layout.Collection.end && Layout.Collection.end == 32 * 1024)
        #expect(Layout.Collection.end <= Layout.controlSize)
        #expect(Layout.Feed.storageOffset + 8 * StorageCounter.allCases.count <= Layout.Feed.storageErrorOffset)
        let fd = try SharedMemory.anonymous(size: Layout.segmentSize(ringCapacity: 1 << 16, symbolCapacity: 2))
        defer { close(fd) }
        let segment = try Segment.format(fd: fd, ringCapacity: 1 << 16, symbolCapacity: 2)
        let c = segment.control
        #expect(!c.collectionPaused && c.uncollectedMask == 0)
        c.setCollectionPaused(true, sinceMs: 42)
        #expect(c.setCollected(symbol: 63, false) && !c.setCollected(symbol: 63, false) && c.setCollected(symbol: 64, false))
        c.resetStorage()
        #expect(c.collectionPaused && c.collectionPausedSinceMs == 42 && c.uncollectedMask == 1 << 63, "a feeder's start keeps them")
        withExtendedLifetime(segment) {}
    }

    @Test("every section of a market entry is cache-line aligned and inside the entry")
    func sectionsAligned() {
        for geometry in [StateGeometry(symbolCapacity: 3), StateGeometry(symbolCapacity: 1, intervals: [0, 15], candlesPerInterval: 7,
                                                                     bookLevels: 3, recentTrades: 5, liquidations: 1)] {
            let layout = StateLayout(geometry)
            #expect(layout.marketEntrySize % 64 == 0)
            for offset in layout.sections { #expect(offset % 64 == 0 && offset < layout.marketEntrySize) }
            #expect(layout.sections == layout.sections.sorted())
        }
    }

    @Test("a reader attaching learns the geometry from the header")
    func attachReadsGeometry() throws {
        let geometry = StateGeometry(symbolCapacity: 5, intervals: [0, 1, 15], candlesPerInterval: 33, bookLevels: 20,
                                     recentTrades: 17, liquidations: 9)
        let fd = try SharedMemory.anonymous(size: Layout.segmentSize(ringCapacity: 8192, geometry: geometry))
        defer { close(fd) }
        let writer = try Segment.format(fd: fd, ringCapacity: 8192, geometry: geometry)
        let reader = try Segment.attach(fd: fd, writable: false)
        #expect(reader.geometry == geometry && reader.stateLayout == writer.stateLayout)
        #expect(reader.ringCapacity == 8192 && reader.symbolCapacity == 5)
        StateTables(segment: writer).updateCandle(symbolIndex: 4, market: .futures, interval: 15,
                                                  candle: CandleRingTests.candle(9))
        #expect(StateTables(segment: reader).latestCandle(symbolIndex: 4, market: .futures, interval: 15) == CandleRingTests.candle(9))
    }

    @Test("a header whose state size disagrees with its geometry is refused")
    func attachRefusesBadStateSize() throws {
        let fd = try SharedMemory.anonymous(size: Layout.segmentSize(ringCapacity: 4096, symbolCapacity: 2))
        defer { close(fd) }
        let segment = try Segment.format(fd: fd, ringCapacity: 4096, symbolCapacity: 2)
        segment.headerWord(Layout.Header.stateSize).storeRelaxed(12)
        #expect(throws: SegmentError.self) { try Segment.attach(fd: fd, writable: false) }
    }

    @Test("a segment of an earlier version (1; 2 before candles kept trade ids; 3 before the ring's first epoch) is refused")
    func attachRefusesOldVersion() throws {
        let fd = try SharedMemory.anonymous(size: Layout.segmentSize(ringCapacity: 4096, symbolCapacity: 2))
        defer { close(fd) }
        let segment = try Segment.format(fd: fd, ringCapacity: 4096, symbolCapacity: 2)
        #expect(Layout.version == 4)
        for old: UInt64 in [1, 2, 3] {
            segment.headerWord(Layout.Header.version).storeRelaxed(old)
            #expect(throws: SegmentError.badVersion(old)) { try Segment.attach(fd: fd, writable: false) }
        }
    }

    @Test("a geometry that cannot be laid out is refused at format time")
    func formatRefusesBadGeometry() throws {
        let fd = try SharedMemory.anonymous(size: 1 << 20)
        defer { close(fd) }
        #expect(throws: SegmentError.self) {
            try Segment.format(fd: fd, ringCapacity: 4096, geometry: StateGeometry(symbolCapacity: 1, intervals: [1, 1]))
        }
        #expect(throws: SegmentError.self) {
            try Segment.format(fd: fd, ringCapacity: 4096, geometry: StateGeometry(symbolCapacity: 1, candlesPerInterval: 0))
        }
    }
}
