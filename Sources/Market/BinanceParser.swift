/// Byte-level parser for Binance market-data frames (spot and USD-M futures, raw payloads or
/// the combined-stream wrapper `{"stream":…,"data":{…}}`) and the REST depth snapshot body.
///
/// Hot path: no allocation per frame. Field slots and depth-level storage are allocated once
/// in `init`; depth levels of the last frame are read through `bids` / `asks`, which stay
/// valid until the next `parse` (fixed capacity per side, `levelCapacity`, default 5000 =
/// Binance's largest REST snapshot; more levels than that is `.malformed(.tooManyLevels)`).
/// Malformed input never traps and never reads outside the given bytes.
public struct BinanceParser: ~Copyable {
    public let symbols: BinanceSymbolTable
    public let levelCapacity: Int
    private let values: UnsafeMutablePointer<Int64>
    private let kinds: UnsafeMutablePointer<FieldKind>
    private let bidStorage: UnsafeMutablePointer<PriceLevel>
    private let askStorage: UnsafeMutablePointer<PriceLevel>
    /// Levels of the last depth event or snapshot (0 after any other frame).
    public private(set) var bidCount = 0
    public private(set) var askCount = 0

    public init(symbols: BinanceSymbolTable, levelCapacity: Int = 5000) {
        self.symbols = symbols
        self.levelCapacity = max(levelCapacity, 1)
        values = .allocate(capacity: 2 * Slot.perBank)
        values.initialize(repeating: 0, count: 2 * Slot.perBank)
        kinds = .allocate(capacity: 2 * Slot.perBank)
        kinds.initialize(repeating: .null, count: 2 * Slot.perBank)
        bidStorage = .allocate(capacity: self.levelCapacity)
        askStorage = .allocate(capacity: self.levelCapacity)
    }

    deinit {
        values.deallocate()
        kinds.deallocate()
        bidStorage.deallocate()
        askStorage.deallocate()
    }

    /// Bids of the last depth frame, in wire order; valid until the next `parse`.
    public var bids: UnsafeBufferPointer<PriceLevel> { UnsafeBufferPointer(start: bidStorage, count: bidCount) }
    /// Asks of the last depth frame, in wire order; valid until the next `parse`.
    public var asks: UnsafeBufferPointer<PriceLevel> { UnsafeBufferPointer(start: askStorage, count: askCount) }

    /// Parses one complete WebSocket text frame (or REST depth body).
    public mutating func parse(_ frame: UnsafeRawBufferPointer) -> MarketEvent {
        bidCount = 0
        askCount = 0
        guard let start = frame.baseAddress, frame.count > 0 else { return .malformed(.truncated) }
        var scanner = makeScanner(start, frame.count)
        do throws(MalformedReason) {
            try scanner.frame()
            bidCount = scanner.bidCount
            askCount = scanner.askCount
            return try scanner.event(symbols: symbols)
        } catch {
            bidCount = 0
            askCount = 0
            return .malformed(error)
        }
    }

    /// Convenience for tests and cold paths (copies the string's bytes only if not contiguous).
    public mutating func parse(_ frame: String) -> MarketEvent {
        var copy = frame
        return copy.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    func makeScanner(_ start: UnsafeRawPointer, _ count: Int) -> FrameScanner {
        FrameScanner(
            base: start.assumingMemoryBound(to: UInt8.self), end: count, values: values, kinds: kinds,
            bidStorage: bidStorage, askStorage: askStorage, levelCapacity: levelCapacity)
    }
}
