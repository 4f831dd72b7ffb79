import Market
import Simulator

/// The generator's delivery step: each event's payload is encoded once per form (raw, and
/// combined once per subscribed name), shared by every connection that gets it, batched per
/// connection and pushed to its outbox once per step (STYLE.md §11).
final class FanOut {
    let specs: [SimSymbolSpec]
    let stats: ServerStats
    private var touched: [Subscriber] = []
    private var topics: [Topic] = []
    private var json = JSONBytes(capacity: 4096)
    /// Per-event caches: payloads by variant, frames by (variant, name or nil for raw).
    private var payloads: [(PayloadVariant, [UInt8])] = []
    private var frames: [(PayloadVariant, String?, WireFrame)] = []
    /// Frames delivered per instrument in the last `deliver`.
    private(set) var delivered: [InstrumentKey: Int] = [:]

    init(specs: [SimSymbolSpec], stats: ServerStats) {
        self.specs = specs
        self.stats = stats
    }

    /// How a topic's payload differs from the event's own.
    enum PayloadVariant: Equatable {
        case base, mini, avgPrice, array, miniArray
    }

    static func variant(_ kind: TopicKind) -> PayloadVariant {
        switch kind {
        case .miniTicker: .mini
        case .avgPrice: .avgPrice
        case .allTicker, .allMarkPrice: .array
        case .allMiniTicker: .miniArray
        default: .base
        }
    }

    /// The topics an event is published on.
    static func topics(of event: SimEvent, into out: inout [Topic]) {
        out.removeAll(keepingCapacity: true)
        func add(_ v: Venue, _ s: String, _ k: TopicKind) { out.append(Topic(venue: v, symbol: s, kind: k)) }
        switch event {
        case .trade(let t): add(t.venue, t.symbol, .trade)
        case .aggTrade(let a): add(a.venue, a.symbol, .aggTrade)
        case .depthUpdate(let d): add(d.venue, d.symbol, .depthDiff)
        case .bookTicker(let b):
            add(b.venue, b.symbol, .bookTicker)
            if b.venue == .futures { add(.futures, "", .allBookTicker) }
        case .kline(let k): add(k.venue, k.symbol, .kline(k.interval))
        case .ticker(let t):
            add(t.venue, t.symbol, .ticker)
            add(t.venue, t.symbol, .miniTicker)
            add(t.venue, "", .allTicker)
            add(t.venue, "", .allMiniTicker)
            if t.venue == .spot { add(.spot, t.symbol, .avgPrice) }
        case .markPrice(let m):
            add(.futures, m.symbol, .markPrice)
            add(.futures, "", .allMarkPrice)
        case .forceOrder(let f):
            add(.futures, f.symbol, .forceOrder)
            add(.futures, "", .allForceOrder)
        case .malformed(let v, let s, _): add(v, s, .trade)
        }
    }

    /// Delivers one step's events and rendered partial-depth payloads along `table`.
    func deliver(_ events: [SimEvent], partials: [(topic: Topic, payload: [UInt8])], table: RoutingTable) {
        delivered.removeAll(keepingCapacity: true)
        guard !table.byTopic.isEmpty else { return }
        for event in events {
            Self.topics(of: event, into: &topics)
            payloads.removeAll(keepingCapacity: true)
            frames.removeAll(keepingCapacity: true)
            var count = 0
            for topic in topics {
                guard let routes = table.byTopic[topic] else { continue }
                let variant = Self.variant(topic.kind)
                for route in routes {
                    append(frame(event, variant, name: route.combined ? route.name : nil), to: route.subscriber)
                    count += 1
                }
            }
            if count > 0 { delivered[key(of: event), default: 0] += count }
        }
        for (topic, payload) in partials {
            guard let routes = table.byTopic[topic] else { continue }
            let raw = WireFrame(payload: payload)
            for route in routes {
                append(route.combined ? WireFrame(payload: Self.wrap(payload, name: route.name)) : raw, to: route.subscriber)
            }
            delivered[InstrumentKey(venue: topic.venue, symbol: topic.symbol), default: 0] += routes.count
        }
        flush()
    }

