import Testing
@testable import Market

// REST bodies: depth snapshots from hftbacktest (MIT) — the first three levels per side of
// the real 1000-level bodies, the rest cut for brevity; the klines row is the first row of
// binance-vision-klines/BTCUSDT-1m-2020-01-01.zip (BSD-3-Clause) in /api/v3/klines JSON form.

@Suite("Binance REST bodies: depth snapshot and klines")
struct BinanceParserRESTTests {
    @Test("a spot depth snapshot yields lastUpdateId and both sides' levels")
    func spotSnapshot() {
        var p = BinanceParser(symbols: testSymbols())
        let e = p.parse(#"{"lastUpdateId":50093239218,"bids":[["61837.63000000","3.78826000"],["61837.62000000","0.61700000"],["61837.24000000","0.10610000"]],"asks":[["61837.64000000","1.54698000"],["61838.00000000","0.00100000"],["61838.04000000","0.32332000"]]}"#)
        #expect(e == .depthSnapshot(DepthSnapshotEvent(lastUpdateId: 50093239218, eventTime: nil, transactionTime: nil,
                                                       bidCount: 3, askCount: 3)))
        #expect(p.bids.first == PriceLevel(price: fx("61837.63"), quantity: fx("3.78826")))
        #expect(p.bids.last == PriceLevel(price: fx("61837.24"), quantity: fx("0.1061")))
        #expect(p.asks.first == PriceLevel(price: fx("61837.64"), quantity: fx("1.54698")))
        #expect(p.asks.last == PriceLevel(price: fx("61838.04"), quantity: fx("0.32332")))
    }

    @Test("a futures depth snapshot carries E and T")
    func futuresSnapshot() {
        var p = BinanceParser(symbols: testSymbols())
        let e = p.parse(#"{"lastUpdateId":5123107852948,"E":1723161256501,"T":1723161256493,"bids":[["61800.20","2.909"],["61800.10","0.696"],["61800.00","20.004"]],"asks":[["61800.30","3.330"]]}"#)
        #expect(e == .depthSnapshot(DepthSnapshotEvent(lastUpdateId: 5123107852948, eventTime: 1723161256501,
                                                       transactionTime: 1723161256493, bidCount: 3, askCount: 1)))
        #expect(Array(p.bids) == [PriceLevel(price: fx("61800.2"), quantity: fx("2.909")),
                                  PriceLevel(price: fx("61800.1"), quantity: fx("0.696")),
                                  PriceLevel(price: fx("61800"), quantity: fx("20.004"))])
    }

    static let row = #"[1577836800000,"7195.24000000","7196.25000000","7183.14000000","7186.68000000","51.64281200",1577836859999,"371233.51835535",493,"19.59823000","140888.41428273","0"]"#
    static let bar = KlineBar(openTime: 1577836800000, closeTime: 1577836859999, open: fx("7195.24"), high: fx("7196.25"),
                              low: fx("7183.14"), close: fx("7186.68"), volume: fx("51.642812"),
                              quoteVolume: fx("371233.51835535"), tradeCount: 493, takerBuyBase: fx("19.59823"),
                              takerBuyQuote: fx("140888.41428273"))

    @Test("a klines row yields all eleven meaningful columns, and -1 (none) as first and last trade ids")
    func klineRow() throws {
        let p = BinanceParser(symbols: testSymbols())
        var text = Self.row
        let result = text.withUTF8 { p.parseKlineRow(UnsafeRawBufferPointer($0)) }
        #expect(result == .success(Self.bar))
        let bar = try result.get()
        #expect(bar.firstTradeId == -1 && bar.lastTradeId == -1)
    }

    @Test("a klines body calls back once per row in order")
    func klineBody() {
        let p = BinanceParser(symbols: testSymbols())
        var text = "[" + Self.row + ",\n " + Self.row + "]"
        var bars: [KlineBar] = []
        let result = text.withUTF8 { p.parseKlineRows(UnsafeRawBufferPointer($0)) { bars.append($0) } }
        #expect(result == .success(2))
        #expect(bars == [Self.bar, Self.bar])
        var empty = "[]"
        #expect(empty.withUTF8 { p.parseKlineRows(UnsafeRawBufferPointer($0)) { _ in } } == .success(0))
    }

    @Test("a klines row with a missing column, a float time or any truncation is malformed")
    func badKlineRows() {
        let p = BinanceParser(symbols: testSymbols())
        func parse(_ s: String) -> Result<KlineBar, MalformedReason> {
            var t = s
            return t.withUTF8 { p.parseKlineRow(UnsafeRawBufferPointer($0)) }
        }
        #expect(parse(Self.row.replacing(#","0"]"#, with: "]")) == .failure(.unexpectedByte))
        #expect(parse(Self.row.replacing("1577836800000,", with: "1.5778368e12,")) == .failure(.badNumber))
        let bytes = Array(Self.row.utf8)
        for n in 0..<bytes.count {
            #expect(parse(String(decoding: bytes[0..<n], as: UTF8.self)) != .success(Self.bar))
        }
    }
}
