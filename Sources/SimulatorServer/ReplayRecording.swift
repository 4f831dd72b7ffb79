import Market
import Simulator

/// Recorded Binance data loaded for replay: one `ReplayGroup` per venue and symbol. Frames are
/// parsed into the model's event types so that the server re-encodes them with shifted ids and
/// times (fields Binance no longer sends, such as the 2023 trade `b`/`a`, are dropped).
public struct ReplayRecording: Sendable {
    public var groups: [ReplayGroup]

    /// A group's raw material while files are read.
    struct Draft {
        var venue: Venue
        var symbol: String
        var items: [(time: Int64, order: Int, event: SimEvent)] = []
        var snapshot: (time: Int64, id: Int64, book: SimOrderBook)?
        var places: (price: Int, quantity: Int)?
    }

    public static func load(paths: [String]) throws(ReplayError) -> ReplayRecording {
        var drafts: [String: Draft] = [:]
        var order = 0
        var clock: Int64 = 0
        for path in paths {
            let file = try ReplayFile(path: path)
            read(file, into: &drafts, order: &order, clock: &clock)
        }
        let groups = drafts.keys.sorted().compactMap { drafts[$0].flatMap { ReplayGroupBuilder.build($0) } }
        guard !groups.isEmpty else { throw ReplayError("no replayable frames in \(paths.joined(separator: ", "))") }
        return ReplayRecording(groups: groups)
    }

    /// Lines without a receive time (plain JSON lines) are paced one a second after the last
    /// time seen, and their event times follow that clock.
    static func read(_ file: ReplayFile, into drafts: inout [String: Draft], order: inout Int, clock: inout Int64) {
        var table = BinanceSymbolTable()
        for line in file.lines {
            if let s = line.urlSymbol { _ = table.add(s) }
            if let s = firstSymbol(line.json) { _ = table.add(s) }
        }
        let only: String? = table.count == 1 ? table.name(0) : nil
        var parser = BinanceParser(symbols: table, levelCapacity: 10_000)
        for line in file.lines {
            let event = line.json.withUnsafeBytes { parser.parse($0) }
            clock = line.localNanos ?? (clock + 1_000_000_000)
            let untimed = line.localNanos == nil
            order += 1
            let venue = file.venue
            func draft(_ symbol: String) -> String {
                let key = "\(venue == .spot ? "spot" : "futures")/\(symbol)"
                if drafts[key] == nil { drafts[key] = Draft(venue: venue, symbol: symbol) }
                if drafts[key]!.places == nil { drafts[key]!.places = places(line.json, venue: venue) }
                return key
            }
            switch event {
            case .depthSnapshot(let s):
                guard let symbol = line.urlSymbol ?? only else { continue }
                let key = draft(symbol)
                guard drafts[key]!.snapshot == nil else { continue }
                var book = SimOrderBook()
                for l in parser.bids where l.quantity > 0 { book.set(bid: true, price: l.price, quantity: l.quantity) }
                for l in parser.asks where l.quantity > 0 { book.set(bid: false, price: l.price, quantity: l.quantity) }
                drafts[key]!.snapshot = (clock, s.lastUpdateId, book)
            default:
                guard let (symbol, recorded) = convert(event, venue: venue, table: table, parser: parser) else { continue }
                let sim = untimed ? recorded.shiftedTimes(by: clock / 1_000_000 - recorded.eventTimeMs) : recorded
                drafts[draft(symbol), default: Draft(venue: venue, symbol: symbol)].items.append((clock, order, sim))
            }
        }
    }