    func key(of event: SimEvent) -> InstrumentKey {
        switch event {
        case .trade(let t): InstrumentKey(venue: t.venue, symbol: t.symbol)
        case .aggTrade(let a): InstrumentKey(venue: a.venue, symbol: a.symbol)
        case .depthUpdate(let d): InstrumentKey(venue: d.venue, symbol: d.symbol)
        case .bookTicker(let b): InstrumentKey(venue: b.venue, symbol: b.symbol)
        case .kline(let k): InstrumentKey(venue: k.venue, symbol: k.symbol)
        case .ticker(let t): InstrumentKey(venue: t.venue, symbol: t.symbol)
        case .markPrice(let m): InstrumentKey(venue: .futures, symbol: m.symbol)
        case .forceOrder(let f): InstrumentKey(venue: .futures, symbol: f.symbol)
        case .malformed(let v, let s, _): InstrumentKey(venue: v, symbol: s)
        }
    }

    @inline(__always)
    private func append(_ f: WireFrame, to s: Subscriber) {
        if s.scratch.isEmpty { touched.append(s) }
        s.scratch.append(f)
        s.scratchBytes += f.count
    }

    /// One push per connection per step; a full outbox marks the connection slow.
    private func flush() {
        var queued = 0
        for s in touched {
            queued += s.scratch.count
            _ = s.framesQueued.wrappingAdd(s.scratch.count, ordering: .relaxed)
            if !s.outbox.push(s.scratch, bytes: s.scratchBytes),
               !s.markedSlow.exchange(true, ordering: .relaxed) {
                ServerStats.bump(stats.slowConsumersClosed)
            }
            s.scratch.removeAll(keepingCapacity: true)
            s.scratchBytes = 0
        }
        touched.removeAll(keepingCapacity: true)
        ServerStats.bump(stats.framesQueued, by: queued)
    }

    /// The frame for an event in a variant, raw (`name` nil) or wrapped, encoded at most once.
    private func frame(_ event: SimEvent, _ variant: PayloadVariant, name: String?) -> WireFrame {
        if let hit = frames.first(where: { $0.0 == variant && $0.1 == name }) { return hit.2 }
        let payload = self.payload(event, variant)
        let f = WireFrame(payload: name.map { Self.wrap(payload, name: $0) } ?? payload)
        frames.append((variant, name, f))
        return f
    }

    private func payload(_ event: SimEvent, _ variant: PayloadVariant) -> [UInt8] {
        if let hit = payloads.first(where: { $0.0 == variant }) { return hit.1 }
        json.removeAll()
        let contract = BinanceFrames.contract(of: event, specs: specs)
        switch (variant, event) {
        case (.mini, .ticker(let t)): BinanceFrames.miniTicker(t, contract, &json)
        case (.avgPrice, .ticker(let t)): BinanceFrames.avgPrice(t, contract, &json)
        case (.miniArray, .ticker(let t)):
            json.raw("[")
            BinanceFrames.miniTicker(t, contract, &json)
            json.raw("]")
        case (.array, _):
            json.raw("[")
            BinanceFrames.payload(event, specs: specs, into: &json)
            json.raw("]")
        default: BinanceFrames.payload(event, specs: specs, into: &json)
        }
        let bytes = json.bytes
        payloads.append((variant, bytes))
        return bytes
    }

    /// `{"stream":"<name>","data":<payload>}`; names are validated ASCII without quotes.
    static func wrap(_ payload: [UInt8], name: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + name.utf8.count + 22)
        out.append(contentsOf: "{\"stream\":\"".utf8)
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: "\",\"data\":".utf8)
        out.append(contentsOf: payload)
        out.append(UInt8(ascii: "}"))
        return out
    }
}
