/// A futures aggregated trade (`aggTrade`). 72 bytes.
public struct AggTradeRecord: MarketRecord {
    public static let recordType = RecordType.aggTrade
    public var symbolIndex: UInt32
    /// Bit 0: the buyer is the maker (`TradeRecord.buyerIsMaker`). Bit 1: futures market.
    public var flags: UInt32
    public var price: Int64
    public var quantity: Int64
    public var aggregateId: Int64
    public var firstTradeId: Int64
    public var lastTradeId: Int64
    public var tradeTimeMs: Int64
    public var eventTimeMs: Int64
    public var receivedNs: Int64

    public init(symbolIndex: UInt32, flags: UInt32, price: Int64, quantity: Int64, aggregateId: Int64,
                firstTradeId: Int64, lastTradeId: Int64, tradeTimeMs: Int64, eventTimeMs: Int64, receivedNs: Int64) {
        self.symbolIndex = symbolIndex
        self.flags = flags
        self.price = price
        self.quantity = quantity
        self.aggregateId = aggregateId
        self.firstTradeId = firstTradeId
        self.lastTradeId = lastTradeId
        self.tradeTimeMs = tradeTimeMs
        self.eventTimeMs = eventTimeMs
        self.receivedNs = receivedNs
    }

    public var isBuyerMaker: Bool { flags & TradeRecord.buyerIsMaker != 0 }

    /// The trade in the shape of the latest-trade section (`tradeId` is the aggregate id).
    public var trade: TradeRecord {
        TradeRecord(symbolIndex: symbolIndex, flags: flags, price: price, quantity: quantity,
                    tradeId: aggregateId, tradeTimeMs: tradeTimeMs, receivedNs: receivedNs)
    }
}

/// One trade as the recent-trades table keeps it: the trade (`tradeId` the aggregate id of a
/// futures aggTrade), the trade ids it stands for and the event time. 72 bytes.
public struct RecentTrade: Equatable, Sendable, BitwiseCopyable {
    public var trade: TradeRecord
    /// A futures aggTrade's first and last trade ids (`f`, `l`); a spot trade's own id twice.
    public var firstTradeId: Int64
    public var lastTradeId: Int64
    /// Binance's `E`; a spot trade record carries none, so its trade time stands in.
    public var eventTimeMs: Int64

    /// A spot trade.
    public init(_ trade: TradeRecord) {
        self.trade = trade
        firstTradeId = trade.tradeId
        lastTradeId = trade.tradeId
        eventTimeMs = trade.tradeTimeMs
    }

    /// A futures aggregated trade.
    public init(_ aggTrade: AggTradeRecord) {
        trade = aggTrade.trade
        firstTradeId = aggTrade.firstTradeId
        lastTradeId = aggTrade.lastTradeId
        eventTimeMs = aggTrade.eventTimeMs
    }
}

/// The numbers of one candle, as the candle rings keep them: every Binance kline field but the
/// symbol and interval (the ring's) and the ignored `B`, and whether the candle is closed.
/// 104 bytes (the close time is kept as an offset from the open time, which no interval, not
/// even 1M, overflows).
public struct Candle: Equatable, Sendable, BitwiseCopyable {
    public var openTimeMs: Int64
    var closeOffsetMs: UInt32
    /// Bit 0: closed (final).
    var flags: UInt32
    /// The first and last trade ids (`f`, `L`); `Candle.noTrade` (-1) when not known.
    public var firstTradeId: Int64
    public var lastTradeId: Int64
    public var open: Int64
    public var high: Int64
    public var low: Int64
    public var close: Int64
    public var volume: Int64
    public var quoteVolume: Int64
    public var takerBuyBase: Int64
    public var takerBuyQuote: Int64
    public var tradeCount: Int64

    /// The trade id of a candle without trades, or whose trade ids are not known (REST klines
    /// rows and stored candle history carry none): Binance's own "none", -1, as its 24 h
    /// tickers' `firstId`/`lastId` with no trades and a kline's `f`/`L` before its first
    /// trade (binance-protocol.md §1.5).
    public static let noTrade: Int64 = -1

    public init(openTimeMs: Int64, closeTimeMs: Int64, firstTradeId: Int64, lastTradeId: Int64, open: Int64,
                high: Int64, low: Int64, close: Int64, volume: Int64, quoteVolume: Int64, tradeCount: Int64,
                takerBuyBase: Int64, takerBuyQuote: Int64, closed: Bool) {
        self.openTimeMs = openTimeMs
        let span = closeTimeMs.subtractingReportingOverflow(openTimeMs)
        closeOffsetMs = span.overflow ? 0 : UInt32(clamping: span.partialValue)
        flags = closed ? 1 : 0
        self.firstTradeId = firstTradeId
        self.lastTradeId = lastTradeId
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
        self.quoteVolume = quoteVolume
        self.takerBuyBase = takerBuyBase
        self.takerBuyQuote = takerBuyQuote
        self.tradeCount = tradeCount
    }

    public var closeTimeMs: Int64 { openTimeMs &+ Int64(closeOffsetMs) }

    /// Whether this is the candle's final update.
    public var isClosed: Bool {
        get { flags & 1 != 0 }
        set { flags = newValue ? flags | 1 : flags & ~1 }
    }

