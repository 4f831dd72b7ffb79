import Simulator
@testable import SimulatorServer
import Testing

@Suite("Fault commands and the REST gate")
struct FaultCommandTests {
    func parse(_ q: String) -> Result<FaultCommand, FaultCommandError> {
        FaultCommand.parse(URLDecoding.split(target: "/sim/fault?" + q).query)
    }

    @Test("kinds, venues, symbols, durations and counts parse with defaults")
    func parsing() throws {
        #expect(try parse("kind=drop").get() == FaultCommand(kind: .drop, venue: .spot))
        let stall = try parse("kind=stall&venue=futures&symbol=btcusdt&durationMs=250").get()
        #expect(stall.venue == .futures && stall.symbol == "BTCUSDT" && stall.durationMs == 250)
        #expect(try parse("kind=malformed").get().count == 4)
        #expect(try parse("kind=skipDepth&symbol=ETHUSDT&count=3").get().count == 3)
        #expect(try parse("kind=http429").get().durationMs == 1_000)
        #expect(try parse("kind=ws429&count=2").get() == FaultCommand(kind: .ws429, venue: .spot, durationMs: 1_000, count: 2))
        #expect(try parse("kind=unsubscribedStream&venue=futures").get().durationMs == 5_000)
    }

    @Test("unknown kinds, venues, missing symbols and bad numbers are refused with a reason")
    func refusals() {
        for q in ["", "kind=explode", "kind=drop&venue=margin", "kind=skipTrade", "kind=stall&durationMs=-1",
                  "kind=malformed&count=0", "kind=malformed&count=x"] {
            guard case .failure(let e) = parse(q) else { Issue.record("\(q) accepted"); continue }
            #expect(!e.message.isEmpty)
        }
    }

    @Test("forced 429s open a ban window; requests inside it after them get 418; afterwards all is well")
    func gate() {
        var g = RESTGate(limit: 100)
        let v1 = g.admit(nowMs: 0, weight: 10)
        #expect(v1 == .ok(usedWeight: 10))
        g.arm(count: 2, durationMs: 1_500)
        let v2 = g.admit(nowMs: 1_000, weight: 1)
        #expect(v2 == .tooMany(retryAfter: 2, usedWeight: 10))
        let v3 = g.admit(nowMs: 1_100, weight: 1)
        #expect(v3 == .tooMany(retryAfter: 2, usedWeight: 10))
        let v4 = g.admit(nowMs: 1_200, weight: 1)
        #expect(v4 == .banned(retryAfter: 2, untilMs: 2_600))
        let v5 = g.admit(nowMs: 2_700, weight: 1)
        #expect(v5 == .ok(usedWeight: 11))
    }

    @Test("weight beyond the minute's limit is a 429 until the next minute")
    func weightLimit() {
        var g = RESTGate(limit: 100)
        let v6 = g.admit(nowMs: 60_000, weight: 100)
        #expect(v6 == .ok(usedWeight: 100))
        let v7 = g.admit(nowMs: 90_000, weight: 1)
        #expect(v7 == .tooMany(retryAfter: 30, usedWeight: 101))
        let v8 = g.admit(nowMs: 120_000, weight: 1)
        #expect(v8 == .ok(usedWeight: 1))
    }
}
