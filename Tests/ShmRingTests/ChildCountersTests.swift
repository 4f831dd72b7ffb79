import Testing
@testable import ShmRing

/// A child's counters: the slot's own words, then its line of more counters (`Layout.Control.moreCounters…`).
@Suite("Child counters in the control block")
struct ChildCountersTests {
    @Test("the more-counters lines lie after the terminal clients' rows, one cache line a slot, inside the control block")
    func placement() {
        #expect(Layout.Control.moreCountersOffset >= Layout.Clients.end)
        #expect(Layout.Control.moreCountersOffset + Layout.Control.slotCount * Layout.Control.moreCountersSize <= Layout.controlSize)
        #expect(Layout.Control.moreCountersOffset % Layout.cacheLine == 0 && Layout.Control.moreCountersSize == Layout.cacheLine)
        #expect(Layout.WorkerCounter.allCases.count <= Layout.Slot.counterCount + Layout.Control.moreCounterCount)
    }

    @Test("every worker counter of every slot has its own word, none shared with another slot or another counter, and a new child starts them at zero")
    func distinctWords() throws {
        let segment = try TestSupport.segment()
        let c = segment.control
        for slot in c.slots {
            for counter in Layout.WorkerCounter.allCases {
                slot.counter(counter.rawValue).storeRelaxed(UInt64(slot.index * 1000 + counter.rawValue + 1))
            }
        }
        for slot in c.slots {
            for counter in Layout.WorkerCounter.allCases {
                #expect(slot.counter(counter.rawValue).loadRelaxed() == UInt64(slot.index * 1000 + counter.rawValue + 1))
            }
        }
        // Written all, then read back all distinct: no two words alias; nothing else was hit.
        #expect(c.slots.allSatisfy { $0.heartbeat == 0 && $0.rateLimited == 0 && $0.state == .free })
        #expect(c.terminalClients(slot: 63) == TerminalClients(), "the clients' rows are untouched")
        c.slot(5).resetChildLine()
        #expect(Layout.WorkerCounter.allCases.allSatisfy { c.slot(5).counter($0.rawValue).loadRelaxed() == 0 })
        #expect(c.slot(6).counter(Layout.WorkerCounter.wsRateLimitClosed.rawValue).loadRelaxed() == 6000 + 18)
    }
}
