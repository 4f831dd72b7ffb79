import Market

/// A trade (`trade` stream; futures adds `X`:"MARKET").
public struct SimTrade: Sendable, Equatable {
    public var venue: Venue
    public var symbol: String
    public var eventTime: Int64
    public var tradeTime: Int64
    public var tradeId: Int64
    public var price: Int64
    public var quantity: Int64
    public var buyerIsMaker: Bool
    /// price × quantity, exact (ticks and lots keep it within 8 decimals).
    public var quoteQuantity: Int64 { fixedProduct(price, quantity) }

    public init(venue: Venue, symbol: String, eventTime: Int64, tradeTime: Int64, tradeId: Int64, price: Int64,
                quantity: Int64, buyerIsMaker: Bool) {
        self.venue = venue
        self.symbol = symbol
        self.eventTime = eventTime
        self.tradeTime = tradeTime
        self.tradeId = tradeId
        self.price = price
        self.quantity = quantity
        self.buyerIsMaker = buyerIsMaker
    }
}

/// One taker order's fills at one price (`aggTrade` stream and REST `aggTrades`).
public struct SimAggTrade: Sendable, Equatable {
    public var venue: Venue
    public var symbol: String
    public var eventTime: Int64
    public var tradeTime: Int64
    public var aggregateId: Int64
    public var firstTradeId: Int64
    public var lastTradeId: Int64
    public var price: Int64
    public var quantity: Int64
    public var buyerIsMaker: Bool

    public init(venue: Venue, symbol: String, eventTime: Int64, tradeTime: Int64, aggregateId: Int64,
                firstTradeId: Int64, lastTradeId: Int64, price: Int64, quantity: Int64, buyerIsMaker: Bool) {
        self.venue = venue
        self.symbol = symbol
        self.eventTime = eventTime
        self.tradeTime = tradeTime
        self.aggregateId = aggregateId
        self.firstTradeId = firstTradeId
        self.lastTradeId = lastTradeId
        self.price = price
        self.quantity = quantity
        self.buyerIsMaker = buyerIsMaker
    }
}

/// A diff-depth event: absolute quantities, 0 removes; bids descending, asks ascending.
public struct SimDepthUpdate: Sendable, Equatable {
    public var venue: Venue
    public var symbol: String
    public var eventTime: Int64
    public var transactionTime: Int64
    public var firstUpdateId: Int64
    public var finalUpdateId: Int64
    /// Futures `pu`: the previous event's `u` (unless a gap was injected).
    public var previousFinalUpdateId: Int64
    public var bids: [PriceLevel]
    public var asks: [PriceLevel]

    public init(venue: Venue, symbol: String, eventTime: Int64, transactionTime: Int64, firstUpdateId: Int64,
                finalUpdateId: Int64, previousFinalUpdateId: Int64, bids: [PriceLevel], asks: [PriceLevel]) {
        self.venue = venue
        self.symbol = symbol
        self.eventTime = eventTime
        self.transactionTime = transactionTime
        self.firstUpdateId = firstUpdateId
        self.finalUpdateId = finalUpdateId
        self.previousFinalUpdateId = previousFinalUpdateId
        self.bids = bids
        self.asks = asks
    }
}

/// Best bid and ask; `updateId` is the book's update id at that moment.
public struct SimBookTicker: Sendable, Equatable {
    public var venue: Venue
    public var symbol: String
    public var eventTime: Int64
    public var transactionTime: Int64
    public var updateId: Int64
    public var bidPrice: Int64
    public var bidQuantity: Int64
    public var askPrice: Int64
    public var askQuantity: Int64

    public init(venue: Venue, symbol: String, eventTime: Int64, transactionTime: Int64, updateId: Int64,
                bidPrice: Int64, bidQuantity: Int64, askPrice: Int64, askQuantity: Int64) {
        self.venue = venue
        self.symbol = symbol
        self.eventTime = eventTime
        self.transactionTime = transactionTime
        self.updateId = updateId
        self.bidPrice = bidPrice
        self.bidQuantity = bidQuantity
        self.askPrice = askPrice
        self.askQuantity = askQuantity
    }
}

