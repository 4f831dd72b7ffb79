/// Where records start in the ring, sampled as the worker reads: (the sequence read last,
/// the position after it) every `stride` records or more. A resuming client's sequence finds
/// the nearest place at or before it without walking the ring from its oldest record.
struct ReplayIndex {
    private(set) var sequences: [UInt64] = []
    private(set) var positions: [UInt64] = []
    let stride: UInt64
    let capacity: Int

    init(stride: UInt64 = 64, capacity: Int = 1 << 16) {
        self.stride = stride
        self.capacity = capacity
    }

    /// Notes that the record after `sequence` starts at `position`; sampled, oldest forgotten.
    mutating func note(sequence: UInt64, position: UInt64) {
        if let last = sequences.last, sequence < last &+ stride, sequence >= last { return }
        if let last = sequences.last, sequence < last {
            // The sequence went back: the segment was reformatted. Start over.
            sequences.removeAll(keepingCapacity: true)
            positions.removeAll(keepingCapacity: true)
        }
        if sequences.count == capacity {
            sequences.removeFirst(capacity / 2)
            positions.removeFirst(capacity / 2)
        }
        sequences.append(sequence)
        positions.append(position)
    }

    /// The latest sample at or before `sequence`: where a replay of the records after it starts.
    func start(after sequence: UInt64) -> (sequence: UInt64, position: UInt64)? {
        var low = 0, high = sequences.count
        while low < high {
            let mid = (low + high) / 2
            if sequences[mid] <= sequence { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : (sequences[low - 1], positions[low - 1])
    }
}
