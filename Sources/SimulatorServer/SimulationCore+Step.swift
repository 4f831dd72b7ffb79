import Market
import Simulator

/// The generator's side of the core: one step of the model or of the replay, under the lock.
extension SimulationCore {
    /// One random-walk step at `nowMs`: events to send and partial-depth payloads that are due.
    func stepRandom(nowMs: Int64, table: RoutingTable, events: inout [SimEvent],
                    partials: inout [(topic: Topic, payload: [UInt8])]) {
        state.withLock { s in
            s.market.step(nowMs: nowMs, into: &events)
            pullModelTrades(&s, events[...])
            count(&s, events[...])
            renderPartials(&s, table: table, nowMs: nowMs, into: &partials)
        }
    }

    /// Emits the replay items due by `now` (monotonic), steps the model for the streams the
    /// recording lacks, and returns when the next item is due.
    func stepReplay(now: Int64, table: RoutingTable, events: inout [SimEvent],
                    partials: inout [(topic: Topic, payload: [UInt8])], emitted: inout [ReplayEngine.Emitted]) -> Int64 {
        state.withLock { s in
            guard s.replay != nil else { return now + 10_000_000 }
            emitted.removeAll(keepingCapacity: true)
            s.replay!.advance(now: now, into: &emitted)
            for e in emitted { applyReplayed(&s, e, into: &events) }
            let clock = s.replay!.clockMs(monotonic: now)
            if clock >= s.nextModelStepMs {
                let stepMs = Int64(min(1_000, max(10, 10_000 / max(options.rate, 1))))
                s.nextModelStepMs = clock + stepMs
                let start = events.count
                s.market.step(nowMs: clock, into: &events)
                pullModelTrades(&s, events[start...])
                count(&s, events[start...])
            }
            renderPartials(&s, table: table, nowMs: clock, into: &partials)
            return s.replay!.nextDue()
        }
    }

    /// Folds one replayed item into ledger, model and counters; sent items go to `events`.
    private func applyReplayed(_ s: inout State, _ e: ReplayEngine.Emitted, into events: inout [SimEvent]) {
        let g = s.replay!.recording.groups[e.group]
        let key = InstrumentKey(venue: g.venue, symbol: g.symbol)
        switch e.event {
        case .trade(let t):
            s.ledgers[key]?.add(t, sent: e.sent)
            s.market.recordExternal(t, into: &events)
            s.counters[key]?.tradesGenerated += 1
            s.counters[key]?.lastTradeId = t.tradeId
            if !e.sent { s.counters[key]?.tradesHidden += 1 }
        case .aggTrade(let a):
            s.ledgers[key]?.add(a, sent: e.sent)
            s.counters[key]?.lastAggTradeId = a.aggregateId
        case .bookTicker(let b):
            s.market.setExternalTop(symbol: b.symbol, venue: b.venue,
                                    bid: PriceLevel(price: b.bidPrice, quantity: b.bidQuantity),
                                    ask: PriceLevel(price: b.askPrice, quantity: b.askQuantity))
        default: break
        }
        guard e.sent else { return }
        events.append(e.event)
        count(&s, events[(events.count - 1)...])
    }

    /// Copies the model's new trades (streamed or hidden by a fault) into the ledgers; those
    /// in `events` are marked sent.
    private func pullModelTrades(_ s: inout State, _ events: ArraySlice<SimEvent>) {
        for key in instruments where s.replayGroups[key] == nil {
            let after = s.pulledTrade[key] ?? -1
            for t in s.market.trades(symbol: key.symbol, venue: key.venue, after: after) {
                s.ledgers[key]?.add(t, sent: false)
                s.pulledTrade[key] = t.tradeId
                s.counters[key]?.tradesGenerated += 1
                s.counters[key]?.lastTradeId = t.tradeId
            }
            let afterAgg = s.pulledAgg[key] ?? -1
            for a in s.market.aggTrades(symbol: key.symbol, venue: key.venue, after: afterAgg) {
                s.ledgers[key]?.add(a, sent: false)
                s.pulledAgg[key] = a.aggregateId
                s.counters[key]?.lastAggTradeId = a.aggregateId
            }
        }
        for e in events {
            switch e {
            case .trade(let t): s.ledgers[InstrumentKey(venue: t.venue, symbol: t.symbol)]?.markSent(tradeId: t.tradeId)
            case .aggTrade(let a):
                s.ledgers[InstrumentKey(venue: a.venue, symbol: a.symbol)]?.markSent(aggregateId: a.aggregateId)
            default: break
            }
        }
    }

    /// Counters for events about to be sent.
    private func count(_ s: inout State, _ events: ArraySlice<SimEvent>) {
        for e in events {
            switch e {
            case .trade(let t):
                let key = InstrumentKey(venue: t.venue, symbol: t.symbol)
                s.counters[key]?.tradesSent += 1
                s.counters[key]?.lastTradeIdSent = t.tradeId
            case .aggTrade(let a):
                let key = InstrumentKey(venue: a.venue, symbol: a.symbol)
                s.counters[key]?.aggTradesSent += 1
                s.counters[key]?.lastAggTradeIdSent = a.aggregateId
            case .depthUpdate(let d):
                let key = InstrumentKey(venue: d.venue, symbol: d.symbol)
                s.counters[key]?.depthUpdatesSent += 1
                s.counters[key]?.lastDepthUpdateId = d.finalUpdateId
            case .bookTicker(let b): s.counters[InstrumentKey(venue: b.venue, symbol: b.symbol)]?.bookTickersSent += 1
            case .kline(let k): s.counters[InstrumentKey(venue: k.venue, symbol: k.symbol)]?.otherEventsSent += 1
            case .ticker(let t): s.counters[InstrumentKey(venue: t.venue, symbol: t.symbol)]?.otherEventsSent += 1
            case .markPrice(let m): s.counters[InstrumentKey(venue: .futures, symbol: m.symbol)]?.otherEventsSent += 1
            case .forceOrder(let f): s.counters[InstrumentKey(venue: .futures, symbol: f.symbol)]?.otherEventsSent += 1
            case .malformed: break
            }
        }
    }

    /// Partial-depth payloads whose interval has come round.
    private func renderPartials(_ s: inout State, table: RoutingTable, nowMs: Int64,
                                into out: inout [(topic: Topic, payload: [UInt8])]) {
        for topic in table.partialTopics {
            guard case .depthPartial(let levels, let interval) = topic.kind else { continue }
            var p = s.partials[topic] ?? PartialState()
            guard nowMs >= p.nextDueMs, let spec = spec(topic.symbol),
                  let (book, id) = book(s, InstrumentKey(venue: topic.venue, symbol: topic.symbol)) else { continue }
            var json = JSONBytes(capacity: 128 + 64 * levels)
            BinanceFrames.partialDepth(symbol: topic.symbol, venue: topic.venue, book: book, levels: levels,
                                       updateId: id, previousUpdateId: p.lastUpdateId == 0 ? id : p.lastUpdateId,
                                       eventTime: nowMs, spec.contract(topic.venue), &json)
            p.nextDueMs = nowMs + interval
            p.lastUpdateId = id
            s.partials[topic] = p
            out.append((topic, json.bytes))
        }
    }

    /// Frames the fan-out delivered, per instrument.
    func recordDelivered(_ counts: [InstrumentKey: Int]) {
        guard !counts.isEmpty else { return }
        state.withLock { s in
            for (key, n) in counts { s.counters[key]?.messagesDelivered += Int64(n) }
        }
    }
}