/// One candle; `firstTradeId`/`lastTradeId` are -1 while it has no trades.
public struct SimBar: Sendable, Equatable {
    public var openTime: Int64
    public var closeTime: Int64
    public var open: Int64
    public var high: Int64
    public var low: Int64
    public var close: Int64
    public var volume: Int64 = 0
    public var quoteVolume: Int64 = 0
    public var tradeCount: Int64 = 0
    public var takerBuyBase: Int64 = 0
    public var takerBuyQuote: Int64 = 0
    public var firstTradeId: Int64 = -1
    public var lastTradeId: Int64 = -1

    /// An empty bar that opens at the previous close.
    public init(openTime: Int64, intervalMs: Int64, price: Int64) {
        self.openTime = openTime
        closeTime = openTime + intervalMs - 1
        open = price
        high = price
        low = price
        close = price
    }

    /// Folds one trade in (the first trade also sets the open).
    public mutating func add(_ t: SimTrade) {
        if tradeCount == 0 {
            open = t.price
            high = t.price
            low = t.price
            firstTradeId = t.tradeId
        }
        high = max(high, t.price)
        low = min(low, t.price)
        close = t.price
        lastTradeId = t.tradeId
        let quote = t.quoteQuantity
        volume = volume.saturatingSum(t.quantity)
        quoteVolume = quoteVolume.saturatingSum(quote)
        tradeCount += 1
        if !t.buyerIsMaker {
            takerBuyBase = takerBuyBase.saturatingSum(t.quantity)
            takerBuyQuote = takerBuyQuote.saturatingSum(quote)
        }
    }
}

/// A candle update; `closed` is true once, on the bar's final update.
public struct SimKline: Sendable, Equatable {
    public var venue: Venue
    public var symbol: String
    public var interval: KlineInterval
    public var eventTime: Int64
    public var bar: SimBar
    public var closed: Bool
}

/// Rolling 24 h statistics, computed from the 1m bars.
public struct SimTicker: Sendable, Equatable {
    public var venue: Venue
    public var symbol: String
    public var eventTime: Int64
    public var priceChange: Int64
    /// Percent with 3 decimals, as fixed point.
    public var priceChangePercent: Int64
    public var weightedAveragePrice: Int64
    public var previousClose: Int64
    public var lastPrice: Int64
    public var lastQuantity: Int64
    public var bidPrice: Int64
    public var bidQuantity: Int64
    public var askPrice: Int64
    public var askQuantity: Int64
    public var open: Int64
    public var high: Int64
    public var low: Int64
    public var volume: Int64
    public var quoteVolume: Int64
    public var openTime: Int64
    public var closeTime: Int64
    public var firstTradeId: Int64
    public var lastTradeId: Int64
    public var tradeCount: Int64
}

/// Futures mark price and funding.
public struct SimMarkPrice: Sendable, Equatable {
    public var symbol: String
    public var eventTime: Int64
    public var markPrice: Int64
    public var indexPrice: Int64
    public var estimatedSettlePrice: Int64
    public var fundingRate: Int64
    public var nextFundingTime: Int64
}

/// A futures liquidation, filled at once against the book (its fills are in the trade tape).
public struct SimForceOrder: Sendable, Equatable {
    public var symbol: String
    public var eventTime: Int64
    public var side: OrderSide
    public var quantity: Int64
    public var price: Int64
    public var averagePrice: Int64
    public var tradeTime: Int64

    public init(symbol: String, eventTime: Int64, side: OrderSide, quantity: Int64, price: Int64,
                averagePrice: Int64, tradeTime: Int64) {
        self.symbol = symbol
        self.eventTime = eventTime
        self.side = side
        self.quantity = quantity
        self.price = price
        self.averagePrice = averagePrice
        self.tradeTime = tradeTime
    }
}

/// Everything a step can produce, in the order Binance would send it.
public enum SimEvent: Sendable, Equatable {
    case trade(SimTrade)
    case aggTrade(SimAggTrade)
    case depthUpdate(SimDepthUpdate)
    case bookTicker(SimBookTicker)
    case kline(SimKline)
    case ticker(SimTicker)
    case markPrice(SimMarkPrice)
    case forceOrder(SimForceOrder)
    /// An injected fault: a truncated frame on `<symbol>@trade`.
    case malformed(venue: Venue, symbol: String, eventTime: Int64)
}
