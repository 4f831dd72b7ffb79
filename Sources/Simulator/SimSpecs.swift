import Market

/// Spot or USD-M futures: each has its own book, ids and wire differences.
public enum Venue: UInt8, Sendable, CaseIterable {
    case spot, futures
}

/// Tick, lot and sizes of one contract (fixed point, 8 decimals).
public struct SimContractSpec: Sendable, Equatable {
    public var tickSize: Int64
    public var stepSize: Int64
    /// Decimals printed for prices / quantities (spot: 8; futures: the contract's precision).
    public var priceDecimals: Int
    public var quantityDecimals: Int
    public var maxTradeQuantity: Int64
    public var maxLevelQuantity: Int64

    public init(tickSize: Int64, stepSize: Int64, priceDecimals: Int, quantityDecimals: Int,
                maxTradeQuantity: Int64, maxLevelQuantity: Int64) {
        self.tickSize = tickSize
        self.stepSize = stepSize
        self.priceDecimals = priceDecimals
        self.quantityDecimals = quantityDecimals
        self.maxTradeQuantity = maxTradeQuantity
        self.maxLevelQuantity = maxLevelQuantity
    }
}

/// One symbol, traded on both venues from the same starting price.
public struct SimSymbolSpec: Sendable, Equatable {
    public var symbol: String
    public var baseAsset: String
    public var quoteAsset: String
    /// exchangeInfo `status` (TRADING, BREAK, HALT, …).
    public var status: String
    public var startPrice: Int64
    public var spot: SimContractSpec
    public var futures: SimContractSpec

    public init(symbol: String, baseAsset: String, quoteAsset: String, status: String = "TRADING",
                startPrice: Int64, spot: SimContractSpec, futures: SimContractSpec) {
        self.symbol = symbol
        self.baseAsset = baseAsset
        self.quoteAsset = quoteAsset
        self.status = status
        self.startPrice = startPrice
        self.spot = spot
        self.futures = futures
    }

    public func contract(_ venue: Venue) -> SimContractSpec { venue == .spot ? spot : futures }

    /// BTCUSDT-like: spot tick 0.01 / lot 0.00001, futures tick 0.10 / lot 0.001.
    public static let btcusdt = SimSymbolSpec(
        symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT", startPrice: 60_000 * Fixed.scale,
        spot: SimContractSpec(tickSize: 1_000_000, stepSize: 1_000, priceDecimals: 8, quantityDecimals: 8,
                              maxTradeQuantity: 50_000_000, maxLevelQuantity: 200_000_000),
        futures: SimContractSpec(tickSize: 10_000_000, stepSize: 100_000, priceDecimals: 2, quantityDecimals: 3,
                                 maxTradeQuantity: 100_000_000, maxLevelQuantity: 500_000_000))

    /// ETHUSDT-like: spot tick 0.01 / lot 0.0001, futures tick 0.01 / lot 0.001.
    public static let ethusdt = SimSymbolSpec(
        symbol: "ETHUSDT", baseAsset: "ETH", quoteAsset: "USDT", startPrice: 3_000 * Fixed.scale,
        spot: SimContractSpec(tickSize: 1_000_000, stepSize: 10_000, priceDecimals: 8, quantityDecimals: 8,
                              maxTradeQuantity: 500_000_000, maxLevelQuantity: 2_000_000_000),
        futures: SimContractSpec(tickSize: 1_000_000, stepSize: 100_000, priceDecimals: 2, quantityDecimals: 3,
                                 maxTradeQuantity: 1_000_000_000, maxLevelQuantity: 5_000_000_000))
}

/// Everything that shapes a generated market; same config and seed, same frames.
public struct SimConfig: Sendable {
    public var seed: UInt64
    public var symbols: [SimSymbolSpec]
    /// Levels kept per book side around the top.
    public var bookLevels: Int = 20
    /// Taker orders per instrument per step: 0…this.
    public var maxTakerOrdersPerStep: Int = 2
    /// Chance (percent) per futures step of a liquidation.
    public var liquidationPercent: Int = 2
    public var klineIntervals: [KlineInterval] = [.m1, .m5, .m15, .h1, .h4, .d1]
    public var klinePushMs: Int64 = 2_000
    public var tickerPushMs: Int64 = 1_000
    public var markPricePushMs: Int64 = 3_000
    /// Recent trades and aggregate trades kept for REST backfill, per instrument.
    public var tradeHistory: Int = 5_000
    /// Closed bars kept per interval (at least a day of 1m bars for the 24 h ticker).
    public var barHistory: Int = 1_500

    public init(seed: UInt64, symbols: [SimSymbolSpec] = [.btcusdt, .ethusdt]) {
        self.seed = seed
        self.symbols = symbols
    }
}

/// Faults the server can switch on; each applies once to the next matching event.
public enum SimFault: Sendable, Equatable {
    /// The next depth diff starts `n` update ids late (`U` = previous `u` + 1 + n; futures
    /// `pu` = previous `u` + n, as if an event had been missed).
    case depthGap(Int)
    /// The next taker order's trade ids (and aggregate id) skip `n`.
    case tradeIdGap(Int)
    /// The next step emits one truncated frame on the `@trade` stream.
    case malformedFrame
    /// The next `n` taker orders trade (ids advance, REST history has them) but their
    /// `trade`/`aggTrade` frames are not sent: the gap a feeder backfills from `aggTrades`.
    case dropTradeFrames(Int)
}

/// Length of a fixed-length kline interval in ms (nil for `1M`).
func intervalMilliseconds(_ i: KlineInterval) -> Int64? { i.milliseconds }

/// `a * b / Fixed.scale` without intermediate overflow (quote quantity of price × qty).
func fixedProduct(_ a: Int64, _ b: Int64) -> Int64 {
    let wide = a.multipliedFullWidth(by: b)
    return Fixed.scale.dividingFullWidth(wide).quotient
}

extension Int64 {
    /// `self + other`, pinned at `.max` / `.min` instead of trapping: a week-long bar's quote
    /// volume at a high rate can pass 9.2e18 in fixed point.
    func saturatingSum(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
