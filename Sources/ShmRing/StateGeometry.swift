/// How big the state tables are: given when the segment is formatted, stored in its header
/// (`Layout.Header`), so readers attach without knowing it.
public struct StateGeometry: Sendable, Equatable {
    /// Symbols (each with a spot and a futures entry).
    public var symbolCapacity: Int
    /// The kline intervals served, as `Market.KlineInterval.rawValue` codes; one candle ring
    /// each, in this order. At most `Layout.Header.intervalCodesCapacity`.
    public var intervals: [UInt8]
    /// Candles kept per interval (the open one included).
    public var candlesPerInterval: Int
    /// Order book levels kept per side.
    public var bookLevels: Int
    /// Recent trades kept per symbol and market.
    public var recentTrades: Int
    /// Recent liquidations kept per symbol and market.
    public var liquidations: Int

    /// 1m, 5m, 15m, 1h, 4h, 1d: the configuration's default intervals.
    public static let defaultIntervals: [UInt8] = [1, 3, 4, 6, 8, 12]

    public init(symbolCapacity: Int, intervals: [UInt8] = StateGeometry.defaultIntervals,
                candlesPerInterval: Int = 500, bookLevels: Int = 100, recentTrades: Int = 256,
                liquidations: Int = 256) {
        self.symbolCapacity = symbolCapacity
        self.intervals = intervals
        self.candlesPerInterval = candlesPerInterval
        self.bookLevels = bookLevels
        self.recentTrades = recentTrades
        self.liquidations = liquidations
    }

    /// Why this geometry cannot be laid out, or nil when it can.
    public var problem: String? {
        if symbolCapacity < 1 || symbolCapacity > 1 << 16 { return "symbol capacity \(symbolCapacity) is not in 1...65536" }
        if intervals.count > Layout.Header.intervalCodesCapacity { return "more than 16 intervals" }
        if Set(intervals).count != intervals.count { return "an interval is listed twice" }
        for (name, n) in [("candles per interval", candlesPerInterval), ("book levels", bookLevels),
                          ("recent trades", recentTrades), ("liquidations", liquidations)]
        where n < 1 || n > 1 << 20 {
            return "\(name) \(n) is not in 1...\(1 << 20)"
        }
        return nil
    }

    /// The candle ring slot that serves `interval`, or nil.
    @inline(__always)
    public func slot(ofInterval interval: UInt8) -> Int? { intervals.firstIndex(of: interval) }
}
