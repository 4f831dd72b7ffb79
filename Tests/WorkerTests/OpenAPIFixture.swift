import Glibc
import Market
import Posix
import ShmRing
import Testing
@testable import Worker

/// A worker's REST handlers over a real segment whose state tables hold what the feeder
/// would have written for BTCUSDT: two hours of 1m candles and some 5m ones in both markets,
/// trades, synced books, a mark price and liquidations. ETHUSDT is served with no data.
/// No database: background work runs on the test's thread with an empty query context.
final class OpenAPIFixture {
    static let minute: Int64 = 60_000
    /// 2024-01-01 00:00 UTC.
    static let t0: Int64 = 1_704_067_200_000
    /// Inside the 121st minute: candles 0…119 closed, 120 open.
    static let now: Int64 = t0 + 120 * minute + 30_000
    static let client = SubscriberID(slot: 5, generation: 1)

    let segment: Segment
    let tables: StateTables
    let rest: MarketREST
    let wake: Int32

    init() throws {
        let fd = try SharedMemory.anonymous(size: Layout.segmentSize(ringCapacity: 64 << 10, symbolCapacity: 4))
        defer { close(fd) }
        segment = try Segment.format(fd: fd, ringCapacity: 64 << 10, symbolCapacity: 4)
        tables = StateTables(segment: segment)
        tables.registerSymbol(index: 0, name: "BTCUSDT")
        tables.registerSymbol(index: 1, name: "ETHUSDT")
        wake = try EventFD.make()
        let directory = StateTableDirectory(tables: tables, configured: ["BTCUSDT", "ETHUSDT"])
        rest = MarketREST(tables: tables, directory: directory, served: [.m1, .m5, .m15, .h1, .h4, .d1],
                          queries: QueryThread(databaseURL: nil, wakeFD: wake), nowMs: { OpenAPIFixture.now })
        for market in [MarketKind.futures, .spot] {
            for i in Int64(0)...120 { candle(.m1, i, market: market) }
            for i in Int64(0)...24 { candle(.m5, i, market: market) }
            trades(market)
            book(market)
        }
        tables.updateMarkPrice(MarkPriceRecord(symbolIndex: 0, flags: RecordFlags.futures, eventTimeMs: Self.now - 500,
                                               receivedNs: 0, markPrice: 42_001 * Fixed.scale, indexPrice: 42_000 * Fixed.scale,
                                               estimatedSettlePrice: 42_002 * Fixed.scale, fundingRate: Fixed.scale / 10_000,
                                               nextFundingTimeMs: Self.t0 + 8 * 3_600_000))
        for (i, age) in [Int64(30), 20, 5].enumerated() {
            tables.appendLiquidation(LiquidationRecord(
                symbolIndex: 0, flags: RecordFlags.futures, side: UInt8(i % 2), status: OrderStatus.filled.rawValue,
                eventTimeMs: Self.now - age * Self.minute + 3, tradeTimeMs: Self.now - age * Self.minute, receivedNs: 0,
                price: 42_000 * Fixed.scale, averagePrice: 42_010 * Fixed.scale, originalQuantity: Fixed.scale / 4,
                lastFilledQuantity: Fixed.scale / 4, filledQuantity: Fixed.scale / 4))
        }
    }

    deinit { close(wake) }

    /// Candle `i` of `interval` from t0: prices around 42000 drifting up, taker buys 60 %.
    func candle(_ interval: KlineInterval, _ i: Int64, market: MarketKind) {
        let f = Fixed.scale
        let length = interval.milliseconds!
        let open = Self.t0 + i * length
        let base = (42_000 + i) * f
        let c = Candle(openTimeMs: open, closeTimeMs: open + length - 1, firstTradeId: 100 * i,
                       lastTradeId: 100 * i + i, open: base, high: base + 3 * f, low: base - 2 * f,
                       close: base + f, volume: (i % 7 + 1) * f, quoteVolume: (i % 7 + 1) * 42_000 * f, tradeCount: i + 1,
                       takerBuyBase: (i % 7 + 1) * f * 3 / 5, takerBuyQuote: (i % 7 + 1) * 25_200 * f,
                       closed: open + length <= Self.now)
        tables.updateCandle(symbolIndex: 0, market: market, interval: interval.rawValue, candle: c)
    }

    /// 20 trades over the last 20 seconds, alternately taker buy and taker sell; in futures,
    /// aggregated trades of two trades each.
    func trades(_ market: MarketKind) {
        for i in Int64(0)..<20 {
            let maker = i % 2 == 0 ? TradeRecord.buyerIsMaker : 0
            let price = (42_120 * Fixed.scale) + i * Fixed.scale / 2
            let time = Self.now - (20 - i) * 1000
            guard market == .futures else {
                tables.updateTrade(TradeRecord(symbolIndex: 0, flags: maker, price: price, quantity: Fixed.scale / 100 * (i + 1),
                                               tradeId: 9_000 + i, tradeTimeMs: time, receivedNs: 0))
                continue
            }
            tables.updateTrade(AggTradeRecord(symbolIndex: 0, flags: TradeRecord.futures | maker, price: price,
                                              quantity: Fixed.scale / 100 * (i + 1), aggregateId: 9_000 + i,
                                              firstTradeId: 20_000 + 2 * i, lastTradeId: 20_001 + 2 * i, tradeTimeMs: time,
                                              eventTimeMs: time + 2, receivedNs: 0))
        }
    }

    /// A synced book: five levels a side around 42120.
    func book(_ market: MarketKind) {
        let bids = (0..<5).map { BookLevel(price: (42_120 - Int64($0)) * Fixed.scale, quantity: Fixed.scale * Int64($0 + 1)) }
        let asks = (0..<5).map { BookLevel(price: (42_121 + Int64($0)) * Fixed.scale, quantity: Fixed.scale / 2 * Int64($0 + 1)) }
        let top = BookTop(lastUpdateId: 77, eventTimeMs: Self.now - 100, transactionTimeMs: Self.now - 101, receivedNs: 0, synced: true)
        bids.withUnsafeBufferPointer { b in
            asks.withUnsafeBufferPointer { a in tables.updateBook(symbolIndex: 0, market: market, top: top, bids: b, asks: a) }
        }
    }

    /// The answer to a sample: background work (analytics, `/multi`) is run here on an empty
    /// query context, questions to the feeder here too; everything else goes through
    /// `MarketREST.answer`, as the loop calls it.
    func respond(_ sample: APISample) -> RESTResponse {
        let request = sample.request
        if case .route(let route) = APIRoute.match(method: request.method, path: request.path) {
            switch try? rest.handle(route, QueryParameters(request.query), request) {
            case .background(let work)?: return work(QueryContext(databaseURL: nil, cache: nil))
            case .feeder(let question)?: return question()
            default: break
            }
        }
        guard case .response(let response) = rest.answer(request, subscriber: Self.client) else {
            Issue.record("\(sample) was handed to the query thread")
            return .notFound
        }
        return response
    }
}
