/// A bounded history: appends until `capacity`, then overwrites the oldest. Indexed oldest first.
struct Ring<Element>: Sendable where Element: Sendable {
    private var storage: [Element] = []
    /// Index in `storage` of the oldest element once full.
    private var head = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    var count: Int { storage.count }
    var isEmpty: Bool { storage.isEmpty }

    subscript(i: Int) -> Element {
        storage.count < capacity ? storage[i] : storage[(head + i) % capacity]
    }

    var last: Element? { storage.isEmpty ? nil : self[storage.count - 1] }
    var first: Element? { storage.isEmpty ? nil : self[0] }

    mutating func update(_ i: Int, _ body: (inout Element) -> Void) {
        body(&storage[storage.count < capacity ? i : (head + i) % capacity])
    }

    mutating func append(_ e: Element) {
        if storage.count < capacity {
            storage.append(e)
        } else {
            storage[head] = e
            head = (head + 1) % capacity
        }
    }

    /// The first index whose key is not below `key` (keys non-decreasing oldest to newest).
    func lowerBound(_ key: Int64, by keyOf: (Element) -> Int64) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if keyOf(self[mid]) < key { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
