import Testing
@testable import Market

// Frames below are copied verbatim from recordings in /work/shared/binance-data:
// hftbacktest/*.gz (github.com/nkaz001/hftbacktest examples, MIT, © 2022 nkaz001),
// cryptofeed/*.gz (github.com/bmoscon/cryptofeed sample_data, XFree86 1.1),
// forceorder/forceorder_samples.jsonl (tardis-dev/tardis-node test fixtures and the Binance docs example).
// Ticker and markPrice frames have no recording; they follow the Binance docs' example payloads.

/// The symbol table every parser test uses.
func testSymbols() -> BinanceSymbolTable {
    BinanceSymbolTable(["BTCUSDT", "ETHUSDT", "NKNUSDT", "CTKUSDT", "SUSHIUSDT", "BNBBTC", "BTCUSD_200925"])
}

func fx(_ s: String) -> Int64 { Fixed.parse(s)! }

@Suite("Binance frames: every event type and field")
struct BinanceParserTests {
    @Test("a spot trade in a combined-stream wrapper yields every field")
    func spotTrade() {
        var p = BinanceParser(symbols: testSymbols())
        // hftbacktest spot_btcusdt_20240808.gz
        let e = p.parse(#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}"#)
        #expect(e == .trade(TradeEvent(symbol: 0, eventTime: 1723161255343, tradeTime: 1723161255342, tradeId: 3735683259,
                                       price: 6_183_763_000_000, quantity: 2_000_000, buyerIsMaker: true)))
    }

    @Test("a raw trade payload without the wrapper parses the same")
    func rawTrade() {
        var p = BinanceParser(symbols: testSymbols())
        let e = p.parse(#"{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}"#)
        #expect(e == .trade(TradeEvent(symbol: 0, eventTime: 1723161255343, tradeTime: 1723161255342, tradeId: 3735683259,
                                       price: 6_183_763_000_000, quantity: 2_000_000, buyerIsMaker: true)))
    }

    @Test("a futures trade with X and T before s parses as a trade")
    func futuresTrade() {
        var p = BinanceParser(symbols: testSymbols())
        // hftbacktest usdm_ethusdt_20240808.gz
        let e = p.parse(#"{"stream":"ethusdt@trade","data":{"e":"trade","E":1723161256560,"T":1723161256560,"s":"ETHUSDT","t":4308068523,"p":"2681.62","q":"1.000","X":"MARKET","m":true}}"#)
        #expect(e == .trade(TradeEvent(symbol: 1, eventTime: 1723161256560, tradeTime: 1723161256560, tradeId: 4308068523,
                                       price: fx("2681.62"), quantity: fx("1"), buyerIsMaker: true)))
    }

    @Test("the 2023 spot trade with integer buyer and seller order ids still parses")
    func legacyTrade() {
        var p = BinanceParser(symbols: testSymbols())
        // hftbacktest spot_btcusdt_20230405_legacy.gz
        let e = p.parse(#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1680652800000,"s":"BTCUSDT","t":3071245454,"p":"28165.47000000","q":"0.00056000","b":20720542158,"a":20720542592,"T":1680652799999,"m":true,"M":true}}"#)
        #expect(e == .trade(TradeEvent(symbol: 0, eventTime: 1680652800000, tradeTime: 1680652799999, tradeId: 3071245454,
                                       price: fx("28165.47"), quantity: fx("0.00056"), buyerIsMaker: true)))
    }

    @Test("a spot aggTrade yields aggregate, first and last trade ids")
    func spotAggTrade() {
        var p = BinanceParser(symbols: testSymbols())
        // cryptofeed BINANCE.ws.1.0.gz
        let e = p.parse(#"{"stream":"nknusdt@aggTrade","data":{"e":"aggTrade","E":1633998523963,"s":"NKNUSDT","a":15683430,"p":"0.35280000","q":"58.00000000","f":19862790,"l":19862790,"T":1633998523963,"m":false,"M":true}}"#)
        #expect(e == .aggTrade(AggTradeEvent(symbol: 2, eventTime: 1633998523963, tradeTime: 1633998523963, aggregateId: 15683430,
                                             firstTradeId: 19862790, lastTradeId: 19862790, price: 35_280_000,
                                             quantity: 5_800_000_000, buyerIsMaker: false)))
    }

    @Test("a futures aggTrade without M parses")
    func futuresAggTrade() {
        var p = BinanceParser(symbols: testSymbols())
        // cryptofeed BINANCE_FUTURES.ws.1.0.gz
        let e = p.parse(#"{"stream":"ctkusdt@aggTrade","data":{"e":"aggTrade","E":1626992741575,"a":16599292,"s":"CTKUSDT","p":"1.01100","q":"10","f":23961322,"l":23961322,"T":1626992741421,"m":false}}"#)
        #expect(e == .aggTrade(AggTradeEvent(symbol: 3, eventTime: 1626992741575, tradeTime: 1626992741421, aggregateId: 16599292,
                                             firstTradeId: 23961322, lastTradeId: 23961322, price: fx("1.011"),
                                             quantity: fx("10"), buyerIsMaker: false)))
    }

    @Test("an open spot kline yields interval, the whole bar with its first and last trade ids, and closed false")
    func openKline() {
        var p = BinanceParser(symbols: testSymbols())
        // cryptofeed BINANCE.ws.1.0.gz
        let e = p.parse(#"{"stream":"nknusdt@kline_1m","data":{"e":"kline","E":1633998523963,"s":"NKNUSDT","k":{"t":1633998480000,"T":1633998539999,"s":"NKNUSDT","i":"1m","f":19862761,"L":19862790,"o":"0.35270000","c":"0.35280000","h":"0.35280000","l":"0.35220000","v":"25877.00000000","n":30,"x":false,"q":"9116.04600000","V":"58.00000000","Q":"20.46240000","B":"0"}}}"#)
        let bar = KlineBar(openTime: 1633998480000, closeTime: 1633998539999, open: fx("0.3527"), high: fx("0.3528"),
                           low: fx("0.3522"), close: fx("0.3528"), volume: fx("25877"), quoteVolume: fx("9116.046"),
                           tradeCount: 30, takerBuyBase: fx("58"), takerBuyQuote: fx("20.4624"), firstTradeId: 19862761,
                           lastTradeId: 19862790)
        #expect(e == .kline(KlineEvent(symbol: 2, interval: .m1, eventTime: 1633998523963, bar: bar, closed: false)))
    }

    @Test("a closed futures kline has closed true")
    func closedKline() {
        var p = BinanceParser(symbols: testSymbols())
        // cryptofeed BINANCE_FUTURES.ws.1.0.gz
        let e = p.parse(#"{"stream":"sushiusdt@kline_1m","data":{"e":"kline","E":1626992760203,"s":"SUSHIUSDT","k":{"t":1626992700000,"T":1626992759999,"s":"SUSHIUSDT","i":"1m","f":126902874,"L":126902986,"o":"7.6080","c":"7.6170","h":"7.6180","l":"7.6070","v":"3005","n":113,"x":true,"q":"22875.8590","V":"1900","Q":"14464.6960","B":"0"}}}"#)
        let bar = KlineBar(openTime: 1626992700000, closeTime: 1626992759999, open: fx("7.608"), high: fx("7.618"),
                           low: fx("7.607"), close: fx("7.617"), volume: fx("3005"), quoteVolume: fx("22875.859"),
                           tradeCount: 113, takerBuyBase: fx("1900"), takerBuyQuote: fx("14464.696"), firstTradeId: 126902874,
                           lastTradeId: 126902986)
        #expect(e == .kline(KlineEvent(symbol: 4, interval: .m1, eventTime: 1626992760203, bar: bar, closed: true)))
    }

    @Test("every Binance kline interval name maps to its enum case")
    func intervals() {
        for interval in KlineInterval.allCases {
            let name = interval.name
            let parsed = Array(name.utf8).withUnsafeBytes { FrameScanner.interval($0) }
            #expect(parsed == interval)
        }
        #expect(Array("2m".utf8).withUnsafeBytes { FrameScanner.interval($0) } == nil)
    }

    @Test("a spot depth diff yields U, u and its levels, without T or pu")
    func spotDepth() {
        var p = BinanceParser(symbols: testSymbols())
        // hftbacktest spot_ethusdt_20240808.gz
        let e = p.parse(#"{"stream":"ethusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255308,"s":"ETHUSDT","U":35346513499,"u":35346513505,"b":[["2683.80000000","3.02920000"],["2679.00000000","28.21530000"],["2674.81000000","1.47500000"],["2674.54000000","0.00310000"],["2639.02000000","2.00000000"],["2500.00000000","352.90500000"]],"a":[["2733.70000000","0.00000000"]]}}"#)
        #expect(e == .depthUpdate(DepthUpdateEvent(symbol: 1, eventTime: 1723161255308, transactionTime: nil,
                                                   firstUpdateId: 35346513499, finalUpdateId: 35346513505,
                                                   previousFinalUpdateId: nil, bidCount: 6, askCount: 1)))
        #expect(Array(p.bids) == [
            PriceLevel(price: fx("2683.8"), quantity: fx("3.0292")), PriceLevel(price: fx("2679"), quantity: fx("28.2153")),
            PriceLevel(price: fx("2674.81"), quantity: fx("1.475")), PriceLevel(price: fx("2674.54"), quantity: fx("0.0031")),
            PriceLevel(price: fx("2639.02"), quantity: fx("2")), PriceLevel(price: fx("2500"), quantity: fx("352.905")),
        ])
        #expect(Array(p.asks) == [PriceLevel(price: fx("2733.7"), quantity: 0)])
    }

    @Test("a futures depth diff carries T and pu")
    func futuresDepth() {
        var p = BinanceParser(symbols: testSymbols())
        // cryptofeed BINANCE_FUTURES.ws.1.0.gz
        let e = p.parse(#"{"stream":"sushiusdt@depth@100ms","data":{"e":"depthUpdate","E":1626992741037,"T":1626992741024,"s":"SUSHIUSDT","U":600859599090,"u":600859600917,"pu":600859598061,"b":[["7.5040","813"],["7.6090","0"],["7.6110","2"]],"a":[["7.6150","1563"],["7.6220","3284"]]}}"#)
        #expect(e == .depthUpdate(DepthUpdateEvent(symbol: 4, eventTime: 1626992741037, transactionTime: 1626992741024,
                                                   firstUpdateId: 600859599090, finalUpdateId: 600859600917,
                                                   previousFinalUpdateId: 600859598061, bidCount: 3, askCount: 2)))
        #expect(Array(p.bids) == [PriceLevel(price: fx("7.504"), quantity: fx("813")), PriceLevel(price: fx("7.609"), quantity: 0),
                                  PriceLevel(price: fx("7.611"), quantity: fx("2"))])
        #expect(Array(p.asks) == [PriceLevel(price: fx("7.615"), quantity: fx("1563")), PriceLevel(price: fx("7.622"), quantity: fx("3284"))])
    }

    @Test("an empty side of a depth diff gives zero levels")
    func emptySide() {
        var p = BinanceParser(symbols: testSymbols())
        // cryptofeed BINANCE.ws.1.0.gz
        let e = p.parse(#"{"stream":"nknusdt@depth@100ms","data":{"e":"depthUpdate","E":1633998512068,"s":"NKNUSDT","U":499869750,"u":499869752,"b":[["0.35130000","6195.00000000"],["0.34750000","5548.00000000"],["0.34640000","6222.00000000"]],"a":[]}}"#)
        #expect(e == .depthUpdate(DepthUpdateEvent(symbol: 2, eventTime: 1633998512068, transactionTime: nil,
                                                   firstUpdateId: 499869750, finalUpdateId: 499869752,
                                                   previousFinalUpdateId: nil, bidCount: 3, askCount: 0)))
        #expect(p.bids.last == PriceLevel(price: fx("0.3464"), quantity: fx("6222")))
        #expect(p.asks.isEmpty)
    }

    @Test("a spot bookTicker without e or E is recognised by its shape")
    func spotBookTicker() {
        var p = BinanceParser(symbols: testSymbols())
        // hftbacktest spot_btcusdt_20240808.gz
        let e = p.parse(#"{"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}"#)
        #expect(e == .bookTicker(BookTickerEvent(symbol: 0, updateId: 50093239212, bidPrice: fx("61837.63"), bidQuantity: fx("3.78826"),
                                                 askPrice: fx("61837.64"), askQuantity: fx("1.54698"), eventTime: nil,
                                                 transactionTime: nil)))
    }

    @Test("a futures bookTicker carries E and T")
    func futuresBookTicker() {
        var p = BinanceParser(symbols: testSymbols())
        // hftbacktest usdm_btcusdt_20240808.gz
        let e = p.parse(#"{"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":5123107839020,"s":"BTCUSDT","b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256313}}"#)
        #expect(e == .bookTicker(BookTickerEvent(symbol: 0, updateId: 5123107839020, bidPrice: fx("61800.2"), bidQuantity: fx("2.507"),
                                                 askPrice: fx("61800.3"), askQuantity: fx("2.51"), eventTime: 1723161256313,
                                                 transactionTime: 1723161256313)))
    }

    @Test("a 24hrTicker yields last, open, high, low, volumes, change, percent and count")
    func ticker() {
        var p = BinanceParser(symbols: testSymbols())
        // Binance spot docs example payload (no recording exists here).
        let e = p.parse(#"{"e":"24hrTicker","E":1672515782136,"s":"BNBBTC","p":"0.0015","P":"-250.00","w":"0.0018","x":"0.0009","c":"0.0025","Q":"10","b":"0.0024","B":"10","a":"0.0026","A":"100","o":"0.0010","h":"0.0025","l":"0.0010","v":"10000","q":"18","O":0,"C":86400000,"F":0,"L":18150,"n":18151}"#)
        #expect(e == .ticker(TickerEvent(symbol: 5, eventTime: 1672515782136, lastPrice: fx("0.0025"), open: fx("0.001"),
                                         high: fx("0.0025"), low: fx("0.001"), volume: fx("10000"), quoteVolume: fx("18"),
                                         priceChange: fx("0.0015"), priceChangePercent: -25_000_000_000, tradeCount: 18151)))
    }

    @Test("a markPriceUpdate yields mark, index, settle, funding and next funding time")
    func markPrice() {
        var p = BinanceParser(symbols: testSymbols())
        // Binance USD-M docs example payload (no recording exists here).
        let e = p.parse(#"{"stream":"btcusdt@markPrice","data":{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"-0.00038167","T":1562306400000}}"#)
        #expect(e == .markPrice(MarkPriceEvent(symbol: 0, eventTime: 1562305380000, markPrice: fx("11794.15"),
                                               indexPrice: fx("11784.62659091"), estimatedSettlePrice: fx("11784.25641265"),
                                               fundingRate: -38_167, nextFundingTime: 1562306400000)))
        let delivery = p.parse(#"{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15","i":"11784.6","P":"11784.2","r":"","T":0}"#)
        guard case .markPrice(let m) = delivery else { Issue.record("not a markPrice: \(delivery)"); return }
        #expect(m.fundingRate == nil)
        #expect(m.nextFundingTime == 0)
    }

    @Test("a forceOrder yields the nested order's symbol, side, prices, quantities, status and time")
    func forceOrder() {
        var p = BinanceParser(symbols: testSymbols())
        // forceorder_samples.jsonl #1 (tardis-node fixture)
        let e = p.parse(#"{"stream":"btcusdt@forceOrder","data":{"e":"forceOrder","E":1584059031426,"o":{"s":"BTCUSDT","S":"BUY","o":"LIMIT","f":"IOC","q":"0.014","p":"4793.91","ap":"4706.04","X":"FILLED","l":"0.015","z":"0.014","T":1584059031421}}}"#)
        #expect(e == .forceOrder(ForceOrderEvent(symbol: 0, eventTime: 1584059031426, side: .buy, status: .filled,
                                                 quantity: fx("0.014"), price: fx("4793.91"), averagePrice: fx("4706.04"),
                                                 lastFilledQuantity: fx("0.015"), filledQuantity: fx("0.014"),
                                                 tradeTime: 1584059031421)))
        // forceorder_samples.jsonl #2 (COIN-M, extra "ps")
        let coin = p.parse(#"{"stream":"btcusd_200925@forceOrder","data":{"e":"forceOrder","E":1594622954023,"o":{"s":"BTCUSD_200925","ps":"BTCUSD","S":"SELL","o":"LIMIT","f":"IOC","q":"3","p":"9314.5","ap":"9352.7","X":"FILLED","l":"3","z":"3","T":1594622954021}}}"#)
        #expect(coin == .forceOrder(ForceOrderEvent(symbol: 6, eventTime: 1594622954023, side: .sell, status: .filled,
                                                    quantity: fx("3"), price: fx("9314.5"), averagePrice: fx("9352.7"),
                                                    lastFilledQuantity: fx("3"), filledQuantity: fx("3"),
                                                    tradeTime: 1594622954021)))
    }

    @Test("unknown event types, control replies and top-level arrays are unknown")
    func unknownTypes() {
        var p = BinanceParser(symbols: testSymbols())
        #expect(p.parse(#"{"result":null,"id":1}"#) == .unknown)
        #expect(p.parse(#"{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1770123456789}}"#) == .unknown)
        #expect(p.parse(#"{"e":"avgPrice","E":1693907033000,"s":"BTCUSDT","i":"5m","w":"25776.86","T":1693907032213}"#) == .unknown)
        #expect(p.parse(#"[{"e":"24hrMiniTicker","E":1,"s":"BTCUSDT","c":"1"}]"#) == .unknown)
    }

    @Test("a known event for a symbol outside the table is unknownSymbol")
    func unknownSymbol() {
        var p = BinanceParser(symbols: BinanceSymbolTable(["ETHUSDT"]))
        let e = p.parse(#"{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}"#)
        #expect(e == .unknownSymbol)
    }

    @Test("the symbol table maps names to stable indices and rejects overlong or surplus names")
    func symbolTable() {
        var t = BinanceSymbolTable()
        #expect(t.add("BTCUSDT") == 0)
        #expect(t.add("1000SHIBUSDT") == 1)
        #expect(t.add("BTCUSDT") == 0)
        #expect(t.add("ABCDEFGHIJKLMNOPQ") == nil)
        for i in 2..<64 { #expect(t.add("S\(i)") == SymbolID(i)) }
        #expect(t.add("ONEMORE") == nil)
        #expect(t.name(1) == "1000SHIBUSDT")
        let found = Array("1000SHIBUSDT".utf8).withUnsafeBufferPointer { t.lookup($0.baseAddress!, count: $0.count) }
        #expect(found == 1)
    }
}
