/// The latest view of each symbol (DESIGN.md §2), laid out as `Layout.Directory`,
/// `Layout.MarketEntry` and `StateLayout` say: a directory entry per symbol (name, market
/// flags), then one entry per symbol and market (spot, futures) with its latest trade,
/// 24 h ticker, book ticker, mark price, order book top, recent trades, liquidations and a
/// candle ring per served interval. The feeder is the only writer; every directory entry
/// and every section has its own seqlock (`Seqlock`), so a reader copying one section never
/// waits on another.
public struct StateTables: @unchecked Sendable {
    /// Held so the mapping outlives this view.
    public let segment: Segment
    public let base: UnsafeMutableRawPointer
    /// Symbols.
    public let capacity: Int
    public let layout: StateLayout
    /// How many times a reader retries a torn copy before giving up.
    public static let readAttempts = 1_000

    public init(segment: Segment) {
        self.segment = segment
        base = segment.stateBase
        capacity = segment.symbolCapacity
        layout = segment.stateLayout
    }

    public var geometry: StateGeometry { layout.geometry }

    @inline(__always)
    func directory(_ index: Int) -> UnsafeMutableRawPointer {
        precondition(index >= 0 && index < capacity, "symbol index \(index) out of range 0..<\(capacity)")
        return base + layout.directoryEntry(index)
    }

    /// The section at `offset` of a (symbol, market) entry.
    @inline(__always)
    func section(_ symbol: Int, _ market: MarketKind, _ offset: Int) -> UnsafeMutableRawPointer {
        precondition(symbol >= 0 && symbol < capacity, "symbol index \(symbol) out of range 0..<\(capacity)")
        return base + layout.marketEntry(symbol, market) + offset
    }

    /// Writes a section (or directory entry) under its seqlock.
    @inline(__always)
    func write(_ section: UnsafeMutableRawPointer, _ body: () -> Void) {
        Seqlock(at: section + Layout.Section.seqlock).write(body)
    }

    /// Copies from a section (or directory entry) under its seqlock; nil if it stayed torn.
    @inline(__always)
    func read<T>(_ section: UnsafeMutableRawPointer, _ body: () -> T) -> T? {
        Seqlock(at: section + Layout.Section.seqlock).read(attempts: Self.readAttempts, body)
    }

    @inline(__always)
    static func count(_ section: UnsafeMutableRawPointer) -> UInt64 {
        section.load(fromByteOffset: Layout.Section.count, as: UInt64.self)
    }

    @inline(__always)
    static func setCount(_ section: UnsafeMutableRawPointer, _ n: UInt64) {
        section.storeBytes(of: n, toByteOffset: Layout.Section.count, as: UInt64.self)
    }

    // MARK: Directory

    /// Names symbol `index` (up to 16 ASCII bytes) and sets its market flags.
    public func registerSymbol(index: Int, name: String, marketFlags: UInt64 = 0) {
        let bytes = Array(name.utf8)
        precondition(!bytes.isEmpty && bytes.count <= Layout.Directory.nameCapacity && bytes.allSatisfy { $0 < 0x80 },
                     "symbol name \(name) must be 1...16 ASCII bytes")
        let entry = directory(index)
        write(entry) {
            let field = entry + Layout.Directory.name
            field.initializeMemory(as: UInt8.self, repeating: 0, count: Layout.Directory.nameCapacity)
            bytes.withUnsafeBytes { field.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            entry.storeBytes(of: marketFlags, toByteOffset: Layout.Directory.marketFlags, as: UInt64.self)
        }
        storeFence() // the entry before the generation that announces it
        _ = segment.control.word(Layout.Control.directoryGeneration).increment()
    }

    /// Moves on each `registerSymbol`.
    public var directoryGeneration: UInt64 { segment.control.word(Layout.Control.directoryGeneration).loadAcquiring() }

    /// The name registered at `index`, or nil.
    public func symbolName(index: Int) -> String? {
        let entry = directory(index)
        return read(entry) { () -> String? in
            let field = UnsafeRawBufferPointer(start: entry + Layout.Directory.name, count: Layout.Directory.nameCapacity)
            let bytes = field.prefix { $0 != 0 }
            return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
        } ?? nil
    }

    /// The market flags of the symbol at `index`, or nil if none is registered there.
    public func marketFlags(index: Int) -> UInt64? {
        let entry = directory(index)
        return read(entry) { () -> UInt64? in
            guard entry.load(fromByteOffset: Layout.Directory.name, as: UInt8.self) != 0 else { return nil }
            return entry.load(fromByteOffset: Layout.Directory.marketFlags, as: UInt64.self)
        } ?? nil
    }

    /// The index of the symbol named `name`, or nil (a linear scan: call it at start-up).
    public func index(of name: String) -> Int? {
        (0..<capacity).first { symbolName(index: $0) == name }
    }

    // MARK: Recovery

    /// A writer attaching after a dead one: an odd seqlock marks a directory entry or
    /// section it was writing. A section's contents may be torn, so it is emptied (count 0;
    /// the new feeder fills it again); a directory entry keeps its name (the new feeder
    /// registers its symbols again anyway). Every seqlock is made even. Returns how many
    /// were repaired.
    @discardableResult
    public func repairAfterCrash() -> Int {
        var repaired = 0
        let sections = layout.sections
        for symbol in 0..<capacity {
            if Seqlock(at: directory(symbol)).repair({}) { repaired += 1 }
            for market in MarketKind.allCases {
                for offset in sections {
                    let s = section(symbol, market, offset)
                    if Seqlock(at: s).repair({ Self.setCount(s, 0) }) { repaired += 1 }
                }
            }
        }
        return repaired
    }
}
