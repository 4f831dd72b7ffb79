/// Batched reading, the fast path: copy the whole run of written bytes from the cursor
/// (up to the tail, the end of the buffer or the caller's buffer) in one `memcpy`, validate
/// it with one look at the writer's intent (the oldest byte is the first the writer would
/// reach), then walk the records in the private copy. One bulk copy streams; walking the
/// ring record by record waits on each cache line the writer just dirtied.
extension RingReader {
    /// Reads until the ring is empty or `limit` results were delivered, handing each
    /// non-empty result and its payload (valid during the call only) to `body`. A record
    /// larger than `buffer` (header included) goes through `next(into:)`, so it may come out
    /// as `.tooLarge`. Returns how many results it delivered.
    @inlinable @discardableResult
    public mutating func drain(limit: Int = .max, into buffer: UnsafeMutableRawBufferPointer,
                               _ body: (ReadResult, UnsafeRawBufferPointer) -> Void) -> Int {
        var delivered = 0
        while delivered < limit {
            let bytes = stage(into: buffer)
            if bytes == 0 { return delivered }
            guard isIntact(at: cursor) else {
                body(.lapped(missed: resynchronise()), UnsafeRawBufferPointer(start: nil, count: 0))
                delivered += 1
                continue
            }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<bytes])
            let (consumed, count) = deliver(chunk, limit: limit - delivered, body)
            cursor &+= UInt64(consumed)
            delivered += count
            if consumed == 0 {
                // The record at the cursor is bigger than the whole buffer.
                let result = next(into: buffer)
                if result == .empty { return delivered }
                if case .record(_, _, let length) = result {
                    body(result, UnsafeRawBufferPointer(rebasing: buffer[0..<length]))
                } else {
                    body(result, UnsafeRawBufferPointer(start: nil, count: 0))
                }
                delivered += 1
            }
        }
        return delivered
    }

    /// Copies the written bytes from the cursor into `buffer`; returns how many (0: none).
    @inlinable @inline(__always)
    mutating func stage(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        if cursor >= knownTail {
            // Pairs with the storeReleasing of `tail` in `RingWriter.commit`.
            knownTail = words.tail.loadAcquiring()
            if cursor >= knownTail { return 0 }
        }
        let index = Int(cursor & mask)
        let bytes = min(Int(truncatingIfNeeded: knownTail &- cursor), capacity &- index, buffer.count)
        buffer.baseAddress!.copyMemory(from: data + index, byteCount: bytes)
        return bytes
    }

    /// Walks the validated records of `chunk` (which starts at the cursor), handing out
    /// up to `limit`; stops at a record the chunk cut short. Returns the bytes consumed
    /// (padding included) and the records delivered.
    @inlinable @inline(__always)
    mutating func deliver(_ chunk: UnsafeRawBufferPointer, limit: Int,
                          _ body: (ReadResult, UnsafeRawBufferPointer) -> Void) -> (consumed: Int, count: Int) {
        var offset = 0
        var count = 0
        while count < limit && chunk.count &- offset >= 8 {
            let length = Int(chunk.loadUnaligned(fromByteOffset: offset &+ Layout.Record.length, as: Int32.self))
            let type = chunk.loadUnaligned(fromByteOffset: offset &+ Layout.Record.type, as: Int32.self)
            let size = Layout.aligned(length)
            // Validated bytes below the tail are whole records; anything else is corruption.
            precondition(length >= (type == RecordType.padding.rawValue ? 8 : Layout.recordHeaderSize),
                         "event ring corrupt at position \(cursor &+ UInt64(offset))")
            if offset &+ size > chunk.count { break }
            if type != RecordType.padding.rawValue {
                let sequence = chunk.loadUnaligned(fromByteOffset: offset &+ Layout.Record.sequence, as: UInt64.self)
                let payload = UnsafeRawBufferPointer(
                    rebasing: chunk[(offset &+ Layout.recordHeaderSize)..<(offset &+ length)])
                sequenceSeen = sequence
                body(.record(type: type, sequence: sequence, length: payload.count), payload)
                count &+= 1
            }
            offset &+= size
        }
        return (offset, count)
    }
}
