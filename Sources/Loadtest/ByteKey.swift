import Glibc

/// A byte string kept in memory, made once, for the hot path's comparisons: `matches` compares
/// words (the last one overlapping) instead of calling memcmp; `find` looks for the key's rarest byte with
/// memchr (vectorised) and compares only at its hits.
struct Key: @unchecked Sendable {
    let base: UnsafeRawPointer
    let count: Int
    /// The byte `find` looks for first: one that is rare in the server's messages.
    let anchor: Int
    /// The key's first and last 8 bytes (4 for keys of 4 to 7 bytes), compared as words.
    private let head: UInt64
    private let tail: UInt64

    @inline(__always)
    init(_ text: StaticString, anchor: Int = 0) {
        base = UnsafeRawPointer(text.utf8Start)
        count = text.utf8CodeUnitCount
        precondition(count >= 4 && anchor < count, "keys are at least 4 bytes, anchored inside")
        self.anchor = anchor
        if count >= 8 {
            head = base.loadUnaligned(as: UInt64.self)
            tail = base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        } else {
            head = UInt64(base.loadUnaligned(as: UInt32.self))
            tail = UInt64(base.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
        }
    }

    /// Whether the key's bytes are at `start` (the caller knows `count` bytes are there).
    @inline(__always)
    func matches(at start: UnsafeRawPointer) -> Bool {
        if count >= 8 {
            guard start.loadUnaligned(as: UInt64.self) == head else { return false }
            var offset = 8
            while offset + 8 < count {
                guard start.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    == base.loadUnaligned(fromByteOffset: offset, as: UInt64.self) else { return false }
                offset += 8
            }
            return start.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) == tail
        }
        return UInt64(start.loadUnaligned(as: UInt32.self)) == head
            && UInt64(start.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)) == tail
    }

    /// Whether `bytes` begins with the key.
    @inline(__always)
    func isPrefix(of bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= count, let start = bytes.baseAddress else { return false }
        return matches(at: start)
    }

    /// Offset of the first occurrence in `haystack` at or after `from`.
    @inline(__always)
    func find(in haystack: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let start = haystack.baseAddress, from >= 0 else { return nil }
        let end = haystack.count - count // last offset where the key fits
        var offset = from
        let anchorByte = Int32(base.load(fromByteOffset: anchor, as: UInt8.self))
        while offset <= end {
            guard let hit = memchr(start + offset + anchor, anchorByte, end - offset + 1) else { return nil }
            let candidate = start.distance(to: UnsafeRawPointer(hit)) - anchor
            if matches(at: start + candidate) { return candidate }
            offset = candidate + 1
        }
        return nil
    }

    /// Offset of the last `byte` in `lowest..<before` of `haystack`, eight bytes at a time.
    @inline(__always)
    static func lastByte(_ byte: UInt8, in haystack: UnsafeRawBufferPointer, from lowest: Int, before: Int) -> Int? {
        guard let start = haystack.baseAddress else { return nil }
        let pattern = UInt64(byte) &* 0x0101_0101_0101_0101
        var highest = min(before, haystack.count) - 1
        let lowest = max(0, lowest)
        while highest - 7 >= lowest {
            let lanes = equalLanes(start.loadUnaligned(fromByteOffset: highest - 7, as: UInt64.self), pattern)
            if lanes != 0 { return highest - 7 + (63 - lanes.leadingZeroBitCount) / 8 }
            highest -= 8
        }
        while highest >= lowest {
            if start.load(fromByteOffset: highest, as: UInt8.self) == byte { return highest }
            highest -= 1
        }
        return nil
    }

    /// 0x80 in each byte lane where `word` and `pattern` hold the same byte, 0 elsewhere
    /// (exact: no false positives from borrows).
    @inline(__always)
    static func equalLanes(_ word: UInt64, _ pattern: UInt64) -> UInt64 {
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let v = word ^ pattern
        return ~(((v & low) &+ low) | v | low)
    }

    // Computed, not stored: a stored static is initialised lazily and checked on every use;
    // these fold into constants.
    static var typePrefix: Key { Key(#"{"type":""#) }
    static var tradePrefix: Key { Key(#"{"type":"trade_update""#) }
    static var typeField: Key { Key(#""type":""#, anchor: 2) }
    static var tradeName: Key { Key(#"trade_update""#) }
    static var gapName: Key { Key(#"gap""#) }
    static var connectedName: Key { Key(#"connected""#) }
    static var subscribedName: Key { Key(#"subscribed""#) }
    static var errorName: Key { Key(#"error""#) }
    static var recoveryName: Key { Key(#"recovery""#) }
    static var epoch: Key { Key(#""epoch":"#, anchor: 5) }
    static var messages: Key { Key(#""messages":"#, anchor: 1) }
    static var toSequence: Key { Key(#""to_seq":"#, anchor: 3) }
    static var recoveredStatus: Key { Key(#""status":"recovered""#, anchor: 10) }
    static var epochChangedReason: Key { Key(#""reason":"epoch_changed""#, anchor: 15) }
    static var tooOldReason: Key { Key(#""reason":"too_old""#, anchor: 13) }
    // Anchors: 'd' of "id", 'v' of "recv_us", 'q' of "seq": rare in a trade's other keys.
    static var id: Key { Key(#""id":"#, anchor: 2) }
    static var receivedMicros: Key { Key(#""recv_us":"#, anchor: 4) }
    static var timestamp: Key { Key(#""timestamp":"#, anchor: 1) }
    static var sequence: Key { Key(#""seq":"#, anchor: 3) }
    static var headEnd: Key { Key("\r\n\r\n") }
}
