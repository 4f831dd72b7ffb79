/// One candle as the analytics see it (the worker converts stored or streamed klines to this).
/// Valid when every number is finite, prices are positive, `low ≤ high`, and
/// `0 ≤ takerBuyVolume ≤ volume`.
public struct CandleSample: Sendable, Equatable {
    public var openTimeMs: Int64
    public var closeTimeMs: Int64
    public var open: Double
    public var high: Double
    public var low: Double
    public var close: Double
    public var volume: Double
    /// Base volume bought by takers (Binance `taker_buy_base_asset_volume`).
    public var takerBuyVolume: Double

    public init(openTimeMs: Int64, closeTimeMs: Int64, open: Double, high: Double, low: Double,
                close: Double, volume: Double, takerBuyVolume: Double) {
        self.openTimeMs = openTimeMs
        self.closeTimeMs = closeTimeMs
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
        self.takerBuyVolume = takerBuyVolume
    }

    var isValid: Bool {
        isPrice(open) && isPrice(high) && isPrice(low) && isPrice(close) && low <= high
            && isQuantity(volume) && isQuantity(takerBuyVolume) && takerBuyVolume <= volume
    }

    /// Taker buys minus taker sells: `takerBuy − (volume − takerBuy)`.
    var delta: Double { 2 * takerBuyVolume - volume }
}

/// One executed trade. `buyerIsMaker == true` means the taker sold.
/// Valid when the price is finite and positive, the quantity finite and ≥ 0, the time ≥ 0.
public struct TradeSample: Sendable, Equatable {
    public var timeMs: Int64
    public var price: Double
    public var quantity: Double
    public var buyerIsMaker: Bool

    public init(timeMs: Int64, price: Double, quantity: Double, buyerIsMaker: Bool) {
        self.timeMs = timeMs
        self.price = price
        self.quantity = quantity
        self.buyerIsMaker = buyerIsMaker
    }

    var isValid: Bool { timeMs >= 0 && isPrice(price) && isQuantity(quantity) }
    /// The taker bought (lifted the ask).
    var isTakerBuy: Bool { !buyerIsMaker }
}

/// One resting price level of an order-book snapshot.
public struct BookLevel: Sendable, Equatable {
    public var price: Double
    public var quantity: Double

    public init(price: Double, quantity: Double) {
        self.price = price
        self.quantity = quantity
    }

    var isValid: Bool { isPrice(price) && isQuantity(quantity) }
}

/// The order book at one instant: both sides, any order, any depth.
public struct BookSnapshot: Sendable, Equatable {
    public var timeMs: Int64
    public var bids: [BookLevel]
    public var asks: [BookLevel]

    public init(timeMs: Int64, bids: [BookLevel], asks: [BookLevel]) {
        self.timeMs = timeMs
        self.bids = bids
        self.asks = asks
    }

    /// Levels as `(price, quantity)` pairs.
    public init(timeMs: Int64, bids: [(Double, Double)], asks: [(Double, Double)]) {
        self.init(timeMs: timeMs,
                  bids: bids.map { BookLevel(price: $0.0, quantity: $0.1) },
                  asks: asks.map { BookLevel(price: $0.0, quantity: $0.1) })
    }
}

/// The side of a liquidation's forced order (Binance `S`). A SELL liquidation closes a long.
public enum LiquidationSide: Sendable, Equatable {
    case buy
    case sell
}

/// One forced liquidation order.
public struct LiquidationEvent: Sendable, Equatable {
    public var timeMs: Int64
    public var side: LiquidationSide
    public var price: Double
    public var quantity: Double

    public init(timeMs: Int64, side: LiquidationSide, price: Double, quantity: Double) {
        self.timeMs = timeMs
        self.side = side
        self.price = price
        self.quantity = quantity
    }

    var isValid: Bool { timeMs >= 0 && isPrice(price) && isQuantity(quantity) }
}

@inline(__always) func isPrice(_ v: Double) -> Bool { v.isFinite && v > 0 }
@inline(__always) func isQuantity(_ v: Double) -> Bool { v.isFinite && v >= 0 }

/// `floor(t / width) · width`, correct for negative `t` too; `width` must be positive.
@inline(__always) func bucketStart(_ t: Int64, width: Int64) -> Int64 {
    let r = t % width
    return r < 0 ? t - r - width : t - r
}
