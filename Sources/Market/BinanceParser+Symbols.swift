/// The caller's symbols, matched by their payload bytes (upper case, e.g. `BTCUSDT`) to a small
/// index. Up to 64 symbols of up to 16 bytes; each is kept as two little-endian words, so a
/// lookup packs the candidate once and compares two words per entry (a linear scan of at most
/// 64 entries, no hashing, no allocation).
public struct BinanceSymbolTable: Sendable {
    public static let capacity = 64
    public static let maxLength = 16

    struct Entry: Sendable {
        var low: UInt64
        var high: UInt64
        var length: Int
    }

    private(set) var entries: [Entry] = []
    public private(set) var names: [String] = []

    public init() {}

    /// A table holding `symbols` in order (index = position); extra or invalid names are dropped.
    public init(_ symbols: [String]) {
        for s in symbols { _ = add(s) }
    }

    public var count: Int { entries.count }

    /// Adds a symbol and returns its index (the existing one when already present); nil when
    /// the table is full or the name is empty or longer than 16 bytes.
    public mutating func add(_ symbol: String) -> SymbolID? {
        let bytes = Array(symbol.utf8)
        guard !bytes.isEmpty, bytes.count <= Self.maxLength else { return nil }
        let (low, high) = bytes.withUnsafeBytes { Self.pack($0.baseAddress!.assumingMemoryBound(to: UInt8.self), $0.count) }
        if let i = find(low, high, bytes.count) { return i }
        guard entries.count < Self.capacity else { return nil }
        entries.append(Entry(low: low, high: high, length: bytes.count))
        names.append(symbol)
        return SymbolID(entries.count - 1)
    }

    /// The name registered at `id`.
    public func name(_ id: SymbolID) -> String { names[Int(id)] }

    /// The index of the symbol spelled by `bytes`, or nil.
    @inline(__always)
    public func lookup(_ bytes: UnsafePointer<UInt8>, count: Int) -> SymbolID? {
        guard count > 0, count <= Self.maxLength else { return nil }
        let (low, high) = Self.pack(bytes, count)
        return find(low, high, count)
    }

    @inline(__always)
    func find(_ low: UInt64, _ high: UInt64, _ length: Int) -> SymbolID? {
        var i = 0
        for e in entries {
            if e.low == low, e.high == high, e.length == length { return SymbolID(i) }
            i &+= 1
        }
        return nil
    }

    @inline(__always)
    static func pack(_ p: UnsafePointer<UInt8>, _ n: Int) -> (UInt64, UInt64) {
        var low: UInt64 = 0
        var high: UInt64 = 0
        for i in 0..<min(n, 8) { low |= UInt64(p[i]) << UInt64(i &* 8) }
        if n > 8 { for i in 8..<n { high |= UInt64(p[i]) << UInt64((i &- 8) &* 8) } }
        return (low, high)
    }
}
