import Glibc
@testable import Market
import Testing

// Real bodies: cryptofeed BINANCE.0.gz (spot /api/v3/exchangeInfo, 2021-10-12, 1695 symbols)
// and BINANCE_FUTURES.0.gz (USD-M /fapi/v1/exchangeInfo, 2021-07-21, 122 symbols), from
// github.com/bmoscon/cryptofeed sample_data (XFree86 1.1), in fixtures/binance/cryptofeed.

/// The exchangeInfo body recorded in `file`: its first line is `<url> -> <time>: <body>`.
func recordedExchangeInfo(_ file: String) throws -> [UInt8] {
    var first: [UInt8]?
    try forEachGzipLine(binanceFixtures("cryptofeed/") + file) { line in
        first = Array(line)
        return false
    }
    guard let bytes = first, !bytes.isEmpty else { throw RecordingError(description: "\(file) is empty") }
    guard let start = bytes.firstIndex(of: UInt8(ascii: "{")) else { throw RecordingError(description: "no body in \(file)") }
    return Array(bytes[start...])
}

private func symbols(_ body: [UInt8], only: Set<String>? = nil) throws -> [String: ExchangeSymbol] {
    let answer = try ExchangeInfo.parse(body, only: only).get()
    return Dictionary(answer.symbols.map { ($0.symbol, $0) }, uniquingKeysWith: { a, _ in a })
}

/// `1_000_000` for 0.01: values in the tests are written as decimals times 10^8.
private let e8: Int64 = 100_000_000

