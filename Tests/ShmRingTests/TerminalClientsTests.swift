import Testing
@testable import ShmRing

/// The per-worker terminal client rows of the control block (`Layout.Clients`).
@Suite("Terminal clients in the control block")
struct TerminalClientsTests {
    /// Publishes a child in `slot` the way the supervisor does.
    static func child(_ control: ControlBlock, _ slot: Int, _ kind: ChildKind, _ state: SlotState) {
        control.slot(slot).publish(state: state, kind: kind, pid: Int32(100 + slot), startRealtimeNs: 1, restarts: 0, generation: 1)
    }

    static func subscribers(_ pairs: [Int: Int]) -> [Int] {
        (0..<Layout.Clients.symbolCount).map { pairs[$0] ?? 0 }
    }

    @Test("the rows lie inside the control block, past the feed's figures and the reserved KiB before them")
    func placement() {
        #expect(Layout.Feed.storageEnd <= 31 * 1024)
        #expect(Layout.Clients.offset == 32 * 1024 && Layout.Clients.rowSize % Layout.cacheLine == 0)
        #expect(Layout.Clients.end <= Layout.controlSize)
        #expect(Layout.Clients.subscribers + 4 * Layout.Clients.symbolCount == Layout.Clients.rowSize)
    }

    @Test("readers sum the rows of running workers only: not a stopped worker's, not a feeder's")
    func sumsRunningWorkers() throws {
        let segment = try TestSupport.segment()
        let c = segment.control
        Self.child(c, 0, .feeder, .running)
        Self.child(c, 1, .worker, .running)
        Self.child(c, 2, .worker, .running)
        Self.child(c, 3, .worker, .backoff)
        c.publishTerminalClients(slot: 0, clients: 50, subscribers: [50])
        c.publishTerminalClients(slot: 1, clients: 3, subscribers: [2, 1])
        c.publishTerminalClients(slot: 2, clients: 2, subscribers: Self.subscribers([0: 1, 63: 4]))
        c.publishTerminalClients(slot: 3, clients: 9, subscribers: [9, 9, 9])
        let all = c.terminalClientsOfRunningWorkers()
        #expect(all.clients == 5)
        #expect(all.subscribers == Self.subscribers([0: 3, 1: 1, 63: 4]))
        let others = c.terminalClientsOfRunningWorkers(excluding: 1)
        #expect(others == TerminalClients(clients: 2, subscribers: Self.subscribers([0: 1, 63: 4])))
        #expect(c.terminalClients(slot: 3) == TerminalClients(clients: 9, subscribers: [9, 9, 9]))
    }

    @Test("a worker starting in a slot clears what the slot's previous worker left")
    func clearOnStart() throws {
        let segment = try TestSupport.segment()
        let c = segment.control
        Self.child(c, 4, .worker, .running)
        c.publishTerminalClients(slot: 4, clients: 7, subscribers: [1, 2, 3, 4])
        c.clearTerminalClients(slot: 4)
        #expect(c.terminalClientsOfRunningWorkers() == TerminalClients())
    }

    @Test("counts keep their own half-word: symbols side by side never spill into each other, and huge or negative counts are clamped")
    func halves() throws {
        let segment = try TestSupport.segment()
        let c = segment.control
        Self.child(c, 5, .worker, .running)
        var counts = Self.subscribers([10: Int(UInt32.max) + 5, 11: 1, 12: -3])
        counts.append(8) // symbol 64: not kept
        c.publishTerminalClients(slot: 5, clients: -1, subscribers: counts)
        let row = c.terminalClients(slot: 5)
        #expect(row.clients == 0)
        #expect(row.subscribers == Self.subscribers([10: Int(UInt32.max), 11: 1]))
        #expect(row.subscribers.count == Layout.Clients.symbolCount)
    }
}