    /// The trade ids once `later`, the next candle, is folded into this one (before its trade
    /// count is added): the first id is that of the first part with trades, the last that of
    /// the last part with trades; `noTrade` where that part's ids were not kept.
    public mutating func foldTradeIds(of later: Candle) {
        if tradeCount == 0 { firstTradeId = later.firstTradeId }
        if later.tradeCount > 0 { lastTradeId = later.lastTradeId }
    }
}

/// A candle update (`kline_<i>`). 136 bytes.
public struct KlineRecord: MarketRecord {
    public static let recordType = RecordType.kline
    public var symbolIndex: UInt32
    /// Bit 1: futures market.
    public var flags: UInt32
    /// The interval code, `Market.KlineInterval.rawValue`.
    public var interval: UInt32
    var reserved: UInt32 = 0
    public var eventTimeMs: Int64
    public var receivedNs: Int64
    public var candle: Candle

    public init(symbolIndex: UInt32, flags: UInt32, interval: UInt8, eventTimeMs: Int64, receivedNs: Int64,
                candle: Candle) {
        self.symbolIndex = symbolIndex
        self.flags = flags
        self.interval = UInt32(interval)
        self.eventTimeMs = eventTimeMs
        self.receivedNs = receivedNs
        self.candle = candle
    }
}

/// Best bid and ask (`bookTicker`). Spot sends no event or transaction time (0 here). 72 bytes.
public struct BookTickerRecord: MarketRecord {
    public static let recordType = RecordType.bookTicker
    public var symbolIndex: UInt32
    /// Bit 1: futures market.
    public var flags: UInt32
    public var updateId: Int64
    public var bidPrice: Int64
    public var bidQuantity: Int64
    public var askPrice: Int64
    public var askQuantity: Int64
    public var eventTimeMs: Int64
    public var transactionTimeMs: Int64
    public var receivedNs: Int64

    public init(symbolIndex: UInt32, flags: UInt32, updateId: Int64, bidPrice: Int64, bidQuantity: Int64,
                askPrice: Int64, askQuantity: Int64, eventTimeMs: Int64, transactionTimeMs: Int64, receivedNs: Int64) {
        self.symbolIndex = symbolIndex
        self.flags = flags
        self.updateId = updateId
        self.bidPrice = bidPrice
        self.bidQuantity = bidQuantity
        self.askPrice = askPrice
        self.askQuantity = askQuantity
        self.eventTimeMs = eventTimeMs
        self.transactionTimeMs = transactionTimeMs
        self.receivedNs = receivedNs
    }
}

/// Rolling 24 h statistics (`24hrTicker`). `priceChangePercent` is a fixed-point percent. 96 bytes.
public struct TickerRecord: MarketRecord {
    public static let recordType = RecordType.ticker
    public var symbolIndex: UInt32
    /// Bit 1: futures market.
    public var flags: UInt32
    public var eventTimeMs: Int64
    public var receivedNs: Int64
    public var lastPrice: Int64
    public var open: Int64
    public var high: Int64
    public var low: Int64
    public var volume: Int64
    public var quoteVolume: Int64
    public var priceChange: Int64
    public var priceChangePercent: Int64
    public var tradeCount: Int64

    public init(symbolIndex: UInt32, flags: UInt32, eventTimeMs: Int64, receivedNs: Int64, lastPrice: Int64,
                open: Int64, high: Int64, low: Int64, volume: Int64, quoteVolume: Int64, priceChange: Int64,
                priceChangePercent: Int64, tradeCount: Int64) {
        self.symbolIndex = symbolIndex
        self.flags = flags
        self.eventTimeMs = eventTimeMs
        self.receivedNs = receivedNs
        self.lastPrice = lastPrice
        self.open = open
        self.high = high
        self.low = low
        self.volume = volume
        self.quoteVolume = quoteVolume
        self.priceChange = priceChange
        self.priceChangePercent = priceChangePercent
        self.tradeCount = tradeCount
    }
}

/// Mark price and funding (`markPriceUpdate`, futures). 64 bytes.
public struct MarkPriceRecord: MarketRecord {
    public static let recordType = RecordType.markPrice
    public var symbolIndex: UInt32
    /// Bit 0: `fundingRate` is known (Binance sends `""` for delivery contracts). Bit 1: futures.
    public var flags: UInt32
    public var eventTimeMs: Int64
    public var receivedNs: Int64
    public var markPrice: Int64
    public var indexPrice: Int64
    public var estimatedSettlePrice: Int64
    public var fundingRate: Int64
    public var nextFundingTimeMs: Int64

    public static let hasFundingRate: UInt32 = 1

    public init(symbolIndex: UInt32, flags: UInt32, eventTimeMs: Int64, receivedNs: Int64, markPrice: Int64,
                indexPrice: Int64, estimatedSettlePrice: Int64, fundingRate: Int64?, nextFundingTimeMs: Int64) {
        self.symbolIndex = symbolIndex
        self.flags = fundingRate == nil ? flags & ~Self.hasFundingRate : flags | Self.hasFundingRate
        self.eventTimeMs = eventTimeMs
        self.receivedNs = receivedNs
        self.markPrice = markPrice
        self.indexPrice = indexPrice
        self.estimatedSettlePrice = estimatedSettlePrice
        self.fundingRate = fundingRate ?? 0
        self.nextFundingTimeMs = nextFundingTimeMs
    }

    /// The funding rate, or nil when Binance sent none.
    public var knownFundingRate: Int64? { flags & Self.hasFundingRate != 0 ? fundingRate : nil }
}
