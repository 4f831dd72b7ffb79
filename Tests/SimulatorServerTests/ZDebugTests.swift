import Simulator
@testable import SimulatorServer
import Testing

@Test func debugGap() {
    var o = SimulatorOptions()
    o.rate = 200
    let core = SimulationCore(options: o, recording: nil, stats: ServerStats(), startMonotonic: 0, startWallMs: 0)
    var events: [SimEvent] = []
    var partials: [(topic: Topic, payload: [UInt8])] = []
    core.stepRandom(nowMs: 1_000, table: .empty, events: &events, partials: &partials)
    print("inject", core.injectDataFault(FaultCommand(kind: .skipDepth, venue: .spot, symbol: "BTCUSDT", count: 7)))
    core.state.withLock { s in print("pending", s.market.lastUpdateId(symbol: "BTCUSDT", venue: .spot) ?? -1) }
    for k in 0..<3 {
        events.removeAll()
        core.stepRandom(nowMs: 1_100 + Int64(k) * 100, table: .empty, events: &events, partials: &partials)
        for e in events { if case .depthUpdate(let d) = e, d.venue == .spot, d.symbol == "BTCUSDT" { print(d.firstUpdateId, d.finalUpdateId) } }
    }
}
