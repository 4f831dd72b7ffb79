/// Turning the recorded slots into a `MarketEvent`, by the payload's `e` (or its shape when
/// Binance sends no `e`: spot bookTicker, depth snapshots).
extension FrameScanner {
    func event(symbols: BinanceSymbolTable) throws(MalformedReason) -> MarketEvent {
        guard let e = bytes(Key.e) else { return try eventWithoutType(symbols: symbols) }
        switch e.count {
        case 5 where bytesEqual(e, "trade"): return try trade(symbols)
        case 5 where bytesEqual(e, "kline"): return try kline(symbols)
        case 8 where bytesEqual(e, "aggTrade"): return try aggTrade(symbols)
        case 10 where bytesEqual(e, "bookTicker"): return try bookTicker(symbols)
        case 10 where bytesEqual(e, "24hrTicker"): return try ticker(symbols)
        case 10 where bytesEqual(e, "forceOrder"): return try forceOrder(symbols)
        case 11 where bytesEqual(e, "depthUpdate"): return try depthUpdate(symbols)
        case 15 where bytesEqual(e, "markPriceUpdate"): return try markPrice(symbols)
        default: return .unknown
        }
    }

    /// Spot bookTicker has `u` and string `b`; a snapshot has `lastUpdateId` and both sides.
    func eventWithoutType(symbols: BinanceSymbolTable) throws(MalformedReason) -> MarketEvent {
        if kind(0, Slot.lastUpdateId) != nil, sawBids, sawAsks {
            return .depthSnapshot(DepthSnapshotEvent(
                lastUpdateId: try int(Slot.lastUpdateId), eventTime: try optionalInt(Key.E),
                transactionTime: try optionalInt(Key.T), bidCount: bidCount, askCount: askCount))
        }
        if kind(0, Key.u) != nil, kind(0, Key.b) == .string {
            return try bookTicker(symbols)
        }
        return .unknown
    }

    func trade(_ symbols: BinanceSymbolTable) throws(MalformedReason) -> MarketEvent {
        let t = TradeEvent(
            symbol: 0, eventTime: try int(Key.E), tradeTime: try int(Key.T), tradeId: try int(Key.t),
            price: try decimal(Key.p), quantity: try decimal(Key.q), buyerIsMaker: try bool(Key.m))
        guard let s = try symbol(Key.s, in: symbols) else { return .unknownSymbol }
        var r = t
        r.symbol = s
        return .trade(r)
    }

    func aggTrade(_ symbols: BinanceSymbolTable) throws(MalformedReason) -> MarketEvent {
        var a = AggTradeEvent(
            symbol: 0, eventTime: try int(Key.E), tradeTime: try int(Key.T), aggregateId: try int(Key.a),
            firstTradeId: try int(Key.f), lastTradeId: try int(Key.l), price: try decimal(Key.p),
            quantity: try decimal(Key.q), buyerIsMaker: try bool(Key.m))
        guard let s = try symbol(Key.s, in: symbols) else { return .unknownSymbol }
        a.symbol = s
        return .aggTrade(a)
    }

    func kline(_ symbols: BinanceSymbolTable) throws(MalformedReason) -> MarketEvent {
        guard kind(0, Key.k) == .object else { throw .missingField }
        guard let i = bytes(Key.i, bank: 1) else { throw .missingField }
        guard let interval = Self.interval(i) else { throw .badEnum }
        let bar = KlineBar(
            openTime: try int(Key.t, bank: 1), closeTime: try int(Key.T, bank: 1),
            open: try decimal(Key.o, bank: 1), high: try decimal(Key.h, bank: 1),
            low: try decimal(Key.l, bank: 1), close: try decimal(Key.c, bank: 1),
            volume: try decimal(Key.v, bank: 1), quoteVolume: try decimal(Key.q, bank: 1),
            tradeCount: try int(Key.n, bank: 1), takerBuyBase: try decimal(Key.V, bank: 1),
            takerBuyQuote: try decimal(Key.Q, bank: 1), firstTradeId: try int(Key.f, bank: 1),
            lastTradeId: try int(Key.L, bank: 1))
        let event = KlineEvent(symbol: 0, interval: interval, eventTime: try int(Key.E), bar: bar,
                               closed: try bool(Key.x, bank: 1))
        // The payload's `s` and the bar's `s` name the same symbol; prefer the outer one.
        let slotBank = bytes(Key.s) != nil ? 0 : 1
        guard let s = try symbol(Key.s, bank: slotBank, in: symbols) else { return .unknownSymbol }
        var r = event
        r.symbol = s
        return .kline(r)
    }

    func depthUpdate(_ symbols: BinanceSymbolTable) throws(MalformedReason) -> MarketEvent {
        guard kind(0, Key.b) == .levels, kind(0, Key.a) == .levels else { throw .missingField }
        var d = DepthUpdateEvent(
            symbol: 0, eventTime: try int(Key.E), transactionTime: try optionalInt(Key.T),
            firstUpdateId: try int(Key.U), finalUpdateId: try int(Key.u),
            previousFinalUpdateId: try optionalInt(Slot.pu), bidCount: bidCount, askCount: askCount)
        guard let s = try symbol(Key.s, in: symbols) else { return .unknownSymbol }
        d.symbol = s
        return .depthUpdate(d)
    }

