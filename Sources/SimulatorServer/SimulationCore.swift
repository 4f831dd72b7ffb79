import Market
import Posix
import Simulator

/// The simulated exchange's state behind one lock: the random-walk model, the replay engine,
/// trade ledgers, per-instrument counters and the REST gates. The generator thread steps it;
/// connection threads read REST bodies from it; the control API injects faults into it.
public final class SimulationCore: @unchecked Sendable {
    public let options: SimulatorOptions
    public let specs: [SimSymbolSpec]
    public let instruments: [InstrumentKey]
    /// Minutes of candle history the random walk started with (0 in replay mode), ending at
    /// `historyEndMs`, the minute the simulator started in (its first live bar).
    public let historyMinutes: Int
    public let historyEndMs: Int64
    public let stats: ServerStats
    let state: Locked<State>

    struct State {
        var market: SimulatedMarket
        var replay: ReplayEngine?
        /// Recorded instruments → replay group index.
        var replayGroups: [InstrumentKey: Int] = [:]
        var ledgers: [InstrumentKey: TradeLedger] = [:]
        var counters: [InstrumentKey: InstrumentCounters] = [:]
        var pulledTrade: [InstrumentKey: Int64] = [:]
        var pulledAgg: [InstrumentKey: Int64] = [:]
        var partials: [Topic: PartialState] = [:]
        var gates: [Venue: RESTGate] = [.spot: RESTGate(limit: 6_000), .futures: RESTGate(limit: 2_400)]
        /// The `ws429` fault's forced 429s and ban window for WebSocket upgrades (no weight).
        var upgradeGates: [Venue: RESTGate] = [.spot: RESTGate(limit: .max), .futures: RESTGate(limit: .max)]
        var faultLog: [FaultRecord] = []
        var nextModelStepMs: Int64 = 0
    }

    struct PartialState {
        var nextDueMs: Int64 = 0
        var lastUpdateId: Int64 = 0
    }

    public var isReplay: Bool { !options.replayFiles.isEmpty }

    /// Builds the model (and the replay engine when `recording` is given).
    public init(options: SimulatorOptions, recording: ReplayRecording?, stats: ServerStats,
                startMonotonic: Int64, startWallMs: Int64) {
        self.options = options
        self.stats = stats
        var specs: [SimSymbolSpec] = []
        for g in recording?.groups ?? [] where !specs.contains(where: { $0.symbol == g.symbol }) {
            specs.append(Self.spec(recorded: g, all: recording!.groups))
        }
        for s in options.symbols where !specs.contains(where: { $0.symbol == s }) { specs.append(SymbolSpecs.spec(for: s)) }
        self.specs = specs
        instruments = specs.flatMap { s in Venue.allCases.map { InstrumentKey(venue: $0, symbol: s.symbol) } }
        var config = SimConfig(seed: options.seed, symbols: specs)
        config.klineIntervals = KlineInterval.allCases.filter { $0 != .M1 }
        config.markPricePushMs = 1_000
        config.tradeHistory = 4_000
        historyMinutes = recording == nil ? max(0, options.historyMinutes) : 0
        config.barHistory = max(config.barHistory, historyMinutes)
        historyEndMs = startWallMs - startWallMs % 60_000
        var s = State(market: SimulatedMarket(config: config))
        s.market.generateHistory(minutes: historyMinutes, nowMs: startWallMs,
                                 stepsPerMinute: Generator.stepsPerMinute(rate: options.rate))
        for key in instruments {
            s.ledgers[key] = TradeLedger(venue: key.venue, symbol: key.symbol, capacity: options.history)
            s.counters[key] = InstrumentCounters()
            s.pulledTrade[key] = -1
            s.pulledAgg[key] = -1
        }
        if let recording {
            let engine = ReplayEngine(recording: recording, speed: options.replaySpeed, startMonotonic: startMonotonic,
                                      startWallMs: startWallMs)
            for (i, g) in recording.groups.enumerated() {
                let key = InstrumentKey(venue: g.venue, symbol: g.symbol)
                s.replayGroups[key] = i
                s.market.setExternal(symbol: g.symbol, venue: g.venue)
                s.market.setExternalTop(symbol: g.symbol, venue: g.venue, bid: g.initialBook.bestBid,
                                        ask: g.initialBook.bestAsk)
                s.counters[key]?.lastDepthUpdateId = g.snapshotId
            }
            s.replay = engine
        }
        state = Locked(s)
    }

    /// A recorded symbol's spec: the recorded venue's contract as inferred, the other venue's
    /// from the built-in spec, the random walk starting at the recorded price.
    static func spec(recorded g: ReplayGroup, all: [ReplayGroup]) -> SimSymbolSpec {
        var spec = SymbolSpecs.spec(for: g.symbol)
        for other in all where other.symbol == g.symbol {
            if other.venue == .spot { spec.spot = other.contract } else { spec.futures = other.contract }
        }
        let tick = max(spec.spot.tickSize, spec.futures.tickSize)
        if g.firstPrice > 0 { spec.startPrice = max(tick, g.firstPrice / tick * tick) }
        return spec
    }

    func spec(_ symbol: String) -> SimSymbolSpec? { specs.first { $0.symbol == symbol } }

    /// The book and update id REST and partial depth serve for an instrument.
    func book(_ s: State, _ key: InstrumentKey) -> (book: SimOrderBook, id: Int64)? {
        if let g = s.replayGroups[key], let r = s.replay {
            return (r.cursors[g].book, r.cursors[g].lastUpdateId)
        }
        guard let b = s.market.book(symbol: key.symbol, venue: key.venue),
              let id = s.market.lastUpdateId(symbol: key.symbol, venue: key.venue) else { return nil }
        return (b, id)
    }
}
