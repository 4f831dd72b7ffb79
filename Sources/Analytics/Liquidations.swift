/// Real liquidation events for `/aggregation/liquidations/:symbol`, oldest first.
public struct LiquidationReport: Sendable, Equatable {
    public var symbol: String
    /// The window the caller selected, echoed as `timeRange`.
    public var hours: Int
    /// Valid events, oldest first (equal times keep their input order).
    public var events: [LiquidationEvent]
    /// Events dropped as invalid (NaN or negative numbers, negative time).
    public var skipped: Int

    public init(events: [LiquidationEvent], symbol: String, hours: Int) {
        self.symbol = symbol
        self.hours = hours
        let valid = events.filter(\.isValid)
        skipped = events.count - valid.count
        // Sort positions rather than events so equal times keep their order (stable).
        self.events = valid.indices.sorted { (valid[$0].timeMs, $0) < (valid[$1].timeMs, $1) }.map { valid[$0] }
    }

    /// Appends `{"symbol","timeRange","liquidations":[{"t","p","v","side","type","conf"}],
    /// "count"}`: `side` is the forced order's side, `type` the position it closed (a SELL
    /// closes a long), `conf` 1.0 because these are real events, not inferred ones.
    public func appendJSON(to out: inout [UInt8]) {
        JSONWriter.write(into: &out) { w in
            w.raw("{")
            w.key("symbol", first: true); w.string(symbol)
            w.key("timeRange"); w.integer(hours)
            w.key("liquidations")
            appendEvents(w: &w)
            w.key("count"); w.integer(events.count)
            w.raw("}")
        }
    }

    /// Appends the list alone, `[{"t","p","v","side","type","conf"}, ...]` (`/multi`'s
    /// `liquidations`).
    public func appendEventsJSON(to out: inout [UInt8]) {
        JSONWriter.write(into: &out) { w in appendEvents(w: &w) }
    }

    private func appendEvents(w: inout JSONWriter) {
        w.raw("[")
        for (i, event) in events.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{")
            w.key("t", first: true); w.integer(event.timeMs)
            w.key("p"); w.number(event.price)
            w.key("v"); w.number(event.quantity)
            switch event.side {
            case .buy: w.key("side"); w.raw("\"BUY\""); w.key("type"); w.raw("\"short\"")
            case .sell: w.key("side"); w.raw("\"SELL\""); w.key("type"); w.raw("\"long\"")
            }
            w.key("conf"); w.number(1.0)
            w.raw("}")
        }
        w.raw("]")
    }
}
