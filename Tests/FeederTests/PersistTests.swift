import Glibc
import Testing
@testable import Feeder
@testable import Market
import ShmRing
import Store

/// A record's bytes, as a reader copies them out of the ring.
func payload<R: BitwiseCopyable>(_ r: R) -> [UInt8] { withUnsafeBytes(of: r) { Array($0) } }

func snapshotPayload(_ h: BookSnapshotHeader, bids: [BookLevel], asks: [BookLevel]) -> [UInt8] {
    var header = h
    header.bidCount = UInt32(bids.count)
    header.askCount = UInt32(asks.count)
    return payload(header) + bids.flatMap { payload($0) } + asks.flatMap { payload($0) }
}

extension PersistConverter {
    mutating func feed<R: RingRecord>(_ r: R) {
        let bytes = payload(r)
        bytes.withUnsafeBytes { handle(type: R.recordType.rawValue, payload: $0) }
    }
}

let t0: Int64 = 1_704_067_200_000

func kline(_ symbol: UInt32 = 0, flags: UInt32 = RecordFlags.futures, minute: Int64 = 0, close: Int64, closed: Bool) -> KlineRecord {
    let candle = Candle(openTimeMs: t0 + minute * 60_000, closeTimeMs: t0 + minute * 60_000 + 59_999, firstTradeId: 1,
                        lastTradeId: 3, open: 100, high: 300,
                        low: 50, close: close, volume: 7, quoteVolume: 700, tradeCount: 3, takerBuyBase: 2, takerBuyQuote: 200,
                        closed: closed)
    return KlineRecord(symbolIndex: symbol, flags: flags, interval: KlineInterval.m1.rawValue, eventTimeMs: t0, receivedNs: 0,
                       candle: candle)
}

