/// Deadlines of a client process's connections (reconnects due, reconnect attempts timing
/// out), earliest first: a binary min-heap. An entry names its slot and the slot's attempt
/// (`generation`), so one left over from an earlier attempt is recognised and ignored.
public struct TimerHeap: Sendable {
    public enum Kind: UInt8, Sendable {
        /// Start the next connection attempt.
        case reconnect
        /// The attempt has not upgraded in time.
        case connectTimeout
    }

    public struct Entry: Equatable, Sendable {
        public var due: Int64
        public var slot: Int32
        public var generation: UInt32
        public var kind: Kind

        public init(due: Int64, slot: Int32, generation: UInt32, kind: Kind) {
            self.due = due
            self.slot = slot
            self.generation = generation
            self.kind = kind
        }
    }

    private var entries: [Entry] = []

    public init() {}

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }
    /// The earliest deadline, nil when none.
    public var nextDue: Int64? { entries.first?.due }

    public mutating func push(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].due < entries[parent].due else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest entry if it is due at `now`.
    public mutating func popDue(now: Int64) -> Entry? {
        guard let first = entries.first, first.due <= now else { return nil }
        let last = entries.removeLast()
        guard !entries.isEmpty else { return first }
        entries[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < entries.count && entries[left].due < entries[smallest].due { smallest = left }
            if right < entries.count && entries[right].due < entries[smallest].due { smallest = right }
            guard smallest != parent else { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
