import Market

/// One symbol on one venue: its book, id counters, bars and recent trades.
struct InstrumentState: Sendable {
    let symbol: String
    let venue: Venue
    let contract: SimContractSpec
    var book = SimOrderBook()
    var bestBidTicks: Int64
    var spreadTicks: Int64 = 1
    var lastUpdateId: Int64
    var nextTradeId: Int64
    var nextAggregateId: Int64
    var trades: [SimTrade] = []
    var aggTrades: [SimAggTrade] = []
    var bars: [IntervalBars]
    var lastPrice: Int64
    var lastQuantity: Int64 = 0
    var fundingRate: Int64 = 10_000  // 0.0001
    var nextKlinePush: Int64 = .min
    var nextTickerPush: Int64 = .min
    var nextMarkPush: Int64 = .min
    var pendingDepthGap = 0
    var pendingTradeGap = 0
    var pendingMalformed = 0
    var pendingDroppedOrders = 0
    /// Driven from outside (a replay): steps only roll bars and push the periodic streams.
    var external = false
    var touchedBids: [Int64] = []
    var touchedAsks: [Int64] = []

    init(spec: SimSymbolSpec, venue: Venue, config: SimConfig, rng: inout SimRandom) {
        symbol = spec.symbol
        self.venue = venue
        contract = spec.contract(venue)
        bestBidTicks = spec.startPrice / contract.tickSize
        lastPrice = bestBidTicks * contract.tickSize
        lastUpdateId = rng.int(1_000_000_000...9_000_000_000)
        nextTradeId = rng.int(100_000_000...900_000_000)
        nextAggregateId = rng.int(10_000_000...90_000_000)
        var intervals = config.klineIntervals.filter { intervalMilliseconds($0) != nil }
        if !intervals.contains(.m1) { intervals.insert(.m1, at: 0) }  // the 24 h ticker reads 1m bars
        bars = intervals.map { IntervalBars(interval: $0, ms: intervalMilliseconds($0)!) }
        for offset in 0..<Int64(config.bookLevels) {
            book.set(bid: true, price: (bestBidTicks - offset) * contract.tickSize, quantity: levelQuantity(&rng))
            book.set(bid: false, price: (bestBidTicks + 1 + offset) * contract.tickSize,
                     quantity: levelQuantity(&rng))
        }
    }

    func levelQuantity(_ rng: inout SimRandom) -> Int64 {
        rng.int(1...max(1, contract.maxLevelQuantity / contract.stepSize)) * contract.stepSize
    }

    /// Keeps a history between `capacity` and twice that (amortised trimming).
    static func trim<T>(_ a: inout [T], _ capacity: Int) {
        if a.count > 2 * capacity { a.removeFirst(a.count - capacity) }
    }
}

/// The open bar and the closed ones of one interval.
struct IntervalBars: Sendable {
    let interval: KlineInterval
    let ms: Int64
    var current: SimBar?
    var closed: [SimBar] = []
}
