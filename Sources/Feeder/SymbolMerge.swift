import Market
import Store

/// The `symbols` rows of a sync round: each configured symbol from its spot entry when spot
/// lists it, else from its futures entry, in the configured order. Pure, so tests feed it
/// bodies directly.
struct SymbolMerge: Equatable {
    var rows: [SymbolRow] = []
    /// How many of `rows` came from spot.
    var fromSpot = 0
    /// Configured symbols neither venue listed.
    var missing: [String] = []
    /// Entries the table would refuse (a text longer than its column), with why.
    var rejected: [String] = []
    /// Bodies that could not be read (the round is tried again soon).
    var problems: [String] = []
    var spotWeightLimit: Int?
    var futuresWeightLimit: Int?

    init(symbols: [String], round: SymbolSyncCore.Round) {
        let wanted = Set(symbols)
        var spot: [String: ExchangeSymbol] = [:]
        var futures: [String: ExchangeSymbol] = [:]
        for body in round.spot {
            guard let answer = read(body, "spot", wanted) else { continue }
            for s in answer.symbols { spot[s.symbol] = s }
            spotWeightLimit = answer.requestWeightPerMinute ?? spotWeightLimit
        }
        for body in round.futures {
            guard let answer = read(body, "futures", wanted) else { continue }
            for s in answer.symbols { futures[s.symbol] = s }
            futuresWeightLimit = answer.requestWeightPerMinute ?? futuresWeightLimit
        }
        for name in symbols {
            guard let entry = spot[name] ?? futures[name] else {
                missing.append(name)
                continue
            }
            let row = Self.row(entry)
            if let problem = row.problem {
                rejected.append("\(name): \(problem)")
                continue
            }
            rows.append(row)
            if spot[name] != nil { fromSpot += 1 }
        }
    }

    private mutating func read(_ body: [UInt8], _ venue: String, _ wanted: Set<String>) -> ExchangeInfoAnswer? {
        switch ExchangeInfo.parse(body, only: wanted) {
        case .success(let answer):
            return answer
        case .failure(let e):
            problems.append("\(venue) exchangeInfo: \(e)")
            return nil
        }
    }

    static func row(_ s: ExchangeSymbol) -> SymbolRow {
        SymbolRow(symbol: s.symbol, baseAsset: s.baseAsset, quoteAsset: s.quoteAsset, status: s.status,
                  pricePrecision: s.pricePrecision, quantityPrecision: s.quantityPrecision, minPrice: s.minPrice,
                  maxPrice: s.maxPrice, minQty: s.minQty, maxQty: s.maxQty, stepSize: s.stepSize, tickSize: s.tickSize)
    }
}
