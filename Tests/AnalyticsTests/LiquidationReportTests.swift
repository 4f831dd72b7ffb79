import Testing
@testable import Analytics

@Suite("Liquidation report")
struct LiquidationReportTests {
    @Test("events come oldest first; a SELL closes a long, a BUY a short")
    func json() {
        let report = LiquidationReport(events: [
            LiquidationEvent(timeMs: 2000, side: .sell, price: 100.5, quantity: 0.2),
            LiquidationEvent(timeMs: 1000, side: .buy, price: 99, quantity: 1.5),
            LiquidationEvent(timeMs: 1500, side: .buy, price: .nan, quantity: 1),
        ], symbol: "BTCUSDT", hours: 48)
        #expect(report.skipped == 1)
        #expect(encoded(report.appendJSON) == #"{"symbol":"BTCUSDT","timeRange":48,"liquidations":["#
            + #"{"t":1000,"p":99.0,"v":1.5,"side":"BUY","type":"short","conf":1.0},"#
            + #"{"t":2000,"p":100.5,"v":0.2,"side":"SELL","type":"long","conf":1.0}],"count":2}"#)
    }

    @Test("events at the same time keep their input order")
    func stable() {
        let events = (0..<50).map { LiquidationEvent(timeMs: 7, side: .buy, price: 100 + Double($0), quantity: 1) }
        #expect(LiquidationReport(events: events, symbol: "X", hours: 1).events == events)
    }

    @Test("no events give an empty list")
    func empty() {
        #expect(encoded(LiquidationReport(events: [], symbol: "X", hours: 1).appendJSON) ==
            #"{"symbol":"X","timeRange":1,"liquidations":[],"count":0}"#)
    }
}
