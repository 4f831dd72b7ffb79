/// A reusable byte buffer with a readable window `[start, end)` and free space after it. It grows
/// up to `limit` and compacts (moves the unread bytes to the front) only when space runs short,
/// so the steady state allocates nothing.
final class ByteBuffer {
    private(set) var storage: UnsafeMutableRawBufferPointer
    private(set) var start = 0
    private(set) var end = 0
    /// The most it may grow to.
    let limit: Int

    /// Starts with `capacity` bytes (at most `limit`).
    init(capacity: Int, limit: Int) {
        precondition(capacity > 0 && limit > 0, "ByteBuffer capacity \(capacity) limit \(limit)")
        storage = .allocate(byteCount: min(capacity, limit), alignment: 16)
        self.limit = limit
    }

    deinit { storage.deallocate() }

    var count: Int { end - start }
    var isEmpty: Bool { start == end }
    var capacity: Int { storage.count }

    /// The unread bytes; valid until the next call that changes the buffer.
    var readable: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[start..<end]) }

    /// The free space after the unread bytes.
    var writable: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: storage[end...]) }

    /// Marks `n` bytes of the unread window as used.
    func consume(_ n: Int) {
        precondition(n >= 0 && n <= count, "consume \(n) of \(count)")
        start += n
        if start == end {
            start = 0
            end = 0
        }
    }

    /// Marks `n` bytes written into `writable` as unread data.
    func commit(_ n: Int) {
        precondition(n >= 0 && end + n <= storage.count, "commit \(n) past the end")
        end += n
    }

    func clear() {
        start = 0
        end = 0
    }

    /// Makes `total` bytes fit from `start` (for a frame of that size), with, as far as `limit`
    /// allows, `minimumFree` bytes free after the unread ones; false when `total` passes `limit`.
    func reserve(total: Int, minimumFree: Int = 1) -> Bool {
        guard total <= limit else { return false }
        let needed = min(max(total, count + minimumFree), limit)
        if start + needed <= storage.count { return true }
        if needed <= storage.count {
            compact()
            return true
        }
        grow(to: min(limit, max(needed, storage.count * 2)))
        return true
    }

    /// Appends bytes, growing as needed (for outgoing data; no limit check beyond `limit`).
    func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard reserve(total: count + bytes.count, minimumFree: 0) else { return false }
        UnsafeMutableRawBufferPointer(rebasing: storage[end..<end + bytes.count]).copyMemory(from: bytes)
        end += bytes.count
        return true
    }

    /// Moves the unread bytes to the front.
    private func compact() {
        guard start > 0, let base = storage.baseAddress else { return }
        if count > 0 { base.copyMemory(from: base + start, byteCount: count) }
        end -= start
        start = 0
    }

    private func grow(to capacity: Int) {
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        if count > 0 {
            UnsafeMutableRawBufferPointer(rebasing: bigger[0..<count]).copyMemory(from: readable)
        }
        storage.deallocate()
        storage = bigger
        end = count
        start = 0
    }
}
