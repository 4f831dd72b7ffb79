/// Typed publishing: fixed-size records as one value, variable-length depth records as
/// header + levels written straight into the ring (no staging buffer, no allocation).
extension RingWriter {
    /// Publishes a fixed-size record under its own type; returns its sequence.
    @inlinable @inline(__always) @discardableResult
    public func publish<R: RingRecord>(_ record: R) -> UInt64 {
        publish(type: R.recordType, record)
    }

    /// Publishes `header` followed by `bids` and `asks`, each `count × 16` bytes of (price,
    /// quantity) `Int64` pairs (e.g. `UnsafeRawBufferPointer(parser.bids)`); the header's
    /// counts are set from them. More than `maxLevels(for:)` levels is a programmer error.
    @inlinable @discardableResult
    public func publish<H: LevelsHeader>(_ header: H, bids: UnsafeRawBufferPointer,
                                         asks: UnsafeRawBufferPointer) -> UInt64 {
        let stride = MemoryLayout<BookLevel>.stride
        precondition(bids.count % stride == 0 && asks.count % stride == 0, "levels are 16-byte (price, quantity) pairs")
        var h = header
        h.bidCount = UInt32(bids.count / stride)
        h.askCount = UInt32(asks.count / stride)
        let headerSize = MemoryLayout<H>.size
        return publish(type: H.recordType, payloadLength: headerSize + bids.count + asks.count) { out in
            out.storeBytes(of: h, as: H.self)
            if bids.count > 0 { (out.baseAddress! + headerSize).copyMemory(from: bids.baseAddress!, byteCount: bids.count) }
            if asks.count > 0 {
                (out.baseAddress! + headerSize + bids.count).copyMemory(from: asks.baseAddress!, byteCount: asks.count)
            }
        }
    }

    /// Publishes `header` followed by typed levels: any 16-byte (price, quantity) pair type,
    /// such as `Market.PriceLevel` straight from the parser's storage or `BookLevel`.
    @inlinable @discardableResult
    public func publish<H: LevelsHeader, Level: BitwiseCopyable>(
        _ header: H, bids: UnsafeBufferPointer<Level>, asks: UnsafeBufferPointer<Level>
    ) -> UInt64 {
        precondition(MemoryLayout<Level>.size == 16 && MemoryLayout<Level>.stride == 16,
                     "levels are 16-byte (price, quantity) pairs")
        return publish(header, bids: UnsafeRawBufferPointer(bids), asks: UnsafeRawBufferPointer(asks))
    }

    /// The most levels (both sides together) one record with header `H` may carry.
    public func maxLevels<H: LevelsHeader>(for _: H.Type) -> Int {
        (maxPayloadLength - MemoryLayout<H>.size) / MemoryLayout<BookLevel>.stride
    }
}
