import Simulator

/// Every trade and aggregate trade of one instrument the simulator generated, streamed or not
/// (bounded: the last `capacity` of each), for REST `trades`/`aggTrades` and `GET /sim/trades`.
struct TradeLedger: Sendable {
    struct Trade: Sendable {
        var id: Int64
        var price: Int64
        var quantity: Int64
        var time: Int64
        var buyerIsMaker: Bool
        var sent: Bool
    }

    struct Agg: Sendable {
        var id: Int64
        var first: Int64
        var last: Int64
        var price: Int64
        var quantity: Int64
        var time: Int64
        var buyerIsMaker: Bool
        var sent: Bool
    }

    let venue: Venue
    let symbol: String
    private(set) var trades: Ring<Trade>
    private(set) var aggs: Ring<Agg>
    private(set) var tradesRecorded: Int64 = 0
    private(set) var aggsRecorded: Int64 = 0

    init(venue: Venue, symbol: String, capacity: Int) {
        self.venue = venue
        self.symbol = symbol
        trades = Ring(capacity: capacity)
        aggs = Ring(capacity: capacity)
    }

    mutating func add(_ t: SimTrade, sent: Bool) {
        if let last = trades.last, t.tradeId <= last.id { return }  // already recorded
        trades.append(Trade(id: t.tradeId, price: t.price, quantity: t.quantity, time: t.tradeTime,
                            buyerIsMaker: t.buyerIsMaker, sent: sent))
        tradesRecorded += 1
    }

    mutating func add(_ a: SimAggTrade, sent: Bool) {
        if let last = aggs.last, a.aggregateId <= last.id { return }
        aggs.append(Agg(id: a.aggregateId, first: a.firstTradeId, last: a.lastTradeId, price: a.price,
                        quantity: a.quantity, time: a.tradeTime, buyerIsMaker: a.buyerIsMaker, sent: sent))
        aggsRecorded += 1
    }

    /// Marks a recorded trade as streamed (it was pulled before the step's events were known).
    mutating func markSent(tradeId: Int64) {
        let i = trades.lowerBound(tradeId) { $0.id }
        if i < trades.count, trades[i].id == tradeId { trades.update(i) { $0.sent = true } }
    }

    mutating func markSent(aggregateId: Int64) {
        let i = aggs.lowerBound(aggregateId) { $0.id }
        if i < aggs.count, aggs[i].id == aggregateId { aggs.update(i) { $0.sent = true } }
    }

    func simTrade(_ r: Trade) -> SimTrade {
        SimTrade(venue: venue, symbol: symbol, eventTime: r.time, tradeTime: r.time, tradeId: r.id, price: r.price,
                 quantity: r.quantity, buyerIsMaker: r.buyerIsMaker)
    }

    func simAgg(_ r: Agg) -> SimAggTrade {
        SimAggTrade(venue: venue, symbol: symbol, eventTime: r.time, tradeTime: r.time, aggregateId: r.id,
                    firstTradeId: r.first, lastTradeId: r.last, price: r.price, quantity: r.quantity,
                    buyerIsMaker: r.buyerIsMaker)
    }

    /// Trades from `fromId` (inclusive) on, or the most recent `limit` when nil.
    func tradeRows(fromId: Int64?, limit: Int) -> [Trade] {
        let start = fromId.map { id in trades.lowerBound(id) { $0.id } } ?? max(0, trades.count - limit)
        return (start..<min(trades.count, start + limit)).map { trades[$0] }
    }

    /// Aggregate trades from `fromId`, else by time like Binance (start → oldest from start;
    /// end only → most recent up to end; none → most recent).
    func aggRows(fromId: Int64?, startTime: Int64?, endTime: Int64?, limit: Int) -> [Agg] {
        var start: Int
        var end = aggs.count
        if let fromId {
            start = aggs.lowerBound(fromId) { $0.id }
        } else {
            if let endTime { end = aggs.lowerBound(endTime + 1) { $0.time } }
            if let startTime {
                start = aggs.lowerBound(startTime) { $0.time }
                end = min(end, start + limit)
            } else {
                start = max(0, end - limit)
            }
        }
        end = min(end, start + limit)
        guard start < end else { return [] }
        return (start..<end).map { aggs[$0] }
    }
}
