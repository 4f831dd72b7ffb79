import Testing
@testable import Worker

/// The per-connection message budget as a pure value, driven by a hand-moved clock.
@Suite("Terminal message budget")
struct MessageBudgetTests {
    static let ms: Int64 = 1_000_000
    static let limits = MessageBudget.Limits(perSecond: 20, burst: 50, closeAfter: .seconds(5))

    /// Spends `count` messages of `weight` at `now`; returns the verdicts.
    static func spend(_ budget: inout MessageBudget, _ count: Int, _ weight: MessageWeight = .light, at now: Int64,
                      limits: MessageBudget.Limits = limits) -> [MessageBudget.Verdict] {
        (0..<count).map { _ in budget.spend(weight, now: now, limits: limits) }
    }

    @Test("a quiet connection spends its whole burst at once, then one message per refill (20/s: one every 50 ms)")
    func burstThenRate() {
        var budget = MessageBudget()
        let start: Int64 = 7_000 * Self.ms
        #expect(Self.spend(&budget, 50, at: start).allSatisfy { $0 == .process })
        #expect(budget.spend(.light, now: start, limits: Self.limits) == .refuse(notify: true))
        #expect(budget.spend(.light, now: start + 49 * Self.ms, limits: Self.limits) == .refuse(notify: false))
        #expect(budget.spend(.light, now: start + 50 * Self.ms, limits: Self.limits) == .process)
        #expect(budget.spend(.light, now: start + 50 * Self.ms, limits: Self.limits) == .refuse(notify: false))
        // Quiet for the burst's refill (2.5 s): the whole burst again.
        #expect(Self.spend(&budget, 50, at: start + 2_550 * Self.ms).allSatisfy { $0 == .process })
    }

    @Test("a subscribe or getStats weighs five pings and a resume ten; a weight above the whole burst costs the burst")
    func weights() {
        var budget = MessageBudget()
        #expect(Self.spend(&budget, 10, .heavy, at: 0).allSatisfy { $0 == .process })
        #expect(budget.spend(.light, now: 0, limits: Self.limits) != .process)
        budget = MessageBudget()
        #expect(Self.spend(&budget, 5, .resume, at: 0).allSatisfy { $0 == .process })
        #expect(budget.spend(.light, now: 0, limits: Self.limits) != .process)
        // 250 ms refill five pings' worth: one subscribe, not a resume.
        #expect(budget.spend(.resume, now: 250 * Self.ms, limits: Self.limits) != .process)
        #expect(budget.spend(.heavy, now: 250 * Self.ms, limits: Self.limits) == .process)
        let tiny = MessageBudget.Limits(perSecond: 1, burst: 2, closeAfter: .seconds(5))
        budget = MessageBudget()
        #expect(budget.spend(.resume, now: 0, limits: tiny) == .process)
        #expect(budget.spend(.light, now: 0, limits: tiny) != .process)
    }

    @Test("the parsed message decides the weight: ping, unsubscribe and malformed light; subscribe and getStats heavy; a resume heaviest")
    func weightOfMessages() {
        func weight(_ text: String) -> MessageWeight { TerminalProtocol.parse(Array(text.utf8)).weight }
        #expect(weight(#"{"type":"ping"}"#) == .light && weight(#"{"type":"unsubscribe","symbol":"BTCUSDT"}"#) == .light)
        #expect(weight("{oops") == .light && weight(#"{"type":"subscribe"}"#) == .light)
        #expect(weight(#"{"type":"subscribe","symbol":"BTCUSDT"}"#) == .heavy && weight(#"{"type":"getStats"}"#) == .heavy)
        #expect(weight(#"{"type":"subscribe","symbol":"BTCUSDT","channels":["depth"]}"#) == .heavy)
        #expect(weight(#"{"type":"subscribe","symbol":"BTCUSDT","channels":["depth"],"epoch":1,"seq":2}"#) == .resume)
    }

    @Test("the rate-limit error goes out at most once a second however many messages are refused")
    func oneNoticePerSecond() {
        var budget = MessageBudget()
        _ = Self.spend(&budget, 50, at: 0)
        var notices = 0
        for t in stride(from: Int64(0), to: 3_000, by: 1) {  // 1,000 messages a second for 3 s
            if budget.spend(.light, now: t * Self.ms, limits: Self.limits) == .refuse(notify: true) { notices += 1 }
        }
        #expect(notices == 3)
    }

    @Test("a client refused with never a quiet second is closed once it has been over its budget for closeAfter")
    func closeAfterStretch() {
        var budget = MessageBudget()
        _ = Self.spend(&budget, 50, at: 0)
        var closedAt: Int64?
        for t in stride(from: Int64(0), through: 6_000, by: 7) where closedAt == nil {
            if budget.spend(.heavy, now: t * Self.ms, limits: Self.limits) == .close { closedAt = t }
        }
        // The first refusal at 0 ms; closed at the first refusal 5 s later (one in 36 messages passes).
        #expect(closedAt.map { (5_000..<5_015).contains($0) } == true, "closed at \(String(describing: closedAt)) ms")
    }

    @Test("a quiet second between refusals starts the stretch over; closeAfter zero never closes")
    func quietSecondAndNever() {
        var budget = MessageBudget()
        _ = Self.spend(&budget, 50, at: 0)
        for second in Int64(0)..<8 {
            // 200 ms of flooding, then 1 s of quiet: refused, never closed.
            for t in stride(from: second * 1_200, to: second * 1_200 + 200, by: 1) {
                #expect(budget.spend(.heavy, now: t * Self.ms, limits: Self.limits) != .close)
            }
        }
        let never = MessageBudget.Limits(perSecond: 20, burst: 50, closeAfter: .zero)
        budget = MessageBudget()
        for t in stride(from: Int64(0), to: 20_000, by: 5) {
            #expect(budget.spend(.heavy, now: t * Self.ms, limits: never) != .close)
        }
    }
}
