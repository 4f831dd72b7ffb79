/// Each worker's terminal WebSocket clients in the control block, so `/websocket/stats` and
/// `getStats` answer for the whole server whichever worker is asked. One row per child slot,
/// written only by the worker in that slot (at each tick, and cleared when it starts); readers
/// sum the rows of slots whose worker runs (`SlotState.running`, `ChildKind.worker`), so a dead
/// or retiring worker's last row is never counted.
///
/// ```
///  control + 31 KiB   +-------------------------------------------+
///                     | reserved (another table)                  |
///  control + 32 KiB   +-------------------------------------------+
///                     | rows      64 slots × 320 B                |  index: the child slot
///  control + 52 KiB   +-------------------------------------------+
/// ```
/// A row (its own cache lines; one writer):
/// ```
///  0    clients       u64   terminal clients open on the worker
///  8    reserved
///  64   subscribers   64 × u32, two a word (even symbol index in the low half): clients
///                     subscribed to symbol i (its state-table index), either market
///  320
/// ```
extension Layout {
    public enum Clients {
        public static let offset = 32 * 1024
        public static let rowSize = 320
        public static let rowCount = Control.slotCount
        /// Symbols with a subscriber count (`Config.maxSymbols`); higher indices are not counted.
        public static let symbolCount = 64
        /// Words of a row.
        public static let clients = 0
        public static let subscribers = 64
        static let end = offset + rowCount * rowSize
    }
}

/// Terminal clients and how many subscribe to each symbol (by state-table index): one
/// worker's row of `Layout.Clients`, or a sum of rows.
public struct TerminalClients: Sendable, Equatable {
    public var clients: Int
    /// `Layout.Clients.symbolCount` counts.
    public var subscribers: [Int]

    public init(clients: Int = 0, subscribers: [Int] = []) {
        self.clients = clients
        self.subscribers = Array(subscribers.prefix(Layout.Clients.symbolCount))
            + Array(repeating: 0, count: max(0, Layout.Clients.symbolCount - subscribers.count))
    }

    /// Adds `other`'s figures to these.
    public mutating func add(_ other: TerminalClients) {
        clients += other.clients
        for i in subscribers.indices { subscribers[i] += other.subscribers[i] }
    }
}

extension ControlBlock {
    @inline(__always)
    func clientsWord(slot: Int, _ offset: Int) -> SharedWord {
        precondition(slot >= 0 && slot < Layout.Clients.rowCount, "slot \(slot) out of range")
        return word(Layout.Clients.offset + slot * Layout.Clients.rowSize + offset)
    }

    /// Worker: publishes its figures in its slot's row. `subscribers[i]` counts symbol `i`;
    /// past `Layout.Clients.symbolCount` they are not kept; missing ones are 0.
    public func publishTerminalClients(slot: Int, clients: Int, subscribers: [Int]) {
        @inline(__always) func count(_ i: Int) -> UInt64 {
            i < subscribers.count ? UInt64(min(max(subscribers[i], 0), Int(UInt32.max))) : 0
        }
        for pair in 0..<Layout.Clients.symbolCount / 2 {
            clientsWord(slot: slot, Layout.Clients.subscribers + 8 * pair).storeRelaxed(count(2 * pair) | count(2 * pair + 1) << 32)
        }
        clientsWord(slot: slot, Layout.Clients.clients).storeRelaxed(UInt64(max(clients, 0)))
    }

    /// Worker, as it starts: no clients yet, whatever the slot's previous worker left. The
    /// zeros are visible before anything the worker stores after (its first heartbeat, which
    /// is what makes the supervisor mark the slot running).
    public func clearTerminalClients(slot: Int) {
        publishTerminalClients(slot: slot, clients: 0, subscribers: [])
        storeFence()
    }

    /// One slot's row as its worker last wrote it.
    public func terminalClients(slot: Int) -> TerminalClients {
        var subscribers = [Int](repeating: 0, count: Layout.Clients.symbolCount)
        for pair in 0..<Layout.Clients.symbolCount / 2 {
            let w = clientsWord(slot: slot, Layout.Clients.subscribers + 8 * pair).loadRelaxed()
            subscribers[2 * pair] = Int(w & 0xFFFF_FFFF)
            subscribers[2 * pair + 1] = Int(w >> 32)
        }
        return TerminalClients(clients: Int(clientsWord(slot: slot, Layout.Clients.clients).loadRelaxed()), subscribers: subscribers)
    }

    /// The sum of the rows of every running worker, but `excluding` (the asking worker, which
    /// counts its own figures live).
    public func terminalClientsOfRunningWorkers(excluding: Int? = nil) -> TerminalClients {
        var total = TerminalClients()
        for index in 0..<Layout.Clients.rowCount where index != excluding {
            let s = slot(index)
            // `state` is read acquiring first: it pairs with the supervisor's release in `publish`.
            guard s.state == .running, s.kind == .worker else { continue }
            total.add(terminalClients(slot: index))
        }
        return total
    }

    /// The fewest connections a running worker other than `excluding` holds (each publishes
    /// its count as it changes), nil when no other worker runs: what a worker on the shared
    /// listening socket compares its own count with before it takes a connection.
    public func fewestWorkerConnections(excluding: Int) -> (slot: Int, connections: Int)? {
        var fewest: (slot: Int, connections: UInt64)?
        for index in 0..<Layout.Control.slotCount where index != excluding {
            let s = slot(index)
            guard s.state == .running, s.kind == .worker else { continue }
            let held = s.connections
            if fewest == nil || held < fewest!.connections { fewest = (index, held) }
        }
        return fewest.map { ($0.slot, Int(clamping: $0.connections)) }
    }

    /// Whether a feeder runs (its slot is `running`): the feed line is not a dead feeder's.
    public var feederRunning: Bool {
        slots.contains { $0.state == .running && $0.kind == .feeder }
    }
}
