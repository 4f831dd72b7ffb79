import Glibc
@testable import Store

/// Rows for the storage tests, with values that test the edges: the smallest fixed-point
/// step, prices past a billion, negative-free quantities with all eight decimals.
enum Rows {
    /// 2024-01-01T00:00:00Z in ms.
    static let t0: Int64 = 1_704_067_200_000

    static func candle(_ symbol: String = "BTCUSDT", market: StoreMarket = .futures, interval: String = "1m",
                       minute: Int64 = 0, close: Int64 = 4_200_550_000_000, closed: Bool = true) -> CandleRow {
        CandleRow(symbol: symbol, market: market, interval: interval, openTimeMs: t0 + minute * 60_000,
                  closeTimeMs: t0 + minute * 60_000 + 59_999, open: 4_200_010_000_000, high: 4_201_000_000_000,
                  low: 4_199_000_000_000, close: close, volume: 1_250_000_000, quoteVolume: 52_500_025_000_000,
                  tradeCount: 321, takerBuyBase: 725_000_000, takerBuyQuote: 30_450_010_000_000, closed: closed)
    }

    static func trade(_ id: Int64, symbol: String = "BTCUSDT", market: StoreMarket = .futures) -> TradeRow {
        TradeRow(symbol: symbol, market: market, tradeId: id, price: 4_200_050_000_000 + id, quantity: 1_000_000,
                 buyerIsMaker: id % 2 == 0, tradeTimeMs: t0 + id,
                 firstTradeId: market == .futures ? id * 10 : nil, lastTradeId: market == .futures ? id * 10 + 2 : nil)
    }

    static func liquidation(_ n: Int64 = 0) -> LiquidationRow {
        LiquidationRow(symbol: "BTCUSDT", side: n % 2 == 0 ? "SELL" : "BUY", orderType: "LIMIT", timeInForce: "IOC",
                       originalQuantity: 1_400_000 + n, price: 991_000_000_000, averagePrice: 991_012_345_678,
                       status: "FILLED", lastFilledQuantity: 1_400_000, filledAccumulatedQuantity: 1_400_000 + n,
                       tradeTimeMs: t0 + 2_000 + n)
    }

    static func snapshot(second: Int64 = 5, binSize: Int64 = 1_000_000_000) -> BookSnapshotRow {
        BookSnapshotRow(symbol: "BTCUSDT", market: .futures, snapshotTimeMs: t0 + second * 1000, binSize: binSize,
                        lastUpdateId: 777,
                        bids: [BinnedLevel(price: 4_200_000_000_000, quantity: 150_000_000), BinnedLevel(price: 4_199_000_000_000, quantity: 1)],
                        asks: [BinnedLevel(price: 4_201_000_000_000, quantity: 75_000_000)])
    }

    static func batch(trades: ClosedRange<Int64> = 1...3) -> RowBatch {
        var b = RowBatch()
        b.candles = [candle(), candle(minute: 1, closed: false)]
        b.trades = trades.map { trade($0) } + [trade(1, market: .spot)]
        b.liquidations = [liquidation(0), liquidation(1)]
        b.bookSnapshots = [snapshot()]
        return b
    }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass; whether it held.
func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Double(clockMillis()) + seconds * 1000
    while Double(clockMillis()) < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}

func clockMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}
