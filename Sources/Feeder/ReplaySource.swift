import Market

/// Recorded trades, looped for as long as the feeder runs: each pass after the first shifts
/// trade times and trade ids past the previous pass, so downstream sees one continuous market.
public final class ReplaySource {
    public let path: String
    private var lines: GzipLines
    public private(set) var loops: UInt64 = 0
    public private(set) var malformed: UInt64 = 0
    /// Trades of symbols outside the table.
    public private(set) var unknownSymbols: UInt64 = 0
    private var parser: BinanceParser
    /// The first pass's span, learned while reading it.
    private var firstTimeMs: Int64?
    private var lastTimeMs: Int64 = 0
    private var firstId: Int64?
    private var lastId: Int64 = 0
    private var firstLocalNs: Int64?
    private var lastLocalNs: Int64 = 0

    public enum OpenError: Error, CustomStringConvertible {
        case unreadable(String)
        case noTrades(String)
        case noTradesForSymbols(String)
        public var description: String {
            switch self {
            case .unreadable(let p): return "REPLAY_FILE \(p) cannot be opened"
            case .noTrades(let p): return "REPLAY_FILE \(p) holds no trade frames"
            case .noTradesForSymbols(let p): return "REPLAY_FILE \(p) holds trades only of symbols outside SYMBOLS"
            }
        }
    }

    /// `symbols` in `SYMBOLS` order: a trade's `symbolIndex` is its position there.
    public init(path: String, symbols: [String]) throws(OpenError) {
        guard let l = GzipLines(path: path) else { throw .unreadable(path) }
        self.path = path
        lines = l
        parser = BinanceParser(symbols: BinanceSymbolTable(symbols))
    }

    /// The next trade, with `localNs` on one timeline across passes (for pacing).
    public func next() throws(OpenError) -> RecordedTrade? {
        while true {
            guard let line = lines.next() else {
                guard firstId != nil else { throw unknownSymbols > 0 ? .noTradesForSymbols(path) : .noTrades(path) }
                guard let again = GzipLines(path: path) else { throw .unreadable(path) }
                lines = again
                loops += 1
                continue
            }
            switch RecordedTrade.parse(line: line, parser: &parser) {
            case .otherFrame: continue
            case .unknownSymbol:
                unknownSymbols += 1
                continue
            case .malformed:
                malformed += 1
                continue
            case .trade(var t):
                if loops == 0 { learn(t) }
                shift(&t)
                return t
            }
        }
    }

    private func learn(_ t: RecordedTrade) {
        if firstTimeMs == nil { firstTimeMs = t.tradeTimeMs; firstId = t.tradeId; firstLocalNs = t.localNs }
        lastTimeMs = max(lastTimeMs, t.tradeTimeMs)
        lastId = max(lastId, t.tradeId)
        lastLocalNs = max(lastLocalNs, t.localNs)
    }

    private func shift(_ t: inout RecordedTrade) {
        guard loops > 0, let ft = firstTimeMs, let fi = firstId, let fl = firstLocalNs else { return }
        let n = Int64(loops)
        t.tradeTimeMs += n * (lastTimeMs - ft + 1000)
        t.tradeId += n * (lastId - fi + 1)
        t.localNs += n * (lastLocalNs - fl + 1_000_000_000)
    }
}
