import Posix
import Simulator
import Synchronization

/// The one thread that makes market data: steps the model at the configured rate (or plays the
/// recording on its clock) and fans every event out to the subscribed connections.
final class Generator: @unchecked Sendable {
    let core: SimulationCore
    let hub: Hub
    let fanOut: FanOut
    let running = Atomic<Bool>(true)
    /// Steps taken and events produced, for the state document.
    let steps = Atomic<Int>(0)
    let eventsProduced = Atomic<Int>(0)

    init(core: SimulationCore, hub: Hub) {
        self.core = core
        self.hub = hub
        fanOut = FanOut(specs: core.specs, stats: core.stats)
    }

    func stop() { running.store(false, ordering: .releasing) }

    func run() {
        if core.isReplay { runReplay() } else { runRandom() }
    }

    /// Paces steps so that events track `rate` × symbols per second; never bursts to catch up
    /// more than a second.
    private func runRandom() {
        let perSecond = max(1, core.options.rate * Double(core.options.symbols.count))
        var events: [SimEvent] = []
        var partials: [(topic: Topic, payload: [UInt8])] = []
        var base = Clock.monotonicNanos()
        var produced = 0.0
        var lastMs: Int64 = 0
        while running.load(ordering: .acquiring) {
            events.removeAll(keepingCapacity: true)
            partials.removeAll(keepingCapacity: true)
            let table = hub.currentTable()
            lastMs = max(lastMs, Clock.realtimeMillis())
            core.stepRandom(nowMs: lastMs, table: table, events: &events, partials: &partials)
            fanOut.deliver(events, partials: partials, table: table)
            core.recordDelivered(fanOut.delivered)
            _ = steps.wrappingAdd(1, ordering: .relaxed)
            _ = eventsProduced.wrappingAdd(events.count, ordering: .relaxed)
            produced += Double(max(1, events.count))
            let target = base + Int64(produced / perSecond * 1e9)
            let now = Clock.monotonicNanos()
            if now - target > 1_000_000_000 {
                base = now
                produced = 0
            } else if target - now > 200_000 {
                Threads.sleep(nanos: min(target - now, 50_000_000))
            }
        }
    }

    /// About how many steps `runRandom` takes a minute at `rate`, for the candle history to
    /// move and trade like the live walk: a step makes about 11 events per symbol (fills,
    /// aggregate trades, a diff, a bookTicker on both venues), and a step's sleep is capped at
    /// 50 ms, so below about 220 events per second per symbol steps come 20 times a second.
    static func stepsPerMinute(rate: Double) -> Int {
        guard rate.isFinite, rate > 0 else { return 1_200 }
        return Int(min(60_000, max(1_200, (rate / 11 * 60).rounded())))
    }

    private func runReplay() {
        var events: [SimEvent] = []
        var partials: [(topic: Topic, payload: [UInt8])] = []
        var emitted: [ReplayEngine.Emitted] = []
        while running.load(ordering: .acquiring) {
            events.removeAll(keepingCapacity: true)
            partials.removeAll(keepingCapacity: true)
            let table = hub.currentTable()
            let now = Clock.monotonicNanos()
            let next = core.stepReplay(now: now, table: table, events: &events, partials: &partials, emitted: &emitted)
            fanOut.deliver(events, partials: partials, table: table)
            core.recordDelivered(fanOut.delivered)
            _ = steps.wrappingAdd(1, ordering: .relaxed)
            _ = eventsProduced.wrappingAdd(events.count, ordering: .relaxed)
            let wait = min(next - Clock.monotonicNanos(), 10_000_000)
            if wait > 100_000 { Threads.sleep(nanos: wait) }
        }
    }
}
