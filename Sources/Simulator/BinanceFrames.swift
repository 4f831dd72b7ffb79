import Market

/// Encodes simulator events as the exact JSON Binance sends: field names and types per
/// venue (binance-protocol.md §1.5, §2.2), raw payloads or the combined-stream wrapper.
public enum BinanceFrames {
    /// The stream an event is published on (`btcusdt@trade`, `btcusdt@kline_1m`, …).
    public static func stream(for event: SimEvent) -> String {
        switch event {
        case .trade(let t): return t.symbol.lowercased() + "@trade"
        case .aggTrade(let a): return a.symbol.lowercased() + "@aggTrade"
        case .depthUpdate(let d): return d.symbol.lowercased() + "@depth@100ms"
        case .bookTicker(let b): return b.symbol.lowercased() + "@bookTicker"
        case .kline(let k): return k.symbol.lowercased() + "@kline_" + k.interval.name
        case .ticker(let t): return t.symbol.lowercased() + "@ticker"
        case .markPrice(let m): return m.symbol.lowercased() + "@markPrice"
        case .forceOrder(let f): return f.symbol.lowercased() + "@forceOrder"
        case .malformed(_, let symbol, _): return symbol.lowercased() + "@trade"
        }
    }

    /// Every stream carrying the event: liquidations also go to `!forceOrder@arr`.
    public static func streams(for event: SimEvent) -> [String] {
        if case .forceOrder = event { return [stream(for: event), "!forceOrder@arr"] }
        return [stream(for: event)]
    }

    /// The venue whose connections carry the event.
    public static func venue(of event: SimEvent) -> Venue {
        switch event {
        case .trade(let t): t.venue
        case .aggTrade(let a): a.venue
        case .depthUpdate(let d): d.venue
        case .bookTicker(let b): b.venue
        case .kline(let k): k.venue
        case .ticker(let t): t.venue
        case .markPrice, .forceOrder: .futures
        case .malformed(let venue, _, _): venue
        }
    }

    /// One frame: the raw payload when `stream` is nil, else `{"stream":…,"data":payload}`.
    public static func frame(_ event: SimEvent, stream: String?, specs: [SimSymbolSpec]) -> [UInt8] {
        var out = JSONBytes(capacity: 512)
        encode(event, stream: stream, specs: specs, into: &out)
        return out.bytes
    }

    /// As `frame`, appending to `out` (reuse one buffer per step).
    public static func encode(_ event: SimEvent, stream: String?, specs: [SimSymbolSpec], into out: inout JSONBytes) {
        if let stream {
            out.raw("{")
            out.member("stream", ascii: stream, first: true)
            out.key("data")
        }
        let contract = Self.contract(event, specs)
        switch event {
        case .trade(let t): trade(t, contract, &out)
        case .aggTrade(let a): aggTrade(a, contract, &out)
        case .depthUpdate(let d): depth(d, contract, &out)
        case .bookTicker(let b): bookTicker(b, contract, &out)
        case .kline(let k): kline(k, contract, &out)
        case .ticker(let t): ticker(t, contract, &out)
        case .markPrice(let m): markPrice(m, &out)
        case .forceOrder(let f): forceOrder(f, contract, &out)
        case .malformed(_, let symbol, let time):
            // Cut off inside the frame: what a torn or corrupted message looks like.
            out.raw("{")
            out.member("e", ascii: "trade", first: true)
            out.member("E", time)
            out.member("s", ascii: symbol)
            out.key("t")
            return
        }
        if stream != nil { out.raw("}") }
    }

    static func contract(_ event: SimEvent, _ specs: [SimSymbolSpec]) -> SimContractSpec {
        let symbol: String
        switch event {
        case .trade(let t): symbol = t.symbol
        case .aggTrade(let a): symbol = a.symbol
        case .depthUpdate(let d): symbol = d.symbol
        case .bookTicker(let b): symbol = b.symbol
        case .kline(let k): symbol = k.symbol
        case .ticker(let t): symbol = t.symbol
        case .markPrice(let m): symbol = m.symbol
        case .forceOrder(let f): symbol = f.symbol
        case .malformed(_, let s, _): symbol = s
        }
        let spec = specs.first { $0.symbol == symbol } ?? .btcusdt
        return spec.contract(venue(of: event))
    }
}
