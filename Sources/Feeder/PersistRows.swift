import Market
import ShmRing
import Store

/// Ring records → storage rows, for the feeder's persistence reader. Trades, aggregate
/// trades, liquidations and closed candles become rows at once; open-candle updates are
/// conflated (the latest per symbol, market and interval) and handed out by
/// `takeOpenCandles`, since each one only overwrites the previous; book snapshot records are
/// binned (`BookBinning`). Rows collect in `rows`, whose arrays keep their storage between
/// batches; the fixed tables are sized once, so a record costs no allocation beyond them.
struct PersistConverter {
    /// Symbol names by ring symbol index (the configuration's order, then those added).
    private(set) var symbols: [String]
    var rows = RowBatch()
    /// The latest open candle per (symbol, market, interval code), and which slots hold one.
    private var openCandles: [CandleRow?]
    private var openSlots: [Int] = []
    /// The heatmap bin size per (symbol, market), chosen from the first book seen (0: not yet).
    private(set) var binSizes: [Int64]

    static let intervalCodes = 16

    init(symbols: [String]) {
        self.symbols = symbols
        openCandles = Array(repeating: nil, count: symbols.count * 2 * Self.intervalCodes)
        binSizes = Array(repeating: 0, count: symbols.count * 2)
        openSlots.reserveCapacity(openCandles.count)
    }

    /// The symbols grew (added at run time): their slots are made.
    mutating func update(symbols names: [String]) {
        guard names.count > symbols.count else { return }
        openCandles += Array(repeating: nil, count: (names.count - symbols.count) * 2 * Self.intervalCodes)
        binSizes += Array(repeating: 0, count: (names.count - symbols.count) * 2)
        symbols = names
    }

    /// Converts one record the reader copied; other record types are ignored.
    mutating func handle(type: Int32, payload: UnsafeRawBufferPointer) {
        switch RecordType(rawValue: type) {
        case .trade:
            guard let r = TradeRecord.load(from: payload), let name = symbol(r.symbolIndex) else { return }
            rows.trades.append(TradeRow(symbol: name, market: r.market.store, tradeId: r.tradeId, price: r.price,
                                        quantity: r.quantity, buyerIsMaker: r.isBuyerMaker, tradeTimeMs: r.tradeTimeMs))
        case .aggTrade:
            guard let r = AggTradeRecord.load(from: payload), let name = symbol(r.symbolIndex) else { return }
            rows.trades.append(TradeRow(symbol: name, market: r.market.store, tradeId: r.aggregateId, price: r.price,
                                        quantity: r.quantity, buyerIsMaker: r.isBuyerMaker, tradeTimeMs: r.tradeTimeMs,
                                        firstTradeId: r.firstTradeId, lastTradeId: r.lastTradeId))
        case .kline:
            guard let r = KlineRecord.load(from: payload) else { return }
            kline(r)
        case .liquidation:
            guard let r = LiquidationRecord.load(from: payload), let name = symbol(r.symbolIndex) else { return }
            rows.liquidations.append(Self.liquidation(r, symbol: name))
        case .bookSnapshot:
            guard let view = BookSnapshotView(payload: payload), let name = symbol(view.header.symbolIndex) else { return }
            let h = view.header
            let timeMs = h.eventTimeMs > 0 ? h.eventTimeMs : h.receivedNs / 1_000_000
            book(symbolIndex: Int(h.symbolIndex), name: name, market: h.market, timeMs: timeMs, updateId: h.lastUpdateId,
                 bids: view.bids, asks: view.asks)
        default:
            return
        }
    }

    @inline(__always)
    func symbol(_ index: UInt32) -> String? {
        Int(index) < symbols.count ? symbols[Int(index)] : nil
    }

    private mutating func kline(_ r: KlineRecord) {
        let code = Int(r.interval)
        guard let name = symbol(r.symbolIndex), code < Self.intervalCodes,
              let interval = KlineInterval(rawValue: UInt8(code)) else { return }
        let row = Self.candle(r.candle, symbol: name, market: r.market.store, interval: interval)
        let slot = (Int(r.symbolIndex) * 2 + Int(r.market.rawValue)) * Self.intervalCodes + code
        if row.closed {
            rows.candles.append(row)
            // The close supersedes the pending open update of the same candle (or an older one).
            if let pending = openCandles[slot], pending.openTimeMs <= row.openTimeMs { openCandles[slot] = nil }
            return
        }
        if openCandles[slot] == nil { openSlots.append(slot) }
        openCandles[slot] = row
    }

    /// Moves the latest open candle of each (symbol, market, interval) into `rows`.
    mutating func takeOpenCandles() {
        for slot in openSlots {
            if let row = openCandles[slot] { rows.candles.append(row) }
            openCandles[slot] = nil
        }
        openSlots.removeAll(keepingCapacity: true)
    }

    /// Bins a book's levels (best first) into a snapshot row, choosing the bin size of this
    /// symbol and market from its first book's mid price.
    mutating func book<B: Collection, A: Collection>(symbolIndex: Int, name: String, market: MarketKind, timeMs: Int64,
                                                     updateId: Int64?, bids: B, asks: A)
    where B.Element == BookLevel, A.Element == BookLevel {
        let key = symbolIndex * 2 + Int(market.rawValue)
        guard key < binSizes.count else { return }
        if binSizes[key] == 0 {
            guard let reference = BookBinning.referencePrice(bestBid: bids.first?.price, bestAsk: asks.first?.price) else { return }
            binSizes[key] = BookBinning.binSize(forPrice: reference)
        }
        let size = binSizes[key]
        rows.bookSnapshots.append(BookSnapshotRow(symbol: name, market: market.store, snapshotTimeMs: timeMs, binSize: size,
                                                  lastUpdateId: updateId, bids: BookBinning.bin(bids, size: size),
                                                  asks: BookBinning.bin(asks, size: size)))
    }

    static func candle(_ c: Candle, symbol: String, market: StoreMarket, interval: KlineInterval) -> CandleRow {
        CandleRow(symbol: symbol, market: market, interval: interval.name, openTimeMs: c.openTimeMs,
                  closeTimeMs: c.closeTimeMs, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume,
                  quoteVolume: c.quoteVolume, tradeCount: c.tradeCount, takerBuyBase: c.takerBuyBase,
                  takerBuyQuote: c.takerBuyQuote, closed: c.isClosed)
    }

    static func liquidation(_ r: LiquidationRecord, symbol: String) -> LiquidationRow {
        LiquidationRow(symbol: symbol, side: r.side == 0 ? "BUY" : "SELL", orderType: orderTypes[Int(min(r.orderType, 3))],
                       timeInForce: timesInForce[Int(min(r.timeInForce, 5))], originalQuantity: r.originalQuantity,
                       price: r.price, averagePrice: r.averagePrice, status: statuses[Int(min(r.status, 6))],
                       lastFilledQuantity: r.lastFilledQuantity, filledAccumulatedQuantity: r.filledQuantity,
                       tradeTimeMs: r.tradeTimeMs)
    }

    /// Binance's spellings by the record's codes (the last of each: a code this binary does not know).
    static let orderTypes = ["UNKNOWN", "LIMIT", "MARKET", "UNKNOWN"]
    static let timesInForce = ["UNKNOWN", "GTC", "IOC", "FOK", "GTX", "UNKNOWN"]
    static let statuses = ["NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "EXPIRED", "OTHER", "OTHER"]
}

extension MarketKind {
    /// The storage tables' market.
    var store: StoreMarket { self == .spot ? .spot : .futures }
}
