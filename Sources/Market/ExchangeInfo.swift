/// One entry of a Binance `exchangeInfo` answer (spot `/api/v3` or USD-M `/fapi/v1`): what
/// the `symbols` table keeps. Filter values are fixed-point (8 decimals); one that is absent,
/// malformed, or finer than 8 decimals is nil.
public struct ExchangeSymbol: Sendable, Equatable {
    public var symbol: String
    public var baseAsset: String
    public var quoteAsset: String
    /// `TRADING`, `BREAK`, `HALT`…; futures also `PENDING_TRADING`, `SETTLING`, `CLOSE`.
    public var status: String
    /// Decimals of a price: futures' `pricePrecision`; on spot, the decimals of `tickSize`.
    public var pricePrecision: Int
    /// Decimals of a quantity: futures' `quantityPrecision`; on spot, those of `stepSize`.
    public var quantityPrecision: Int
    /// `PRICE_FILTER`.
    public var minPrice: Int64?
    public var maxPrice: Int64?
    public var tickSize: Int64?
    /// `LOT_SIZE`.
    public var minQty: Int64?
    public var maxQty: Int64?
    public var stepSize: Int64?

    public init(symbol: String, baseAsset: String, quoteAsset: String, status: String, pricePrecision: Int,
                quantityPrecision: Int, minPrice: Int64? = nil, maxPrice: Int64? = nil, tickSize: Int64? = nil,
                minQty: Int64? = nil, maxQty: Int64? = nil, stepSize: Int64? = nil) {
        self.symbol = symbol
        self.baseAsset = baseAsset
        self.quoteAsset = quoteAsset
        self.status = status
        self.pricePrecision = pricePrecision
        self.quantityPrecision = quantityPrecision
        self.minPrice = minPrice
        self.maxPrice = maxPrice
        self.tickSize = tickSize
        self.minQty = minQty
        self.maxQty = maxQty
        self.stepSize = stepSize
    }
}

/// What an `exchangeInfo` body says that the feeder uses.
public struct ExchangeInfoAnswer: Sendable, Equatable {
    public var symbols: [ExchangeSymbol]
    /// `rateLimits`' `REQUEST_WEIGHT`, per minute.
    public var requestWeightPerMinute: Int?

    public init(symbols: [ExchangeSymbol], requestWeightPerMinute: Int? = nil) {
        self.symbols = symbols
        self.requestWeightPerMinute = requestWeightPerMinute
    }
}

/// Why an `exchangeInfo` body could not be read.
public struct ExchangeInfoError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
}

/// Reading `exchangeInfo` bodies (cold path: once a day). Spot and futures share the shape
/// that matters here; the venue shows in which precision fields are present, so one reader
/// serves both, and the simulator's answers too.
public enum ExchangeInfo {
    /// The precision used when an entry says nothing usable (the `symbols` table's default).
    public static let defaultPrecision = 8

    /// The entries of `symbols[]` named in `only` (all when nil), in the body's order, and the
    /// request-weight limit the body states. An entry without a symbol, base asset, quote
    /// asset or status is skipped; a body that is not JSON or has no `symbols` array (a
    /// `{"code":…,"msg":…}` error) fails.
    public static func parse(_ body: [UInt8], only: Set<String>? = nil) -> Result<ExchangeInfoAnswer, ExchangeInfoError> {
        let json: JSONValue
        switch JSONReader.parse(body) {
        case .success(let v): json = v
        case .failure(let e): return .failure(ExchangeInfoError(description: "not JSON: \(e.message) at \(e.line):\(e.column)"))
        }
        guard let entries = json["symbols"]?.array else {
            if let code = json["code"]?.int64 {
                return .failure(ExchangeInfoError(description: "Binance error \(code): \(json["msg"]?.string ?? "")"))
            }
            return .failure(ExchangeInfoError(description: "no symbols array"))
        }
        var out = ExchangeInfoAnswer(symbols: [], requestWeightPerMinute: requestWeightPerMinute(json))
        for entry in entries {
            guard let name = entry["symbol"]?.string, only?.contains(name) ?? true else { continue }
            if let s = symbol(entry) { out.symbols.append(s) }
        }
        return .success(out)
    }

    /// One `symbols[]` entry, or nil when it lacks a name, an asset or a status.
    public static func symbol(_ entry: JSONValue) -> ExchangeSymbol? {
        guard let name = entry["symbol"]?.string, !name.isEmpty,
              let base = entry["baseAsset"]?.string, let quote = entry["quoteAsset"]?.string,
              let status = entry["status"]?.string else { return nil }
        let price = filter(entry, "PRICE_FILTER")
        let lot = filter(entry, "LOT_SIZE")
        let tick = price?["tickSize"]?.fixed
        let step = lot?["stepSize"]?.fixed
        let pricePrecision = precision(entry["pricePrecision"]) ?? places(tick)
            ?? precision(entry["quoteAssetPrecision"]) ?? precision(entry["quotePrecision"]) ?? defaultPrecision
        let quantityPrecision = precision(entry["quantityPrecision"]) ?? places(step)
            ?? precision(entry["baseAssetPrecision"]) ?? defaultPrecision
        return ExchangeSymbol(symbol: name, baseAsset: base, quoteAsset: quote, status: status,
                              pricePrecision: pricePrecision, quantityPrecision: quantityPrecision,
                              minPrice: price?["minPrice"]?.fixed, maxPrice: price?["maxPrice"]?.fixed, tickSize: tick,
                              minQty: lot?["minQty"]?.fixed, maxQty: lot?["maxQty"]?.fixed, stepSize: step)
    }

    /// The `REQUEST_WEIGHT` limit per minute in `rateLimits`, if the body states a plausible
    /// one (`plausibleWeights`; anything else is junk and the caller keeps its default).
    static func requestWeightPerMinute(_ json: JSONValue) -> Int? {
        guard let limits = json["rateLimits"]?.array else { return nil }
        for l in limits where l["rateLimitType"]?.string == "REQUEST_WEIGHT" {
            guard let limit = l["limit"]?.int64, let n = l["intervalNum"]?.int64, n > 0,
                  limit > 0, limit <= Int64(plausibleWeights.upperBound) else { continue }
            let perMinute: Int64
            switch l["interval"]?.string {
            case "MINUTE": perMinute = limit / n
            case "SECOND": perMinute = limit * 60 / n
            default: continue
            }
            if plausibleWeights.contains(Int(perMinute)) { return Int(perMinute) }
        }
        return nil
    }

    /// REQUEST_WEIGHT limits per minute believed from exchangeInfo (Binance: 1,200 to 6,000 so far).
    public static let plausibleWeights = 60...1_000_000

    /// Significant decimals of a positive step (`0.01000000` → 2, `1.00` → 0, `0.05` → 2);
    /// nil for zero (Binance's "filter off") or none.
    public static func places(_ step: Int64?) -> Int? {
        guard var v = step, v > 0 else { return nil }
        var p = Fixed.decimals
        while p > 0 && v % 10 == 0 {
            v /= 10
            p -= 1
        }
        return p
    }

    static func filter(_ entry: JSONValue, _ type: String) -> JSONValue? {
        entry["filters"]?.array?.first { $0["filterType"]?.string == type }
    }

    /// A precision field: an integer from 0 to 18, else nil.
    static func precision(_ v: JSONValue?) -> Int? {
        guard let n = v?.int64, (0...18).contains(n) else { return nil }
        return Int(n)
    }
}
