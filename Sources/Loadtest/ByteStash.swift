import CPosix
import Glibc

/// A connection's leftover bytes: the unfinished frame after a read, or output the socket did
/// not take. Allocated the first time it is needed and kept, so steady state allocates nothing;
/// freed by the owner (`release`), since it lives in a plain slot array.
struct ByteStash {
    private(set) var base: UnsafeMutableRawPointer?
    private(set) var count = 0
    private var capacity = 0

    var isEmpty: Bool { count == 0 }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Makes the stash hold exactly `bytes`.
    mutating func replace(with bytes: UnsafeRawBufferPointer) {
        count = 0
        append(bytes)
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        reserve(count + bytes.count)
        (base! + count).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        count += bytes.count
    }

    /// Drops the first `n` bytes, keeping the rest in front.
    mutating func removeFirst(_ n: Int) {
        precondition(n <= count, "removing more than is stashed")
        if n < count { memmove(base!, base! + n, count - n) }
        count -= n
    }

    mutating func removeAll() { count = 0 }

    mutating func release() {
        base?.deallocate()
        base = nil
        count = 0
        capacity = 0
    }

    private mutating func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        let newCapacity = max(needed, capacity * 2, 256)
        let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        if let base {
            grown.copyMemory(from: base, byteCount: count)
            base.deallocate()
        }
        base = grown
        capacity = newCapacity
    }
}

/// Text lines over a pipe: the parent's commands to a child and the children's reports.
extension ByteStash {
    /// Reads what a non-blocking descriptor holds; false once it reached end of file (or
    /// failed: the other end is gone either way).
    mutating func fill(from fd: Int32) -> Bool {
        withUnsafeTemporaryAllocation(byteCount: 64 << 10, alignment: 8) { scratch in
            while true {
                let n = Glibc.read(fd, scratch.baseAddress, scratch.count)
                if n > 0 {
                    append(UnsafeRawBufferPointer(rebasing: scratch[..<n]))
                } else if n == 0 {
                    return false
                } else {
                    let err = tt_errno()
                    if err == EINTR { continue }
                    return err == EAGAIN
                }
            }
        }
    }

    /// The next whole line, without its newline.
    mutating func takeLine() -> String? {
        guard let newline = bytes.firstIndex(of: 0x0A) else { return nil }
        let line = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<newline]), as: UTF8.self)
        removeFirst(newline + 1)
        return line
    }
}