    /// The model event for a parsed frame, with its symbol; nil for what replay leaves to the
    /// model (klines, tickers, mark prices) or cannot use.
    static func convert(_ e: MarketEvent, venue: Venue, table: BinanceSymbolTable,
                        parser: borrowing BinanceParser) -> (String, SimEvent)? {
        switch e {
        case .trade(let t):
            let s = table.name(t.symbol)
            return (s, .trade(SimTrade(venue: venue, symbol: s, eventTime: t.eventTime, tradeTime: t.tradeTime,
                                       tradeId: t.tradeId, price: t.price, quantity: t.quantity,
                                       buyerIsMaker: t.buyerIsMaker)))
        case .aggTrade(let a):
            let s = table.name(a.symbol)
            return (s, .aggTrade(SimAggTrade(venue: venue, symbol: s, eventTime: a.eventTime, tradeTime: a.tradeTime,
                                             aggregateId: a.aggregateId, firstTradeId: a.firstTradeId,
                                             lastTradeId: a.lastTradeId, price: a.price, quantity: a.quantity,
                                             buyerIsMaker: a.buyerIsMaker)))
        case .depthUpdate(let d):
            let s = table.name(d.symbol)
            return (s, .depthUpdate(SimDepthUpdate(
                venue: venue, symbol: s, eventTime: d.eventTime, transactionTime: d.transactionTime ?? d.eventTime,
                firstUpdateId: d.firstUpdateId, finalUpdateId: d.finalUpdateId,
                previousFinalUpdateId: d.previousFinalUpdateId ?? d.firstUpdateId - 1,
                bids: Array(parser.bids), asks: Array(parser.asks))))
        case .bookTicker(let b):
            let s = table.name(b.symbol)
            return (s, .bookTicker(SimBookTicker(
                venue: venue, symbol: s, eventTime: b.eventTime ?? 0, transactionTime: b.transactionTime ?? 0,
                updateId: b.updateId, bidPrice: b.bidPrice, bidQuantity: b.bidQuantity, askPrice: b.askPrice,
                askQuantity: b.askQuantity)))
        case .forceOrder(let f):
            let s = table.name(f.symbol)
            return (s, .forceOrder(SimForceOrder(symbol: s, eventTime: f.eventTime, side: f.side, quantity: f.quantity,
                                                 price: f.price, averagePrice: f.averagePrice, tradeTime: f.tradeTime)))
        default:
            return nil
        }
    }

    /// The value of the first `"s":"…"` in a frame (the payload's symbol).
    static func firstSymbol(_ json: ArraySlice<UInt8>) -> String? {
        let key: [UInt8] = Array("\"s\":\"".utf8)
        guard let start = find(key, in: json) else { return nil }
        let value = json[start...].prefix { $0 != UInt8(ascii: "\"") }
        guard (1...16).contains(value.count) else { return nil }
        return String(decoding: value, as: UTF8.self)
    }

    /// Index just after the first occurrence of `key`.
    static func find(_ key: [UInt8], in json: ArraySlice<UInt8>) -> Int? {
        guard json.count >= key.count else { return nil }
        var i = json.startIndex
        while i <= json.endIndex - key.count {
            if json[i] == key[0] && json[i..<i + key.count].elementsEqual(key) { return i + key.count }
            i += 1
        }
        return nil
    }

    /// Decimals Binance prints for price and quantity, read from the first price string of a
    /// trade, aggTrade or bookTicker frame (spot always prints 8).
    static func places(_ json: ArraySlice<UInt8>, venue: Venue) -> (price: Int, quantity: Int)? {
        if venue == .spot { return (8, 8) }
        for (p, q) in [("\"p\":\"", "\"q\":\""), ("\"b\":\"", "\"B\":\"")] {
            if let pi = find(Array(p.utf8), in: json), let qi = find(Array(q.utf8), in: json) {
                return (decimals(json[pi...]), decimals(json[qi...]))
            }
        }
        return nil
    }

    static func decimals(_ s: ArraySlice<UInt8>) -> Int {
        let value = s.prefix { $0 != UInt8(ascii: "\"") }
        guard let dot = value.firstIndex(of: UInt8(ascii: ".")) else { return 0 }
        return min(8, value.endIndex - dot - 1)
    }
}