@Suite("exchangeInfo bodies")
struct ExchangeInfoTests {
    @Test("a real spot answer gives exact filters, and precisions from the tick and step sizes")
    func realSpot() throws {
        let body = try recordedExchangeInfo("BINANCE.0.gz")
        let all = try ExchangeInfo.parse(body).get()
        #expect(all.symbols.count == 1695, "every entry is read")
        #expect(all.symbols.filter { $0.status == "BREAK" }.count == 433)
        #expect(all.requestWeightPerMinute == 1200)

        let s = try symbols(body, only: ["BTCUSDT", "SHIBUSDT", "BLZETH", "NOSUCHPAIR"])
        #expect(s.count == 3)
        #expect(s["BTCUSDT"] == ExchangeSymbol(
            symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT", status: "TRADING", pricePrecision: 2,
            quantityPrecision: 5, minPrice: e8 / 100, maxPrice: 1_000_000 * e8, tickSize: e8 / 100,
            minQty: 1_000, maxQty: 9_000 * e8, stepSize: 1_000))
        // "1.00" has two written decimals but none that count; the largest maxQty of the list.
        #expect(s["SHIBUSDT"] == ExchangeSymbol(
            symbol: "SHIBUSDT", baseAsset: "SHIB", quoteAsset: "USDT", status: "TRADING", pricePrecision: 8,
            quantityPrecision: 0, minPrice: 1, maxPrice: e8, tickSize: 1, minQty: e8, maxQty: 46_116_860_414 * e8,
            stepSize: e8))
        #expect(s["BLZETH"]?.pricePrecision == 8 && s["BLZETH"]?.quantityPrecision == 0)
        #expect(s["BLZETH"]?.maxQty == 90_000_000 * e8)
    }

    @Test("a real futures answer gives its stated precisions, not the tick's decimals")
    func realFutures() throws {
        let body = try recordedExchangeInfo("BINANCE_FUTURES.0.gz")
        let all = try ExchangeInfo.parse(body).get()
        #expect(all.symbols.count == 122)
        #expect(all.symbols.filter { $0.status == "PENDING_TRADING" }.count == 1)
        #expect(all.requestWeightPerMinute == 2400)

        let s = try symbols(body, only: ["BTCUSDT", "SUSHIUSDT", "BTCUSDT_210924"])
        #expect(s["BTCUSDT"] == ExchangeSymbol(
            symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT", status: "TRADING", pricePrecision: 2,
            quantityPrecision: 3, minPrice: 55_672 * e8 / 100, maxPrice: 1_000_000 * e8, tickSize: e8 / 100,
            minQty: e8 / 1000, maxQty: 1_000 * e8, stepSize: e8 / 1000))
        // tickSize "0.0010" has 3 significant decimals; Binance says 4.
        #expect(s["SUSHIUSDT"] == ExchangeSymbol(
            symbol: "SUSHIUSDT", baseAsset: "SUSHI", quoteAsset: "USDT", status: "TRADING", pricePrecision: 4,
            quantityPrecision: 0, minPrice: 1_430 * e8 / 10_000, maxPrice: 500 * e8, tickSize: e8 / 1000,
            minQty: e8, maxQty: 10_000_000 * e8, stepSize: e8))
        #expect(s["BTCUSDT_210924"]?.pricePrecision == 1 && s["BTCUSDT_210924"]?.tickSize == e8 / 10)
    }

    @Test("the simulator's spot and futures answers read like Binance's")
    func simulatorShapes() throws {
        let s = try symbols(Array(Self.simulatorSpot.utf8))["BTCUSDT"]
        #expect(s == ExchangeSymbol(
            symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT", status: "TRADING", pricePrecision: 2,
            quantityPrecision: 5, minPrice: e8 / 100, maxPrice: 1_000_000 * e8, tickSize: e8 / 100,
            minQty: 1_000, maxQty: 9_000 * e8, stepSize: 1_000))
        let f = try symbols(Array(Self.simulatorFutures.utf8))["BTCUSDT"]
        #expect(f == ExchangeSymbol(
            symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT", status: "TRADING", pricePrecision: 2,
            quantityPrecision: 3, minPrice: e8 / 10, maxPrice: 1_000_000 * e8, tickSize: e8 / 10,
            minQty: e8 / 1000, maxQty: 9_000 * e8, stepSize: e8 / 1000))
    }

    @Test("an error body or a body that is not JSON fails with what it says")
    func errors() {
        let invalid = ExchangeInfo.parse(Array(#"{"code":-1121,"msg":"Invalid symbol."}"#.utf8))
        #expect(invalid == .failure(ExchangeInfoError(description: "Binance error -1121: Invalid symbol.")))
        #expect(ExchangeInfo.parse(Array(#"{"timezone":"UTC"}"#.utf8)) == .failure(ExchangeInfoError(description: "no symbols array")))
        guard case .failure(let e) = ExchangeInfo.parse(Array("<html>".utf8)) else {
            Issue.record("HTML read as exchangeInfo")
            return
        }
        #expect(e.description.hasPrefix("not JSON"))
    }

    @Test("precision falls back to the asset precisions, then to 8; odd values become nil, incomplete entries are skipped")
    func fallbacks() throws {
        let body = #"""
            {"symbols":[
             {"symbol":"AAA","status":"BREAK","baseAsset":"A","quoteAsset":"Q","baseAssetPrecision":3,"quoteAssetPrecision":6,
              "filters":[{"filterType":"PRICE_FILTER","minPrice":"0.00000000","maxPrice":"0","tickSize":"0.00000000"},
                         {"filterType":"LOT_SIZE","minQty":"0.000000001","maxQty":"99999999999999","stepSize":"x"}]},
             {"symbol":"BBB","status":"TRADING","baseAsset":"B","quoteAsset":"Q","pricePrecision":-1,"quantityPrecision":99},
             {"symbol":"CCC","status":"TRADING","quoteAsset":"Q"},
             {"symbol":"DDD","status":"TRADING","baseAsset":"D","quoteAsset":"Q","quotePrecision":4,
              "filters":[{"filterType":"PRICE_FILTER","minPrice":1,"maxPrice":2.5,"tickSize":0.5}]}
            ]}
            """#
        let s = try symbols(Array(body.utf8))
        #expect(s.keys.sorted() == ["AAA", "BBB", "DDD"])
        #expect(s["AAA"] == ExchangeSymbol(symbol: "AAA", baseAsset: "A", quoteAsset: "Q", status: "BREAK", pricePrecision: 6,
                                           quantityPrecision: 3, minPrice: 0, maxPrice: 0, tickSize: 0))
        #expect(s["BBB"]?.pricePrecision == 8 && s["BBB"]?.quantityPrecision == 8)
        #expect(s["DDD"]?.pricePrecision == 1 && s["DDD"]?.maxPrice == 25 * e8 / 10 && s["DDD"]?.minQty == nil)
    }

    @Test("significant decimals of a step")
    func places() {
        #expect(ExchangeInfo.places(e8 / 100) == 2)
        #expect(ExchangeInfo.places(5 * e8 / 100) == 2)
        #expect(ExchangeInfo.places(e8) == 0)
        #expect(ExchangeInfo.places(10 * e8) == 0)
        #expect(ExchangeInfo.places(1) == 8)
        #expect(ExchangeInfo.places(0) == nil)
        #expect(ExchangeInfo.places(nil) == nil)
    }
}

extension ExchangeInfoTests {
    @Test("a REQUEST_WEIGHT limit that no exchange would state is ignored, not trusted into an overflow or a stall",
          arguments: [("SECOND", "9000000000000000000"), ("MINUTE", "0"), ("MINUTE", "-5"), ("SECOND", "1000000")])
    func junkRateLimit(interval: String, limit: String) throws {
        let body = #"{"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"\#(interval)","intervalNum":1,"limit":\#(limit)}]}"#
        guard case .success(let json) = JSONReader.parse(Array(body.utf8)) else { Issue.record("unparsable"); return }
        #expect(ExchangeInfo.requestWeightPerMinute(json) == nil)
        let fine = #"{"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"SECOND","intervalNum":1,"limit":100}]}"#
        guard case .success(let ok) = JSONReader.parse(Array(fine.utf8)) else { Issue.record("unparsable"); return }
        #expect(ExchangeInfo.requestWeightPerMinute(ok) == 6000)
    }

    /// What `tterminal simulate --symbols BTCUSDT,ETHUSDT` answered (BinanceREST+Info):
    /// `/api/v3/exchangeInfo?symbol=BTCUSDT` and `/fapi/v1/exchangeInfo`.
    static let simulatorSpot = #"""
        {"timezone":"UTC","serverTime":1795827530975,"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT",
        "interval":"MINUTE","intervalNum":1,"limit":6000},{"rateLimitType":"ORDERS","interval":"SECOND",
        "intervalNum":10,"limit":100},{"rateLimitType":"RAW_REQUESTS","interval":"MINUTE","intervalNum":5,
        "limit":61000}],"exchangeFilters":[],"symbols":[{"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC",
        "quoteAsset":"USDT","baseAssetPrecision":8,"quotePrecision":8,"quoteAssetPrecision":8,
        "isSpotTradingAllowed":true,"permissions":[],"permissionSets":[["SPOT"]],
        "filters":[{"filterType":"PRICE_FILTER","minPrice":"0.01000000","maxPrice":"1000000.00000000",
        "tickSize":"0.01000000"},{"filterType":"LOT_SIZE","minQty":"0.00001000","maxQty":"9000.00000000",
        "stepSize":"0.00001000"}]}]}
        """#
    static let simulatorFutures = #"""
        {"timezone":"UTC","serverTime":1795827530985,"futuresType":"U_MARGINED",
        "rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":2400},
        {"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":100},{"rateLimitType":"RAW_REQUESTS",
        "interval":"MINUTE","intervalNum":5,"limit":61000}],"exchangeFilters":[],"symbols":[{"symbol":"BTCUSDT",
        "pair":"BTCUSDT","contractType":"PERPETUAL","deliveryDate":4133404800000,"onboardDate":1569398400000,
        "status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","marginAsset":"USDT","pricePrecision":2,
        "quantityPrecision":3,"filters":[{"filterType":"PRICE_FILTER","minPrice":"0.10","maxPrice":"1000000.00",
        "tickSize":"0.10"},{"filterType":"LOT_SIZE","minQty":"0.001","maxQty":"9000.000","stepSize":"0.001"}]},
        {"symbol":"ETHUSDT","pair":"ETHUSDT","contractType":"PERPETUAL","deliveryDate":4133404800000,
        "onboardDate":1569398400000,"status":"TRADING","baseAsset":"ETH","quoteAsset":"USDT","marginAsset":"USDT",
        "pricePrecision":2,"quantityPrecision":3,"filters":[{"filterType":"PRICE_FILTER","minPrice":"0.01",
        "maxPrice":"1000000.00","tickSize":"0.01"},{"filterType":"LOT_SIZE","minQty":"0.001","maxQty":"9000.000",
        "stepSize":"0.001"}]}]}
        """#
}
