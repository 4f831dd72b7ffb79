import Market
import Posix
import Simulator

/// Faults on the data itself and on REST, and what the control API reads.
extension SimulationCore {
    /// Arms `skipDepth` or `skipTrade` for one instrument; false for an unknown one.
    func injectDataFault(_ cmd: FaultCommand) -> Bool {
        guard let symbol = cmd.symbol else { return false }
        let key = InstrumentKey(venue: cmd.venue, symbol: symbol)
        return state.withLock { s in
            guard s.counters[key] != nil else { return false }
            if let g = s.replayGroups[key], s.replay != nil {
                if cmd.kind == .skipDepth { s.replay!.skipDepth(group: g, ids: cmd.count) }
                else { s.replay!.skipTrades(group: g, count: cmd.count) }
                return true
            }
            // The model hides whole taker orders (1–3 trades each) and skips depth ids.
            let fault: SimFault = cmd.kind == .skipDepth ? .depthGap(cmd.count) : .dropTradeFrames(cmd.count)
            return s.market.inject(fault, symbol: symbol, venue: cmd.venue)
        }
    }

    func arm429(venue: Venue, count: Int, durationMs: Int64) {
        state.withLock { $0.gates[venue]!.arm(count: count, durationMs: durationMs) }
    }

    func armUpgrade429(venue: Venue, count: Int, durationMs: Int64) {
        state.withLock { $0.upgradeGates[venue]!.arm(count: count, durationMs: durationMs) }
    }

    /// The answer to a WebSocket upgrade while the `ws429` fault holds: 429 or 418 with
    /// Retry-After, as Binance answers too many connection attempts; nil to go ahead.
    func refusedUpgrade(venue: Venue) -> HTTPResponse? {
        let verdict = state.withLock { $0.upgradeGates[venue]!.admit(nowMs: Clock.realtimeMillis(), weight: 0) }
        switch verdict {
        case .ok: return nil
        case .tooMany(let retry, _):
            ServerStats.bump(stats.ws429)
            return .binanceError(status: 429, code: -1003, message: "Too many connection attempts.",
                                 headers: [("Retry-After", "\(retry)")])
        case .banned(let retry, let until):
            ServerStats.bump(stats.ws418)
            return .binanceError(status: 418, code: -1003, message: "Way too many connection attempts; IP banned until \(until).",
                                 headers: [("Retry-After", "\(retry)")])
        }
    }

    func logFault(_ cmd: FaultCommand, affected: Int) {
        state.withLock { s in
            s.faultLog.append(FaultRecord(kind: cmd.kind, venue: cmd.venue, symbol: cmd.symbol,
                                          atMs: Clock.realtimeMillis(), affected: affected))
            if s.faultLog.count > 1_000 { s.faultLog.removeFirst(s.faultLog.count - 1_000) }
            for key in instruments where key.venue == cmd.venue && (cmd.symbol == nil || cmd.symbol == key.symbol) {
                s.counters[key]?.faults[cmd.kind.rawValue, default: 0] += 1
            }
        }
    }

