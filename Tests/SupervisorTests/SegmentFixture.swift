import Glibc
import Posix
import ShmRing

/// A formatted segment with a feeder, two workers, one stopped slot and two symbols, every
/// figure `status` and `/metrics` read set to a known value.
enum SegmentFixture {
    /// A symbol name that needs escaping in a label value: quote, backslash, newline.
    static let awkwardSymbol = "A\"B\\C\nD"

    static func make() throws -> Segment {
        let size = Layout.segmentSize(ringCapacity: 4096, symbolCapacity: 4)
        let fd = try SharedMemory.anonymous(size: size)
        defer { close(fd) }
        let segment = try Segment.format(fd: fd, ringCapacity: 4096, symbolCapacity: 4)
        let c = segment.control
        c.word(Layout.Control.supervisorPid).storeRelaxed(UInt64(getpid()))
        c.word(Layout.Control.workersWanted).storeRelaxed(2)
        c.slot(0).publish(state: .running, kind: .feeder, pid: 101, startRealtimeNs: Clock.realtimeNanos(), restarts: 1, generation: 1)
        for (index, pid) in [(1, Int32(102)), (2, 103)] {
            let slot = c.slot(index)
            slot.publish(state: .running, kind: .worker, pid: pid, startRealtimeNs: Clock.realtimeNanos(), restarts: 0, generation: 1)
            slot.word(Layout.Slot.connections).storeRelaxed(5)
            slot.word(Layout.Slot.requests).storeRelaxed(70)
            slot.word(Layout.Slot.badRequests).storeRelaxed(2)
            slot.word(Layout.Slot.rateLimited).storeRelaxed(6)
            slot.word(Layout.Slot.ringSequence).storeRelaxed(90)
            slot.word(Layout.Slot.ringLaps).storeRelaxed(1)
            for counter in Layout.WorkerCounter.allCases {
                slot.counter(counter.rawValue).storeRelaxed(value(counter, slot: index))
            }
        }
        c.slot(3).publish(state: .backoff, kind: .worker, pid: 0, startRealtimeNs: 0, restarts: 4, generation: 1)
        let ring = segment.ringWords
        ring.epoch.storeRelaxed(3)
        ring.latestSequence.storeRelaxed(100)
        ring.recordsWritten.storeRelaxed(99)
        c.feedCounter(.stalls).storeRelaxed(2)
        c.feedCounter(.liveConnections).storeRelaxed(4)
        c.feedCounter(.publishLatencyP50Ns).storeRelaxed(1500)
        c.feedCounter(.publishLatencyMaxNs).storeRelaxed(2_000_000)
        c.feedCounter(.publishLatencyCount).storeRelaxed(10)
        let tables = StateTables(segment: segment)
        tables.registerSymbol(index: 0, name: "BTCUSDT")
        tables.registerSymbol(index: 1, name: awkwardSymbol)
        c.feedSymbolWord(symbol: 1, market: .futures, Layout.Feed.Symbol.gapsFound).storeRelaxed(7)
        return segment
    }

    /// The value the fixture gives `counter` in worker slot `slot`: distinct per counter and slot.
    static func value(_ counter: Layout.WorkerCounter, slot: Int) -> UInt64 { UInt64(slot * 100 + counter.rawValue + 1) }
}
