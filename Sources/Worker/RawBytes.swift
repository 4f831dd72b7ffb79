import Glibc

/// A growable run of bytes in memory managed by hand, so its address can be lent to the kernel
/// for a send. The owner frees it (`SendQueue` does, in its `deinit`).
struct RawBytes {
    private(set) var base: UnsafeMutableRawPointer?
    private(set) var count = 0
    private(set) var capacity = 0

    @inline(__always)
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (base! + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Appends `value` (non-negative) in decimal.
    mutating func appendDecimal(_ value: Int) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, no allocation
        withUnsafeMutableBytes(of: &digits) { scratch in
            var v = max(value, 0)
            var i = scratch.count
            repeat {
                i -= 1
                scratch[i] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                v /= 10
            } while v > 0
            append(UnsafeRawBufferPointer(rebasing: scratch[i...]))
        }
    }

    /// Forgets the contents, keeps the memory.
    mutating func removeAll() { count = 0 }

    /// Gives the memory back.
    mutating func free() {
        Glibc.free(base)
        base = nil
        count = 0
        capacity = 0
    }

    private mutating func reserve(_ extra: Int) {
        let needed = count + extra
        guard needed > capacity else { return }
        var newCapacity = max(capacity * 2, 1024)
        while newCapacity < needed { newCapacity *= 2 }
        guard let grown = realloc(base, newCapacity) else { fatalError("out of memory for \(newCapacity) bytes") }
        base = grown
        capacity = newCapacity
    }
}

/// A connection's outgoing bytes in two buffers: the kernel reads `sending` while responses
/// append to `pending`; they trade places when a send completes. At most one send is in flight.
struct SendQueue: ~Copyable {
    private(set) var pending = RawBytes()
    private var sending = RawBytes()
    private var offset = 0
    private(set) var inFlight = false

    init() {}

    /// Nothing waits and nothing is in flight.
    var isEmpty: Bool { !inFlight && pending.count == 0 && offset == sending.count }

    /// Bytes queued and not yet acknowledged by a send completion.
    var queuedBytes: Int { pending.count + sending.count - offset }

    /// Where responses are written.
    @inline(__always)
    mutating func withPending<R>(_ body: (inout RawBytes) -> R) -> R { body(&pending) }

    /// The bytes for the next send, when none is in flight and something waits; marks it in flight.
    mutating func beginSend() -> UnsafeRawBufferPointer? {
        guard !inFlight else { return nil }
        if offset == sending.count {
            guard pending.count > 0 else { return nil }
            let drained = sending
            sending = pending
            pending = drained
            pending.removeAll()
            offset = 0
        }
        inFlight = true
        return UnsafeRawBufferPointer(start: sending.base! + offset, count: sending.count - offset)
    }

    /// The kernel took `sent` bytes (0 after an error).
    mutating func sendCompleted(_ sent: Int) {
        inFlight = false
        offset += sent
        if offset >= sending.count {
            sending.removeAll()
            offset = 0
        }
    }

    /// Empties the queue for the slot's next connection; very large buffers are given back.
    mutating func reset() {
        precondition(!inFlight, "reset of a send queue with a send in flight")
        pending.removeAll()
        sending.removeAll()
        offset = 0
        if pending.capacity > 1 << 16 { pending.free() }
        if sending.capacity > 1 << 16 { sending.free() }
    }

    deinit {
        Glibc.free(pending.base)
        Glibc.free(sending.base)
    }
}
