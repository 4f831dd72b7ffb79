/// Candle history for a freshly made market, so charts and klines REST have bars before the
/// simulator started (trades are not backfilled: REST trades and aggTrades start at the live ones).
extension SimulatedMarket {
    /// Gives every instrument `minutes` closed 1m bars before the minute of `nowMs`, the longer
    /// intervals folded from them, and open bars that already hold their part of the history.
    /// Each minute stands for `stepsPerMinute` live steps (see `HistoryWalk`). Each instrument
    /// draws from its own generator seeded by the config's seed, symbol and venue, so the
    /// history is the same for a seed and the live stream is the same as without history.
    /// Call before the first step, with `config.barHistory` ≥ `minutes` (fewer are kept after
    /// the first roll otherwise).
    public mutating func generateHistory(minutes: Int, nowMs: Int64, stepsPerMinute: Int) {
        guard minutes > 0 else { return }
        let currentMinute = nowMs - nowMs % HistoryWalk.minuteMs
        for i in instruments.indices where !instruments[i].external {
            let walk = HistoryWalk(contract: instruments[i].contract, stepsPerMinute: stepsPerMinute,
                                   maxOrdersPerStep: config.maxTakerOrdersPerStep,
                                   floorTicks: Int64(max(1, config.bookLevels)) + 10)
            var rng = SimRandom(seed: Self.historySeed(config.seed, instruments[i].symbol, instruments[i].venue))
            instruments[i].seedHistory(minutes: minutes, currentMinute: currentMinute, walk: walk, rng: &rng)
        }
    }

    /// FNV-1a over the symbol and venue, mixed with the seed (`Hasher` is seeded per process).
    static func historySeed(_ seed: UInt64, _ symbol: String, _ venue: Venue) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in symbol.utf8 + [venue.rawValue] {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h ^ (seed &* 0x9E37_79B9_7F4A_7C15)
    }
}
