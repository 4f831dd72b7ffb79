/// The rows the storage tables take (migrations 0002–0005), as plain values: Store knows
/// nothing of the ring. Prices and quantities are fixed-point `Int64` with
/// `StoreDecimal.scale` decimals (the ring's 8, Binance's precision); times are Unix ms.

/// Which market a row belongs to (the tables' `market` column).
public enum StoreMarket: UInt8, Sendable, Equatable {
    case spot = 0
    case futures = 1

    /// The column's text.
    public var name: String { self == .spot ? "spot" : "futures" }
}

/// One candle: every field of a Binance kline. `closed` is the kline's `x` (REST history
/// is closed unless it is the current candle).
public struct CandleRow: Sendable, Equatable {
    public var symbol: String
    public var market: StoreMarket
    /// Binance's spelling: `1m`, `4h`, `1M`.
    public var interval: String
    public var openTimeMs: Int64
    public var closeTimeMs: Int64
    public var open: Int64
    public var high: Int64
    public var low: Int64
    public var close: Int64
    public var volume: Int64
    public var quoteVolume: Int64
    public var tradeCount: Int64
    public var takerBuyBase: Int64
    public var takerBuyQuote: Int64
    public var closed: Bool

    public init(symbol: String, market: StoreMarket, interval: String, openTimeMs: Int64, closeTimeMs: Int64,
                open: Int64, high: Int64, low: Int64, close: Int64, volume: Int64, quoteVolume: Int64,
                tradeCount: Int64, takerBuyBase: Int64, takerBuyQuote: Int64, closed: Bool) {
        self.symbol = symbol
        self.market = market
        self.interval = interval
        self.openTimeMs = openTimeMs
        self.closeTimeMs = closeTimeMs
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
        self.quoteVolume = quoteVolume
        self.tradeCount = tradeCount
        self.takerBuyBase = takerBuyBase
        self.takerBuyQuote = takerBuyQuote
        self.closed = closed
    }
}

/// One trade: a spot `trade` (`tradeId` is `t`, no first/last ids) or a futures `aggTrade`
/// (`tradeId` is the aggregate id `a`, with `f` and `l`).
public struct TradeRow: Sendable, Equatable {
    public var symbol: String
    public var market: StoreMarket
    public var tradeId: Int64
    public var price: Int64
    public var quantity: Int64
    public var buyerIsMaker: Bool
    public var tradeTimeMs: Int64
    public var firstTradeId: Int64?
    public var lastTradeId: Int64?

    public init(symbol: String, market: StoreMarket, tradeId: Int64, price: Int64, quantity: Int64,
                buyerIsMaker: Bool, tradeTimeMs: Int64, firstTradeId: Int64? = nil, lastTradeId: Int64? = nil) {
        self.symbol = symbol
        self.market = market
        self.tradeId = tradeId
        self.price = price
        self.quantity = quantity
        self.buyerIsMaker = buyerIsMaker
        self.tradeTimeMs = tradeTimeMs
        self.firstTradeId = firstTradeId
        self.lastTradeId = lastTradeId
    }
}

/// One futures liquidation (`forceOrder`'s `o` object). The text fields are Binance's
/// spellings (`BUY`, `LIMIT`, `IOC`, `FILLED`).
public struct LiquidationRow: Sendable, Equatable {
    public var symbol: String
    public var side: String
    public var orderType: String
    public var timeInForce: String
    public var originalQuantity: Int64
    public var price: Int64
    public var averagePrice: Int64
    public var status: String
    public var lastFilledQuantity: Int64
    public var filledAccumulatedQuantity: Int64
    public var tradeTimeMs: Int64

    public init(symbol: String, side: String, orderType: String, timeInForce: String, originalQuantity: Int64,
                price: Int64, averagePrice: Int64, status: String, lastFilledQuantity: Int64,
                filledAccumulatedQuantity: Int64, tradeTimeMs: Int64) {
        self.symbol = symbol
        self.side = side
        self.orderType = orderType
        self.timeInForce = timeInForce
        self.originalQuantity = originalQuantity
        self.price = price
        self.averagePrice = averagePrice
        self.status = status
        self.lastFilledQuantity = lastFilledQuantity
        self.filledAccumulatedQuantity = filledAccumulatedQuantity
        self.tradeTimeMs = tradeTimeMs
    }
}

/// One price bin of a book snapshot: its lower edge and the quantity summed over it.
public struct BinnedLevel: Sendable, Equatable {
    public var price: Int64
    public var quantity: Int64

    public init(price: Int64, quantity: Int64) {
        self.price = price
        self.quantity = quantity
    }
}

/// One binned order-book snapshot for the liquidity heatmap: bids best (highest) first,
/// asks best (lowest) first.
public struct BookSnapshotRow: Sendable, Equatable {
    public var symbol: String
    public var market: StoreMarket
    public var snapshotTimeMs: Int64
    public var binSize: Int64
    public var lastUpdateId: Int64?
    public var bids: [BinnedLevel]
    public var asks: [BinnedLevel]

    public init(symbol: String, market: StoreMarket, snapshotTimeMs: Int64, binSize: Int64, lastUpdateId: Int64?,
                bids: [BinnedLevel], asks: [BinnedLevel]) {
        self.symbol = symbol
        self.market = market
        self.snapshotTimeMs = snapshotTimeMs
        self.binSize = binSize
        self.lastUpdateId = lastUpdateId
        self.bids = bids
        self.asks = asks
    }
}
