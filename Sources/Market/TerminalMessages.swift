/// The terminal protocol's server messages (API.md §2.3), encoded once per tick. Field names
/// and JSON types are the contract the existing frontend reads; `seq` (the ring sequence) is
/// added so a client can tell a gap, and `timestamp` is the server's receive time in ms.
public enum TerminalMessages {
    /// `trade_update`, from spot `trade` and futures `aggTrade`; `tradeId` (spot trade id,
    /// futures aggregate id) goes out as the extra field `id`; `receivedUs`, the feeder's
    /// receive time in µs, as `recv_us` (what end-to-end latency is measured from).
    public static func tradeUpdate(_ out: inout JSONBytes, symbol: String, tradeId: Int64? = nil, price: Int64,
                                   quantity: Int64, buyerIsMaker: Bool, tradeTimeMs: Int64, timestampMs: Int64,
                                   receivedUs: Int64? = nil, sequence: UInt64?) {
        begin(&out, "trade_update", symbol: symbol)
        out.key("price"); out.fixed(price)
        out.key("quantity"); out.fixed(quantity)
        out.key("is_buyer_maker"); out.bool(buyerIsMaker)
        out.key("trade_time"); out.integer(tradeTimeMs)
        if let tradeId { out.key("id"); out.integer(tradeId) }
        if let receivedUs { out.key("recv_us"); out.integer(receivedUs) }
        end(&out, timestampMs: timestampMs, sequence: sequence)
    }

    /// `price_update`, from the 24 h ticker: last price, absolute and percent change, base volume.
    public static func priceUpdate(_ out: inout JSONBytes, symbol: String, price: Int64, change: Int64,
                                   changePercent: Int64, volume: Int64, timestampMs: Int64, sequence: UInt64?) {
        begin(&out, "price_update", symbol: symbol)
        out.key("price"); out.fixed(price)
        out.key("change"); out.fixed(change)
        out.key("changePercent"); out.fixed(changePercent)
        out.key("volume"); out.fixed(volume)
        end(&out, timestampMs: timestampMs, sequence: sequence)
    }

    /// `depth_update`: levels as `[priceString, qtyString]`; a quantity of `"0"` removes a level.
    public static func depthUpdate(_ out: inout JSONBytes, symbol: String, bids: UnsafeBufferPointer<PriceLevel>,
                                   asks: UnsafeBufferPointer<PriceLevel>, timestampMs: Int64, sequence: UInt64?) {
        begin(&out, "depth_update", symbol: symbol)
        out.key("bids"); levels(&out, bids)
        out.key("asks"); levels(&out, asks)
        end(&out, timestampMs: timestampMs, sequence: sequence)
    }

    /// `kline_update`: the candle of `interval` so far, `is_closed` once it is final; the taker
    /// volumes are extra fields.
    public static func klineUpdate(_ out: inout JSONBytes, symbol: String, interval: KlineInterval, bar: KlineBar,
                                   closed: Bool, timestampMs: Int64, sequence: UInt64?) {
        klineUpdate(&out, symbol: symbol, interval: interval, openTimeMs: bar.openTime, closeTimeMs: bar.closeTime,
                    open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume,
                    takerBuyVolume: bar.takerBuyBase, closed: closed, timestampMs: timestampMs, sequence: sequence)
    }

    /// `kline_update` from the candle's numbers (fixed point) and times (ms).
    public static func klineUpdate(_ out: inout JSONBytes, symbol: String, interval: KlineInterval, openTimeMs: Int64,
                                   closeTimeMs: Int64, open: Int64, high: Int64, low: Int64, close: Int64, volume: Int64,
                                   takerBuyVolume: Int64, closed: Bool, timestampMs: Int64, sequence: UInt64?) {
        begin(&out, "kline_update", symbol: symbol)
        out.key("interval"); out.asciiString(interval.name)
        out.key("open"); out.fixed(open)
        out.key("high"); out.fixed(high)
        out.key("low"); out.fixed(low)
        out.key("close"); out.fixed(close)
        out.key("volume"); out.fixed(volume)
        out.key("is_closed"); out.bool(closed)
        out.key("start_time"); out.integer(openTimeMs)
        out.key("end_time"); out.integer(closeTimeMs)
        // Listed in the original's API document but never sent by it (API.md §6.3 item 4).
        out.key("taker_buy_volume"); out.fixed(takerBuyVolume)
        out.key("taker_sell_volume"); out.fixed(volume - takerBuyVolume)
        end(&out, timestampMs: timestampMs, sequence: sequence)
    }

    /// `mark_price_update`, from futures markPrice; `indexPrice`, which the frontend declares
    /// and the original never sent, goes out as the extra field `index_price` when given.
    public static func markPriceUpdate(_ out: inout JSONBytes, symbol: String, markPrice: Int64, indexPrice: Int64? = nil,
                                       fundingRate: Int64, nextFundingTimeMs: Int64, timestampMs: Int64, sequence: UInt64?) {
        begin(&out, "mark_price_update", symbol: symbol)
        out.key("mark_price"); out.fixed(markPrice)
        if let indexPrice { out.key("index_price"); out.fixed(indexPrice) }
        out.key("funding_rate"); out.fixed(fundingRate)
        out.key("next_funding_time"); out.integer(nextFundingTimeMs)
        end(&out, timestampMs: timestampMs, sequence: sequence)
    }

    /// `liquidation_update`, from futures forceOrder: `price` is the average fill price,
    /// `order_price` the order's price as a string, `quantity` the original quantity.
    public static func liquidationUpdate(_ out: inout JSONBytes, symbol: String, side: OrderSide, averagePrice: Int64,
                                         orderPrice: Int64, quantity: Int64, tradeTimeMs: Int64, status: String,
                                         timestampMs: Int64, sequence: UInt64?) {
        begin(&out, "liquidation_update", symbol: symbol)
        out.key("side"); side == .buy ? out.raw("\"BUY\"") : out.raw("\"SELL\"")
        out.key("price"); out.fixed(averagePrice)
        out.key("order_price"); out.fixedString(orderPrice)
        out.key("quantity"); out.fixed(quantity)
        out.key("trade_time"); out.integer(tradeTimeMs)
        out.key("order_status"); out.asciiString(status)
        end(&out, timestampMs: timestampMs, sequence: sequence)
    }

    static func begin(_ out: inout JSONBytes, _ type: StaticString, symbol: String) {
        out.raw("{")
        out.key("type", first: true)
        out.raw("\""); out.raw(type); out.raw("\"")
        out.key("symbol"); out.asciiString(symbol)
    }

    static func end(_ out: inout JSONBytes, timestampMs: Int64, sequence: UInt64?) {
        out.key("timestamp"); out.integer(timestampMs)
        if let s = sequence { out.key("seq"); out.integer(Int64(bitPattern: s)) }
        out.raw("}")
    }

    private static func levels(_ out: inout JSONBytes, _ side: UnsafeBufferPointer<PriceLevel>) {
        out.raw("[")
        for (i, level) in side.enumerated() {
            if i > 0 { out.raw(",") }
            out.raw("[")
            out.fixedString(level.price)
            out.raw(",")
            out.fixedString(level.quantity)
            out.raw("]")
        }
        out.raw("]")
    }
}
