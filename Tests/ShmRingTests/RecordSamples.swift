@testable import ShmRing

/// One sample of every record type, with every field distinct, for the round-trip tests.
enum RecordSamples {
    static let futures = RecordFlags.futures

    static let trade = TradeRecord(symbolIndex: 3, flags: TradeRecord.buyerIsMaker, price: 6_183_763_000_000,
                                   quantity: 2_000_000, tradeId: 3_735_683_259, tradeTimeMs: 1_723_161_255_342,
                                   receivedNs: 1_723_161_255_030_314_667)
    static let aggTrade = AggTradeRecord(symbolIndex: 4, flags: futures | TradeRecord.buyerIsMaker, price: 6_180_020_000_000,
                                         quantity: 14_000_000, aggregateId: 2_244_101_001, firstTradeId: 5_188_000_001,
                                         lastTradeId: 5_188_000_004, tradeTimeMs: 1_723_161_256_560,
                                         eventTimeMs: 1_723_161_256_561, receivedNs: 1_723_161_255_300_000_000)
    static let candle = Candle(openTimeMs: 1_577_836_800_000, closeTimeMs: 1_577_836_859_999,
                               firstTradeId: 225_006_000, lastTradeId: 225_006_492, open: 719_524_000_000,
                               high: 719_625_000_000, low: 718_314_000_000, close: 718_668_000_000, volume: 5_164_281_200,
                               quoteVolume: 37_123_351_835_535, tradeCount: 493, takerBuyBase: 1_959_823_000,
                               takerBuyQuote: 14_088_841_428_273, closed: true)
    static let kline = KlineRecord(symbolIndex: 5, flags: futures, interval: 1, eventTimeMs: 1_577_836_860_001,
                                   receivedNs: 77, candle: candle)
    static let bookTicker = BookTickerRecord(symbolIndex: 6, flags: 0, updateId: 50_093_239_219, bidPrice: 6_183_762_000_000,
                                             bidQuantity: 101, askPrice: 6_183_763_000_000, askQuantity: 202,
                                             eventTimeMs: 0, transactionTimeMs: 0, receivedNs: 88)
    static let ticker = TickerRecord(symbolIndex: 7, flags: futures, eventTimeMs: 1_723_161_256_000, receivedNs: 99,
                                     lastPrice: 1, open: 2, high: 3, low: 4, volume: 5, quoteVolume: 6, priceChange: -7,
                                     priceChangePercent: -8, tradeCount: 9)
    static let markPrice = MarkPriceRecord(symbolIndex: 1, flags: futures, eventTimeMs: 10, receivedNs: 11, markPrice: 12,
                                           indexPrice: 13, estimatedSettlePrice: 14, fundingRate: 10_000,
                                           nextFundingTimeMs: 15)
    static let liquidation = LiquidationRecord(symbolIndex: 2, flags: futures, side: 1, status: 2, eventTimeMs: 20,
                                               tradeTimeMs: 21, receivedNs: 22, price: 23, averagePrice: 24,
                                               originalQuantity: 25, lastFilledQuantity: 26, filledQuantity: 27)
    static let gap = FeedGapRecord(symbolIndex: FeedGapRecord.allSymbols, flags: futures, channel: .depth,
                                   reason: .sequenceBreak, status: .open, gapId: 9, fromId: 100, toId: 120,
                                   fromTimeMs: 30, toTimeMs: 31, receivedNs: 32)
    static let epoch = EpochStartRecord(epoch: 7, writerPid: 1234, startedRealtimeNs: 5)
    static let depthHeader = DepthDiffHeader(symbolIndex: 0, flags: futures, firstUpdateId: 5_123_107_832_006,
                                             finalUpdateId: 5_123_107_837_557, previousFinalUpdateId: 5_123_107_831_937,
                                             eventTimeMs: 1_723_161_256_299, transactionTimeMs: 1_723_161_256_298,
                                             receivedNs: 1_723_161_255_030_314_667)
    static let snapshotHeader = BookSnapshotHeader(symbolIndex: 0, flags: BookSnapshotHeader.resync, lastUpdateId: 50_093_239_218,
                                                   eventTimeMs: 0, transactionTimeMs: 0, receivedNs: 40)

    /// `count` levels whose prices and quantities derive from `seed` and the index.
    static func levels(_ count: Int, seed: Int64) -> [BookLevel] {
        (0..<count).map { BookLevel(price: seed &* 1_000_003 &+ Int64($0) &* 7, quantity: seed &+ Int64($0)) }
    }
}
