import Glibc

/// The latest view of each symbol (DESIGN.md §2): one `Layout.symbolEntrySize` entry per
/// symbol index, laid out as `Layout.SymbolEntry` says. The feeder is the only writer;
/// every entry is guarded by a seqlock (odd while the feeder writes it), so readers copy,
/// then check the seqlock did not move, and retry (a bounded number of times) if it did.
public struct StateTables: @unchecked Sendable {
    /// Held so the mapping outlives this view.
    public let segment: Segment
    public let base: UnsafeMutableRawPointer
    public let capacity: Int
    /// How many times a reader retries a torn copy before giving up.
    public static let readAttempts = 1_000

    public init(segment: Segment) {
        self.segment = segment
        base = segment.stateBase
        capacity = segment.symbolCapacity
    }

    @inline(__always)
    func entry(_ index: Int) -> UnsafeMutableRawPointer {
        precondition(index >= 0 && index < capacity, "symbol index \(index) out of range 0..<\(capacity)")
        return base + index * Layout.symbolEntrySize
    }

    @inline(__always)
    func seqlock(_ entry: UnsafeMutableRawPointer) -> SharedWord {
        SharedWord(at: entry + Layout.SymbolEntry.seqlock)
    }

    // MARK: Writer (the feeder)

    /// Names symbol `index` (up to 16 ASCII bytes) and sets its market flags.
    public func registerSymbol(index: Int, name: String, marketFlags: UInt64 = 0) {
        let bytes = Array(name.utf8)
        precondition(!bytes.isEmpty && bytes.count <= Layout.SymbolEntry.nameCapacity && bytes.allSatisfy { $0 < 0x80 },
                     "symbol name \(name) must be 1...16 ASCII bytes")
        write(index) { entry in
            let field = entry + Layout.SymbolEntry.name
            field.initializeMemory(as: UInt8.self, repeating: 0, count: Layout.SymbolEntry.nameCapacity)
            bytes.withUnsafeBytes { field.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            entry.storeBytes(of: marketFlags, toByteOffset: Layout.SymbolEntry.marketFlags, as: UInt64.self)
        }
    }

    /// Stores `trade` as its symbol's latest trade and counts it.
    public func updateTrade(_ trade: TradeRecord) {
        write(Int(trade.symbolIndex)) { entry in
            entry.storeBytes(of: trade, toByteOffset: Layout.SymbolEntry.lastTrade, as: TradeRecord.self)
            let count = entry.load(fromByteOffset: Layout.SymbolEntry.tradeCount, as: UInt64.self)
            entry.storeBytes(of: count &+ 1, toByteOffset: Layout.SymbolEntry.tradeCount, as: UInt64.self)
        }
    }

    /// A writer attaching after a dead one: an odd seqlock marks an entry it was writing.
    /// Its trade may be torn, so it is cleared (the name is kept; the new feeder registers
    /// its symbols again anyway) and the seqlock made even. Returns how many were repaired.
    @discardableResult
    public func repairAfterCrash() -> Int {
        var repaired = 0
        for index in 0..<capacity {
            let entry = entry(index)
            let lock = seqlock(entry)
            let sequence = lock.loadRelaxed()
            guard sequence & 1 == 1 else { continue }
            (entry + Layout.SymbolEntry.lastTrade).initializeMemory(
                as: UInt8.self, repeating: 0, count: Layout.SymbolEntry.lastTradeSize)
            entry.storeBytes(of: UInt64(0), toByteOffset: Layout.SymbolEntry.tradeCount, as: UInt64.self)
            // Pairs with the loadAcquiring in `read`.
            lock.storeReleasing(sequence &+ 1)
            repaired += 1
        }
        return repaired
    }

    /// The seqlock's write side: odd, fence, write, even.
    @inline(__always)
    func write(_ index: Int, _ body: (UnsafeMutableRawPointer) -> Void) {
        let entry = entry(index)
        let lock = seqlock(entry)
        let sequence = lock.loadRelaxed()
        precondition(sequence & 1 == 0, "symbol \(index) is being written twice (or needs repairAfterCrash)")
        lock.storeRelaxed(sequence &+ 1)
        // The odd value must be visible before any byte of the entry changes.
        storeFence()
        body(entry)
        // Pairs with the loadAcquiring in `read`: the entry is whole again.
        lock.storeReleasing(sequence &+ 2)
    }

    // MARK: Readers

    /// The name registered at `index`, or nil.
    public func symbolName(index: Int) -> String? {
        read(index) { entry -> String? in
            let field = UnsafeRawBufferPointer(start: entry + Layout.SymbolEntry.name, count: Layout.SymbolEntry.nameCapacity)
            let bytes = field.prefix { $0 != 0 }
            return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
        } ?? nil
    }

    /// The market flags of the symbol at `index`, or nil if none is registered there.
    public func marketFlags(index: Int) -> UInt64? {
        read(index) { entry -> UInt64? in
            guard entry.load(fromByteOffset: Layout.SymbolEntry.name, as: UInt8.self) != 0 else { return nil }
            return entry.load(fromByteOffset: Layout.SymbolEntry.marketFlags, as: UInt64.self)
        } ?? nil
    }

    /// The index of the symbol named `name`, or nil (a linear scan: call it at start-up).
    public func index(of name: String) -> Int? {
        (0..<capacity).first { symbolName(index: $0) == name }
    }

    /// The latest trade of the symbol, or nil if it never traded (or the entry stayed
    /// torn for `readAttempts` tries).
    public func latestTrade(symbolIndex: Int) -> TradeRecord? {
        read(symbolIndex) { entry -> TradeRecord? in
            guard entry.load(fromByteOffset: Layout.SymbolEntry.tradeCount, as: UInt64.self) > 0 else { return nil }
            return entry.load(fromByteOffset: Layout.SymbolEntry.lastTrade, as: TradeRecord.self)
        } ?? nil
    }

    /// How many trades the symbol has seen since the entry was last cleared.
    public func tradeCount(symbolIndex: Int) -> UInt64 {
        read(symbolIndex) { $0.load(fromByteOffset: Layout.SymbolEntry.tradeCount, as: UInt64.self) } ?? 0
    }

    /// The seqlock's read side: copy with `body`, then check nothing moved; retry if it did.
    @inline(__always)
    func read<T>(_ index: Int, _ body: (UnsafeMutableRawPointer) -> T) -> T? {
        let entry = entry(index)
        let lock = seqlock(entry)
        for attempt in 0..<Self.readAttempts {
            // Pairs with the storeReleasing at the end of `write`.
            let before = lock.loadAcquiring()
            if before & 1 == 0 {
                let value = body(entry)
                // The copy's loads happen before the second look at the seqlock.
                loadFence()
                if lock.loadRelaxed() == before { return value }
            }
            if attempt & 63 == 63 { sched_yield() }
        }
        return nil
    }
}