    func bookTicker(_ symbols: BinanceSymbolTable) throws(MalformedReason) -> MarketEvent {
        var b = BookTickerEvent(
            symbol: 0, updateId: try int(Key.u), bidPrice: try decimal(Key.b), bidQuantity: try decimal(Key.B),
            askPrice: try decimal(Key.a), askQuantity: try decimal(Key.A),
            eventTime: try optionalInt(Key.E), transactionTime: try optionalInt(Key.T))
        guard let s = try symbol(Key.s, in: symbols) else { return .unknownSymbol }
        b.symbol = s
        return .bookTicker(b)
    }

    func ticker(_ symbols: BinanceSymbolTable) throws(MalformedReason) -> MarketEvent {
        var t = TickerEvent(
            symbol: 0, eventTime: try int(Key.E), lastPrice: try decimal(Key.c), open: try decimal(Key.o),
            high: try decimal(Key.h), low: try decimal(Key.l), volume: try decimal(Key.v),
            quoteVolume: try decimal(Key.q), priceChange: try decimal(Key.p),
            priceChangePercent: try decimal(Key.P), tradeCount: try int(Key.n))
        guard let s = try symbol(Key.s, in: symbols) else { return .unknownSymbol }
        t.symbol = s
        return .ticker(t)
    }

    func markPrice(_ symbols: BinanceSymbolTable) throws(MalformedReason) -> MarketEvent {
        guard let r = bytes(Key.r) else { throw .missingField }
        var funding: Int64? = nil
        if r.count > 0 {
            guard let v = Fixed.parse(r) else { throw .badDecimal }
            funding = v
        }
        var m = MarkPriceEvent(
            symbol: 0, eventTime: try int(Key.E), markPrice: try decimal(Key.p), indexPrice: try decimal(Key.i),
            estimatedSettlePrice: try decimal(Key.P), fundingRate: funding, nextFundingTime: try int(Key.T))
        guard let s = try symbol(Key.s, in: symbols) else { return .unknownSymbol }
        m.symbol = s
        return .markPrice(m)
    }

    func forceOrder(_ symbols: BinanceSymbolTable) throws(MalformedReason) -> MarketEvent {
        guard kind(0, Key.o) == .object, let side = bytes(Key.S, bank: 1) else { throw .missingField }
        let orderSide: OrderSide
        if bytesEqual(side, "BUY") { orderSide = .buy } else if bytesEqual(side, "SELL") { orderSide = .sell } else {
            throw .badEnum
        }
        guard let status = bytes(Key.X, bank: 1) else { throw .missingField }
        var f = ForceOrderEvent(
            symbol: 0, eventTime: try int(Key.E), side: orderSide, status: Self.status(status),
            quantity: try decimal(Key.q, bank: 1), price: try decimal(Key.p, bank: 1),
            averagePrice: try decimal(Slot.ap, bank: 1), lastFilledQuantity: try decimal(Key.l, bank: 1),
            filledQuantity: try decimal(Key.z, bank: 1), tradeTime: try int(Key.T, bank: 1))
        guard let s = try symbol(Key.s, bank: 1, in: symbols) else { return .unknownSymbol }
        f.symbol = s
        return .forceOrder(f)
    }

    static func status(_ b: UnsafeRawBufferPointer) -> OrderStatus {
        if bytesEqual(b, "FILLED") { return .filled }
        if bytesEqual(b, "NEW") { return .new }
        if bytesEqual(b, "PARTIALLY_FILLED") { return .partiallyFilled }
        if bytesEqual(b, "CANCELED") { return .canceled }
        if bytesEqual(b, "EXPIRED") { return .expired }
        return .other
    }

    /// `1s` … `1M`; nil for anything else.
    static func interval(_ b: UnsafeRawBufferPointer) -> KlineInterval? {
        if b.count == 3 {
            if bytesEqual(b, "15m") { return .m15 }
            if bytesEqual(b, "30m") { return .m30 }
            if bytesEqual(b, "12h") { return .h12 }
            return nil
        }
        guard b.count == 2 else { return nil }
        switch (b[0], b[1]) {
        case (0x31, 0x73): return .s1  // 1s
        case (0x31, 0x6D): return .m1  // 1m
        case (0x33, 0x6D): return .m3
        case (0x35, 0x6D): return .m5
        case (0x31, 0x68): return .h1  // 1h
        case (0x32, 0x68): return .h2
        case (0x34, 0x68): return .h4
        case (0x36, 0x68): return .h6
        case (0x38, 0x68): return .h8
        case (0x31, 0x64): return .d1  // 1d
        case (0x33, 0x64): return .d3
        case (0x31, 0x77): return .w1  // 1w
        case (0x31, 0x4D): return .M1  // 1M
        default: return nil
        }
    }
}
