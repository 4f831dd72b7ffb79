import Market

/// A trade read from a recorded frame line `<local_receive_ns> <frame>`, the frame parsed by
/// the same `BinanceParser` the live feed uses.
public struct RecordedTrade: Equatable, Sendable {
    public var localNs: Int64
    /// Index in the symbol table the parser was given (the order of `SYMBOLS`).
    public var symbolIndex: UInt16
    public var tradeId: Int64
    public var price: Int64
    public var quantity: Int64
    public var tradeTimeMs: Int64
    public var buyerIsMaker: Bool

    /// What one recorded line held.
    public enum Outcome: Equatable, Sendable {
        case trade(RecordedTrade)
        /// Another stream (book ticker, depth, a snapshot): not replayed yet.
        case otherFrame
        /// A trade of a symbol outside `SYMBOLS`.
        case unknownSymbol
        case malformed
    }

    public static func parse(line: UnsafeRawBufferPointer, parser: inout BinanceParser) -> Outcome {
        guard let space = line.firstIndex(of: 32), let localNs = integer(line, 0, space) else { return .malformed }
        let frame = UnsafeRawBufferPointer(rebasing: line[(space + 1)...])
        switch parser.parse(frame) {
        case .trade(let t):
            return .trade(RecordedTrade(localNs: localNs, symbolIndex: t.symbol, tradeId: t.tradeId, price: t.price,
                                        quantity: t.quantity, tradeTimeMs: t.tradeTime, buyerIsMaker: t.buyerIsMaker))
        case .aggTrade(let t):
            return .trade(RecordedTrade(localNs: localNs, symbolIndex: t.symbol, tradeId: t.aggregateId, price: t.price,
                                        quantity: t.quantity, tradeTimeMs: t.tradeTime, buyerIsMaker: t.buyerIsMaker))
        case .unknownSymbol:
            return .unknownSymbol
        case .malformed:
            return .malformed
        default:
            return .otherFrame
        }
    }

    static func integer(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> Int64? {
        guard to > from, to - from <= 19 else { return nil }
        var v: Int64 = 0
        for i in from..<to {
            let c = b[i]
            guard c >= 48 && c <= 57 else { return nil }
            v = v &* 10 &+ Int64(c - 48)
        }
        return v
    }
}
