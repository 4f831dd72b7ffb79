@testable import Market
@testable import Simulator

/// Shared helpers: a market, a run of steps, and the parser's view of what the generator holds.
let testSymbols = BinanceSymbolTable(["BTCUSDT", "ETHUSDT"])
let startMs: Int64 = 1_723_161_240_000  // a minute boundary
let specs: [SimSymbolSpec] = [.btcusdt, .ethusdt]

func makeMarket(seed: UInt64 = 42) -> SimulatedMarket {
    SimulatedMarket(config: SimConfig(seed: seed))
}

/// Steps every `dtMs` for `steps` steps from `from`, returning all events in order.
func run(_ market: inout SimulatedMarket, steps: Int, from: Int64 = startMs, dtMs: Int64 = 100) -> [SimEvent] {
    var out: [SimEvent] = []
    for k in 0..<steps { market.step(nowMs: from + Int64(k) * dtMs, into: &out) }
    return out
}

func symbolId(_ s: String) -> SymbolID {
    var copy = s
    return copy.withUTF8 { testSymbols.lookup($0.baseAddress!, count: $0.count)! }
}

/// The parser's bar for a simulated one, with its trade ids as the kline stream sends them.
func bar(_ b: SimBar) -> KlineBar {
    KlineBar(openTime: b.openTime, closeTime: b.closeTime, open: b.open, high: b.high, low: b.low, close: b.close,
             volume: b.volume, quoteVolume: b.quoteVolume, tradeCount: b.tradeCount, takerBuyBase: b.takerBuyBase,
             takerBuyQuote: b.takerBuyQuote, firstTradeId: b.firstTradeId, lastTradeId: b.lastTradeId)
}

/// The same as a REST klines row gives it: without trade ids (-1).
func restRow(_ b: SimBar) -> KlineBar {
    var k = bar(b)
    k.firstTradeId = -1
    k.lastTradeId = -1
    return k
}

/// What `BinanceParser` must return for a generated event (depth levels are checked apart).
func expected(_ e: SimEvent) -> MarketEvent {
    switch e {
    case .trade(let t):
        return .trade(TradeEvent(symbol: symbolId(t.symbol), eventTime: t.eventTime, tradeTime: t.tradeTime,
                                 tradeId: t.tradeId, price: t.price, quantity: t.quantity,
                                 buyerIsMaker: t.buyerIsMaker))
    case .aggTrade(let a):
        return .aggTrade(AggTradeEvent(symbol: symbolId(a.symbol), eventTime: a.eventTime, tradeTime: a.tradeTime,
                                       aggregateId: a.aggregateId, firstTradeId: a.firstTradeId,
                                       lastTradeId: a.lastTradeId, price: a.price, quantity: a.quantity,
                                       buyerIsMaker: a.buyerIsMaker))
    case .depthUpdate(let d):
        let futures = d.venue == .futures
        return .depthUpdate(DepthUpdateEvent(
            symbol: symbolId(d.symbol), eventTime: d.eventTime, transactionTime: futures ? d.transactionTime : nil,
            firstUpdateId: d.firstUpdateId, finalUpdateId: d.finalUpdateId,
            previousFinalUpdateId: futures ? d.previousFinalUpdateId : nil, bidCount: d.bids.count,
            askCount: d.asks.count))
    case .bookTicker(let b):
        let futures = b.venue == .futures
        return .bookTicker(BookTickerEvent(
            symbol: symbolId(b.symbol), updateId: b.updateId, bidPrice: b.bidPrice, bidQuantity: b.bidQuantity,
            askPrice: b.askPrice, askQuantity: b.askQuantity, eventTime: futures ? b.eventTime : nil,
            transactionTime: futures ? b.transactionTime : nil))
    case .kline(let k):
        return .kline(KlineEvent(symbol: symbolId(k.symbol), interval: k.interval, eventTime: k.eventTime,
                                 bar: bar(k.bar), closed: k.closed))
    case .ticker(let t):
        return .ticker(TickerEvent(
            symbol: symbolId(t.symbol), eventTime: t.eventTime, lastPrice: t.lastPrice, open: t.open, high: t.high,
            low: t.low, volume: t.volume, quoteVolume: t.quoteVolume, priceChange: t.priceChange,
            priceChangePercent: t.priceChangePercent, tradeCount: t.tradeCount))
    case .markPrice(let m):
        return .markPrice(MarkPriceEvent(
            symbol: symbolId(m.symbol), eventTime: m.eventTime, markPrice: m.markPrice, indexPrice: m.indexPrice,
            estimatedSettlePrice: m.estimatedSettlePrice, fundingRate: m.fundingRate,
            nextFundingTime: m.nextFundingTime))
    case .forceOrder(let f):
        return .forceOrder(ForceOrderEvent(
            symbol: symbolId(f.symbol), eventTime: f.eventTime, side: f.side, status: .filled, quantity: f.quantity,
            price: f.price, averagePrice: f.averagePrice, lastFilledQuantity: f.quantity, filledQuantity: f.quantity,
            tradeTime: f.tradeTime))
    case .malformed:
        return .malformed(.truncated)
    }
}

/// A short name per event kind, for coverage checks.
func kind(_ e: SimEvent) -> String {
    switch e {
    case .trade(let t): "trade/\(t.venue)"
    case .aggTrade(let a): "aggTrade/\(a.venue)"
    case .depthUpdate(let d): "depth/\(d.venue)"
    case .bookTicker(let b): "bookTicker/\(b.venue)"
    case .kline(let k): "kline/\(k.venue)/\(k.closed)"
    case .ticker(let t): "ticker/\(t.venue)"
    case .markPrice: "markPrice"
    case .forceOrder: "forceOrder"
    case .malformed: "malformed"
    }
}

/// A local book per Binance's procedure, as a dictionary per side.
struct LocalBook {
    var bids: [Int64: Int64] = [:]
    var asks: [Int64: Int64] = [:]

    mutating func apply(bids b: [PriceLevel], asks a: [PriceLevel]) {
        for l in b { bids[l.price] = l.quantity == 0 ? nil : l.quantity }
        for l in a { asks[l.price] = l.quantity == 0 ? nil : l.quantity }
    }

    var sortedBids: [PriceLevel] {
        bids.sorted { $0.key > $1.key }.map { PriceLevel(price: $0.key, quantity: $0.value) }
    }
    var sortedAsks: [PriceLevel] {
        asks.sorted { $0.key < $1.key }.map { PriceLevel(price: $0.key, quantity: $0.value) }
    }
    var crossed: Bool {
        guard let b = bids.keys.max(), let a = asks.keys.min() else { return false }
        return b >= a
    }
}