    /// Per-instrument counters for `/sim/state`, with the ledger sizes and replay loops.
    func instrumentState(into out: inout JSONBytes, connections: [InstrumentKey: Int]) {
        state.withLock { s in
            out.raw("[")
            for (k, key) in instruments.enumerated() {
                guard let c = s.counters[key], let ledger = s.ledgers[key] else { continue }
                if k > 0 { out.raw(",") }
                out.raw("{")
                out.member("venue", ascii: key.venue.name, first: true)
                out.member("symbol", ascii: key.symbol)
                out.member("source", ascii: s.replayGroups[key] != nil ? "replay" : "model")
                out.raw(",")
                for (name, v) in [("lastTradeId", c.lastTradeId), ("lastTradeIdSent", c.lastTradeIdSent),
                                  ("lastAggTradeId", c.lastAggTradeId), ("lastAggTradeIdSent", c.lastAggTradeIdSent),
                                  ("lastDepthUpdateId", c.lastDepthUpdateId), ("tradesGenerated", c.tradesGenerated),
                                  ("tradesSent", c.tradesSent), ("tradesHidden", c.tradesGenerated - c.tradesSent),
                                  ("aggTradesSent", c.aggTradesSent), ("depthUpdatesSent", c.depthUpdatesSent),
                                  ("bookTickersSent", c.bookTickersSent), ("otherEventsSent", c.otherEventsSent),
                                  ("messagesDelivered", c.messagesDelivered), ("tradesKept", Int64(ledger.trades.count)),
                                  ("aggTradesKept", Int64(ledger.aggs.count)),
                                  ("connections", Int64(connections[key] ?? 0))] {
                    out.string(name)
                    out.raw(":")
                    out.integer(v)
                    out.raw(",")
                }
                if let g = s.replayGroups[key], let r = s.replay { out.member("replayLoop", r.cursors[g].loop, first: true); out.raw(",") }
                out.raw("\"faults\":{")
                for (i, (name, n)) in c.faults.sorted(by: { $0.key < $1.key }).enumerated() {
                    if i > 0 { out.raw(",") }
                    out.string(name)
                    out.raw(":")
                    out.integer(Int64(n))
                }
                out.raw("}}")
            }
            out.raw("],\"faults\":[")
            for (i, f) in s.faultLog.enumerated() {
                if i > 0 { out.raw(",") }
                out.raw("{")
                out.member("kind", ascii: f.kind.rawValue, first: true)
                out.member("venue", ascii: f.venue.name)
                if let sym = f.symbol { out.member("symbol", ascii: sym) }
                out.member("atMs", f.atMs)
                out.member("affected", Int64(f.affected))
                out.raw("}")
            }
            out.raw("]")
        }
    }

    /// Every kept trade and aggregate trade from the given ids on, for `/sim/trades`.
    func ledgerDocument(_ key: InstrumentKey, fromId: Int64?, fromAggId: Int64?, limit: Int) -> [UInt8]? {
        guard let spec = spec(key.symbol) else { return nil }
        let c = spec.contract(key.venue)
        return state.withLock { s -> [UInt8]? in
            guard let ledger = s.ledgers[key] else { return nil }
            let trades = ledger.tradeRows(fromId: fromId ?? ledger.trades.first?.id ?? 0, limit: limit)
            let aggs = ledger.aggRows(fromId: fromAggId ?? ledger.aggs.first?.id ?? 0, startTime: nil, endTime: nil,
                                      limit: limit)
            var out = JSONBytes(capacity: 256 + 96 * (trades.count + aggs.count))
            out.raw("{")
            out.member("venue", ascii: key.venue.name, first: true)
            out.member("symbol", ascii: key.symbol)
            out.member("tradesRecorded", ledger.tradesRecorded)
            out.member("aggTradesRecorded", ledger.aggsRecorded)
            out.member("tradesKept", Int64(ledger.trades.count))
            out.member("aggTradesKept", Int64(ledger.aggs.count))
            out.key("trades")
            out.raw("[")
            for (i, t) in trades.enumerated() {
                if i > 0 { out.raw(",") }
                out.raw("{")
                out.member("id", t.id, first: true)
                out.member("p", decimal: t.price, places: c.priceDecimals)
                out.member("q", decimal: t.quantity, places: c.quantityDecimals)
                out.member("T", t.time)
                out.member("m", t.buyerIsMaker)
                out.member("sent", t.sent)
                out.raw("}")
            }
            out.raw("]")
            out.key("aggTrades")
            out.raw("[")
            for (i, a) in aggs.enumerated() {
                if i > 0 { out.raw(",") }
                out.raw("{")
                out.member("a", a.id, first: true)
                out.member("f", a.first)
                out.member("l", a.last)
                out.member("p", decimal: a.price, places: c.priceDecimals)
                out.member("q", decimal: a.quantity, places: c.quantityDecimals)
                out.member("T", a.time)
                out.member("m", a.buyerIsMaker)
                out.member("sent", a.sent)
                out.raw("}")
            }
            out.raw("]}")
            return out.bytes
        }
    }
}
