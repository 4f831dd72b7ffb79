import Market

/// A deterministic random-walk market for every configured symbol on spot and USD-M futures.
/// `step(nowMs:)` advances it to `nowMs` and returns the Binance events that happened; REST
/// bodies (`BinanceREST`) read the same state, so snapshots and backfills agree with streams.
public struct SimulatedMarket: Sendable {
    public let config: SimConfig
    var rng: SimRandom
    var instruments: [InstrumentState] = []

    public init(config: SimConfig) {
        self.config = config
        rng = SimRandom(seed: config.seed)
        for spec in config.symbols {
            for venue in Venue.allCases {
                instruments.append(InstrumentState(spec: spec, venue: venue, config: config, rng: &rng))
            }
        }
    }

    func index(_ symbol: String, _ venue: Venue) -> Int? {
        instruments.firstIndex { $0.symbol == symbol && $0.venue == venue }
    }

    public func spec(symbol: String) -> SimSymbolSpec? { config.symbols.first { $0.symbol == symbol } }

    /// The current book (nil for an unknown symbol).
    public func book(symbol: String, venue: Venue) -> SimOrderBook? {
        index(symbol, venue).map { instruments[$0].book }
    }

    /// The update id the book is at: the last diff's `u`, and a snapshot's `lastUpdateId`.
    public func lastUpdateId(symbol: String, venue: Venue) -> Int64? {
        index(symbol, venue).map { instruments[$0].lastUpdateId }
    }

    /// Recent trades, oldest first (bounded by `SimConfig.tradeHistory`…twice that).
    public func recentTrades(symbol: String, venue: Venue) -> [SimTrade] {
        index(symbol, venue).map { instruments[$0].trades } ?? []
    }

    /// Recent aggregate trades, oldest first.
    public func recentAggTrades(symbol: String, venue: Venue) -> [SimAggTrade] {
        index(symbol, venue).map { instruments[$0].aggTrades } ?? []
    }

    /// Closed bars then the open one, oldest first (nil for an unknown symbol or interval).
    public func bars(symbol: String, venue: Venue, interval: KlineInterval) -> [SimBar]? {
        guard let i = index(symbol, venue),
              let b = instruments[i].bars.first(where: { $0.interval == interval }) else { return nil }
        return b.closed + (b.current.map { [$0] } ?? [])
    }

    /// The rolling 24 h statistics at `nowMs`.
    public func ticker(symbol: String, venue: Venue, nowMs: Int64) -> SimTicker? {
        index(symbol, venue).map { instruments[$0].ticker(now: nowMs) }
    }

    /// Arms a fault for one instrument; false for an unknown symbol.
    @discardableResult
    public mutating func inject(_ fault: SimFault, symbol: String, venue: Venue) -> Bool {
        guard let i = index(symbol, venue) else { return false }
        switch fault {
        case .depthGap(let n): instruments[i].pendingDepthGap += max(0, n)
        case .tradeIdGap(let n): instruments[i].pendingTradeGap += max(0, n)
        case .malformedFrame: instruments[i].pendingMalformed += 1
        case .dropTradeFrames(let n): instruments[i].pendingDroppedOrders += max(0, n)
        }
        return true
    }

    /// Advances every instrument to `nowMs` (non-decreasing) and returns what happened.
    public mutating func step(nowMs: Int64) -> [SimEvent] {
        var out: [SimEvent] = []
        step(nowMs: nowMs, into: &out)
        return out
    }

    /// As `step(nowMs:)`, appending to `out`.
    public mutating func step(nowMs: Int64, into out: inout [SimEvent]) {
        for i in instruments.indices {
            instruments[i].step(now: nowMs, config: config, rng: &rng, out: &out)
        }
    }
}