@Suite("Persistence: ring records to rows")
struct PersistConverterTests {
    @Test("spot trades, futures aggregate trades and liquidations become rows with their ids and Binance's spellings")
    func trades() {
        var c = PersistConverter(symbols: ["BTCUSDT", "ETHUSDT"])
        c.feed(TradeRecord(symbolIndex: 1, flags: TradeRecord.buyerIsMaker, price: 1, quantity: 2, tradeId: 9, tradeTimeMs: t0, receivedNs: 0))
        c.feed(AggTradeRecord(symbolIndex: 0, flags: RecordFlags.futures, price: 3, quantity: 4, aggregateId: 77, firstTradeId: 70,
                              lastTradeId: 72, tradeTimeMs: t0 + 1, eventTimeMs: t0 + 2, receivedNs: 0))
        c.feed(TradeRecord(symbolIndex: 5, flags: 0, price: 1, quantity: 1, tradeId: 1, tradeTimeMs: 1, receivedNs: 0))
        c.feed(LiquidationRecord(symbolIndex: 0, flags: RecordFlags.futures, side: 1, status: 2, eventTimeMs: t0, tradeTimeMs: t0 + 5,
                                 receivedNs: 0, price: 10, averagePrice: 11, originalQuantity: 12, lastFilledQuantity: 13,
                                 filledQuantity: 14))
        #expect(c.rows.trades == [
            TradeRow(symbol: "ETHUSDT", market: .spot, tradeId: 9, price: 1, quantity: 2, buyerIsMaker: true, tradeTimeMs: t0),
            TradeRow(symbol: "BTCUSDT", market: .futures, tradeId: 77, price: 3, quantity: 4, buyerIsMaker: false, tradeTimeMs: t0 + 1,
                     firstTradeId: 70, lastTradeId: 72),
        ], "a symbol index outside the configuration is skipped")
        #expect(c.rows.liquidations == [
            LiquidationRow(symbol: "BTCUSDT", side: "SELL", orderType: "LIMIT", timeInForce: "IOC", originalQuantity: 12, price: 10,
                           averagePrice: 11, status: "FILLED", lastFilledQuantity: 13, filledAccumulatedQuantity: 14, tradeTimeMs: t0 + 5),
        ])
    }

    @Test("open candle updates are conflated to the latest; a close goes at once and supersedes the pending open")
    func candles() {
        var c = PersistConverter(symbols: ["BTCUSDT"])
        c.feed(kline(close: 1, closed: false))
        c.feed(kline(close: 2, closed: false))
        c.feed(kline(flags: 0, close: 5, closed: false))
        #expect(c.rows.candles.isEmpty, "open updates wait")
        c.takeOpenCandles()
        #expect(c.rows.candles.map { [$0.close, $0.closed ? 1 : 0] } == [[2, 0], [5, 0]])
        #expect(c.rows.candles.map(\.market) == [.futures, .spot] && c.rows.candles[0].interval == "1m")
        c.rows.removeAll()
        c.takeOpenCandles()
        #expect(c.rows.candles.isEmpty, "nothing twice")

        c.feed(kline(close: 3, closed: false))
        c.feed(kline(close: 4, closed: true))
        c.feed(kline(minute: 1, close: 6, closed: false))
        #expect(c.rows.candles.map(\.close) == [4], "the close at once")
        c.takeOpenCandles()
        #expect(c.rows.candles.map(\.close) == [4, 6], "the next candle's open update stays; the superseded one is gone")
        #expect(c.rows.candles[0].closeTimeMs == t0 + 59_999 && c.rows.candles[0].tradeCount == 3 && c.rows.candles[0].takerBuyQuote == 200)
    }

    @Test("a book snapshot record is binned with a step chosen from its mid price")
    func bookSnapshot() {
        var c = PersistConverter(symbols: ["BTCUSDT"])
        let h = BookSnapshotHeader(symbolIndex: 0, flags: RecordFlags.futures, lastUpdateId: 42, eventTimeMs: t0 + 9,
                                   transactionTimeMs: 0, receivedNs: 0)
        let usd: Int64 = 100_000_000
        let bids = [BookLevel(price: 100_000 * usd, quantity: 1), BookLevel(price: 99_999 * usd + usd / 2, quantity: 2),
                    BookLevel(price: 99_998 * usd, quantity: 0), BookLevel(price: 99_997 * usd, quantity: 4)]
        let asks = [BookLevel(price: 100_001 * usd, quantity: 5), BookLevel(price: 100_001 * usd + usd / 10, quantity: 6)]
        snapshotPayload(h, bids: bids, asks: asks).withUnsafeBytes { c.handle(type: RecordType.bookSnapshot.rawValue, payload: $0) }
        #expect(c.rows.bookSnapshots == [BookSnapshotRow(
            symbol: "BTCUSDT", market: .futures, snapshotTimeMs: t0 + 9, binSize: usd, lastUpdateId: 42,
            bids: [BinnedLevel(price: 100_000 * usd, quantity: 1), BinnedLevel(price: 99_999 * usd, quantity: 2),
                   BinnedLevel(price: 99_997 * usd, quantity: 4)],
            asks: [BinnedLevel(price: 100_001 * usd, quantity: 11)])])
        #expect(c.binSizes[1] == usd)
    }

    @Test("bin steps are 1, 2 or 5 × 10^k near a 100 000th of the price; sums saturate")
    func binning() {
        let usd: Int64 = 100_000_000
        #expect(BookBinning.binSize(forPrice: 100_000 * usd) == usd)
        #expect(BookBinning.binSize(forPrice: 3_500 * usd) == 2 * usd / 100)
        #expect(BookBinning.binSize(forPrice: 70_000_000) == 500)
        #expect(BookBinning.binSize(forPrice: 1) == 1)
        #expect(BookBinning.referencePrice(bestBid: 10, bestAsk: 20) == 15)
        #expect(BookBinning.referencePrice(bestBid: nil, bestAsk: 20) == 20 && BookBinning.referencePrice(bestBid: nil, bestAsk: nil) == nil)
        let bins = BookBinning.bin([BookLevel(price: 15, quantity: Int64.max), BookLevel(price: 11, quantity: 5)], size: 10)
        #expect(bins == [BinnedLevel(price: 10, quantity: Int64.max)])
    }

    @Test("a full first spot page asks for the older candles up to 1500; futures get 1500 at once")
    func history() {
        let bars = (0..<1000).map { i in
            KlineBar(openTime: t0 + Int64(i) * 60_000, closeTime: t0 + Int64(i) * 60_000 + 59_999, open: 1, high: 1, low: 1,
                     close: 1, volume: 1, quoteVolume: 1, tradeCount: 1, takerBuyBase: 1, takerBuyQuote: 1)
        }
        #expect(PersistPipeline.historyLimit(.spot) == 1000 && PersistPipeline.historyLimit(.futures) == 1500)
        let older = PersistPipeline.olderPage(symbol: 2, market: .spot, interval: .m1, startTime: nil, limit: 1000, bars: bars)
        #expect(older == .klines(symbol: 2, market: .spot, interval: .m1, startTime: t0 - 500 * 60_000, limit: 500))
        #expect(PersistPipeline.olderPage(symbol: 2, market: .spot, interval: .m1, startTime: nil, limit: 1000,
                                          bars: Array(bars.prefix(999))) == nil, "a short page: no older candles")
        #expect(PersistPipeline.olderPage(symbol: 2, market: .spot, interval: .m1, startTime: t0, limit: 1000, bars: bars) == nil)
        #expect(PersistPipeline.olderPage(symbol: 2, market: .futures, interval: .h4, startTime: nil, limit: 1500,
                                          bars: bars + bars.prefix(500)) == nil)
        #expect(PersistPipeline.intervalMs(.h4) == 14_400_000 && PersistPipeline.intervalMs(.w1) == 604_800_000)
    }
}
