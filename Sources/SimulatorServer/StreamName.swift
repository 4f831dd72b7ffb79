import Market
import Simulator

/// Parses Binance stream names (`btcusdt@aggTrade`, `!forceOrder@arr`, `ethusdt@depth20@100ms`)
/// into topics, per venue: spot and USD-M futures accept different suffixes. nil means
/// "invalid stream", which Binance answers with code 2.
public enum StreamName {
    public static let maxLength = 200

    public static func parse(_ name: String, venue: Venue) -> Topic? {
        guard !name.isEmpty, name.utf8.count <= maxLength, name.utf8.allSatisfy(isNameByte) else { return nil }
        if name.hasPrefix("!") {
            return allMarket(String(name.dropFirst()), venue: venue).map { Topic(venue: venue, symbol: "", kind: $0) }
        }
        guard let at = name.firstIndex(of: "@") else { return nil }
        let symbolPart = name[..<at]
        let suffix = String(name[name.index(after: at)...])
        guard (1...32).contains(symbolPart.utf8.count), symbolPart.utf8.allSatisfy(isSymbolByte),
              let kind = symbolSuffix(suffix, venue: venue) else { return nil }
        let lower = symbolPart.utf8.allSatisfy { !(65...90).contains($0) }
        // An upper-case spelling is well formed but names no stream: acknowledged, silent.
        let symbol = lower ? symbolPart.uppercased() : "?" + symbolPart
        return Topic(venue: venue, symbol: symbol, kind: kind)
    }

    static func isNameByte(_ b: UInt8) -> Bool {
        isSymbolByte(b) || b == UInt8(ascii: "@") || b == UInt8(ascii: "!") || b == UInt8(ascii: "+")
            || b == UInt8(ascii: ":")
    }

    static func isSymbolByte(_ b: UInt8) -> Bool {
        (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) || b == UInt8(ascii: "_")
            || b == UInt8(ascii: "-")
    }

    /// `<symbol>@<suffix>` forms.
    static func symbolSuffix(_ s: String, venue: Venue) -> TopicKind? {
        let spot = venue == .spot
        switch s {
        case "trade": return .trade
        case "aggTrade": return .aggTrade
        case "bookTicker": return .bookTicker
        case "ticker": return .ticker
        case "miniTicker": return .miniTicker
        case "avgPrice" where spot: return .avgPrice
        case "ticker_1h" where spot, "ticker_4h" where spot, "ticker_1d" where spot: return .silent(s)
        case "markPrice" where !spot, "markPrice@1s" where !spot: return .markPrice
        case "forceOrder" where !spot: return .forceOrder
        case "compositeIndex" where !spot: return .silent(s)
        default: break
        }
        if s.hasPrefix("kline_") { return kline(s.dropFirst(6), spot: spot) }
        if !spot, s.contains("@continuousKline_") || s.hasPrefix("continuousKline_") { return .silent(s) }
        if s.hasPrefix("depth") { return depth(s.dropFirst(5), spot: spot) }
        return nil
    }

    /// `1m`, `1m@+08:00` (spot time zone; bars stay UTC here).
    static func kline(_ rest: Substring, spot: Bool) -> TopicKind? {
        var name = rest
        if spot, let at = rest.firstIndex(of: "@") {
            let zone = rest[rest.index(after: at)...]
            guard isTimeZone(zone) else { return nil }
            name = rest[..<at]
        }
        guard let interval = KlineInterval.allCases.first(where: { $0.name == name }) else { return nil }
        return .kline(interval)
    }

    /// `+08:00`, `-5`, `+5:30`.
    static func isTimeZone(_ z: Substring) -> Bool {
        guard let sign = z.first, sign == "+" || sign == "-" else { return false }
        let parts = z.dropFirst().split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let h = Int(parts[0]), (0...14).contains(h) else { return false }
        return parts.count == 1 || (parts[1].count == 2 && Int(parts[1]).map { (0...59).contains($0) } == true)
    }

    /// After `depth`: ``, `@100ms`, `5`, `20@100ms`, … (futures also `@0ms`, `@250ms`, `@500ms`).
    static func depth(_ rest: Substring, spot: Bool) -> TopicKind? {
        var levels: Int?
        var speed = rest
        if let first = rest.first, first.isNumber {
            let digits = rest.prefix(while: \.isNumber)
            guard let n = Int(digits), [5, 10, 20].contains(n) else { return nil }
            levels = n
            speed = rest.dropFirst(digits.count)
        }
        let allowed: [Substring: Int64] = spot
            ? ["": 1_000, "@1000ms": 1_000, "@100ms": 100]
            : ["": 250, "@250ms": 250, "@500ms": 500, "@100ms": 100, "@0ms": 0]
        guard let ms = allowed[speed] else { return nil }
        if let levels { return .depthPartial(levels: levels, intervalMs: max(ms, 100)) }
        return .depthDiff
    }

    /// After `!`.
    static func allMarket(_ s: String, venue: Venue) -> TopicKind? {
        let spot = venue == .spot
        switch s {
        case "ticker@arr": return .allTicker
        case "miniTicker@arr": return .allMiniTicker
        case "ticker_1h@arr" where spot, "ticker_4h@arr" where spot, "ticker_1d@arr" where spot: return .silent(s)
        case "bookTicker" where !spot: return .allBookTicker
        case "markPrice@arr" where !spot, "markPrice@arr@1s" where !spot: return .allMarkPrice
        case "forceOrder@arr" where !spot: return .allForceOrder
        case "contractInfo" where !spot, "assetIndex@arr" where !spot: return .silent(s)
        default: return nil
        }
    }
}
