import Testing
@testable import Market

// Frames are from the recordings named in BinanceParserTests.swift (MIT / XFree86 1.1 data).
let sampleFrames = [
    // hftbacktest spot_btcusdt_20240808.gz
    #"{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}"#,
    #"{"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}"#,
    // cryptofeed BINANCE_FUTURES.ws.1.0.gz
    #"{"stream":"sushiusdt@depth@100ms","data":{"e":"depthUpdate","E":1626992741037,"T":1626992741024,"s":"SUSHIUSDT","U":600859599090,"u":600859600917,"pu":600859598061,"b":[["7.5040","813"],["7.6090","0"],["7.6110","2"]],"a":[["7.6150","1563"],["7.6220","3284"]]}}"#,
    #"{"stream":"sushiusdt@kline_1m","data":{"e":"kline","E":1626992760203,"s":"SUSHIUSDT","k":{"t":1626992700000,"T":1626992759999,"s":"SUSHIUSDT","i":"1m","f":126902874,"L":126902986,"o":"7.6080","c":"7.6170","h":"7.6180","l":"7.6070","v":"3005","n":113,"x":true,"q":"22875.8590","V":"1900","Q":"14464.6960","B":"0"}}}"#,
    // forceorder_samples.jsonl #1
    #"{"stream":"btcusdt@forceOrder","data":{"e":"forceOrder","E":1584059031426,"o":{"s":"BTCUSDT","S":"BUY","o":"LIMIT","f":"IOC","q":"0.014","p":"4793.91","ap":"4706.04","X":"FILLED","l":"0.015","z":"0.014","T":1584059031421}}}"#,
]

/// Parses `bytes` from an allocation of exactly their size, so any read past the end would
/// leave the allocation (and trip the address sanitizer when the tests run under it).
func parseExact(_ parser: inout BinanceParser, _ bytes: [UInt8]) -> MarketEvent {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
    defer { buffer.deallocate() }
    buffer.copyBytes(from: bytes)
    return parser.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<bytes.count]))
}

/// Inserts `pad` after every structural character that is outside a string.
func padded(_ frame: String, _ pad: String) -> String {
    var out = ""
    var inString = false
    var escaped = false
    for ch in frame {
        out.append(ch)
        if inString {
            if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { inString = false; out += pad }
            continue
        }
        if ch == "\"" { inString = true } else if "{}[]:,".contains(ch) { out += pad }
    }
    return pad + out
}

func isMalformed(_ e: MarketEvent) -> Bool {
    if case .malformed = e { return true }
    return false
}

@Suite("Binance frames: robustness")
struct BinanceParserRobustnessTests {
    @Test("field order shuffled still parses to the same event")
    func shuffled() {
        var p = BinanceParser(symbols: testSymbols())
        let reference = p.parse(sampleFrames[0])
        let reordered = p.parse(#"{"data":{"M":true,"m":true,"T":1723161255342,"q":"0.02000000","p":"61837.63000000","t":3735683259,"s":"BTCUSDT","E":1723161255343,"e":"trade"},"stream":"btcusdt@trade"}"#)
        #expect(reordered == reference)
        let kline = p.parse(sampleFrames[3])
        let klineShuffled = p.parse(#"{"data":{"k":{"B":"0","Q":"14464.6960","V":"1900","q":"22875.8590","x":true,"n":113,"v":"3005","l":"7.6070","h":"7.6180","c":"7.6170","o":"7.6080","L":126902986,"f":126902874,"i":"1m","s":"SUSHIUSDT","T":1626992759999,"t":1626992700000},"s":"SUSHIUSDT","E":1626992760203,"e":"kline"},"stream":"sushiusdt@kline_1m"}"#)
        #expect(klineShuffled == kline)
        let depth = p.parse(#"{"data":{"a":[["7.6150","1563"],["7.6220","3284"]],"b":[["7.5040","813"],["7.6090","0"],["7.6110","2"]],"pu":600859598061,"u":600859600917,"U":600859599090,"s":"SUSHIUSDT","T":1626992741024,"E":1626992741037,"e":"depthUpdate"}}"#)
        #expect(depth == p.parse(sampleFrames[2]))
    }

    @Test("whitespace between every token is tolerated")
    func whitespace() {
        var p = BinanceParser(symbols: testSymbols())
        for frame in sampleFrames {
            let reference = p.parse(frame)
            #expect(!isMalformed(reference))
            #expect(p.parse(padded(frame, " ")) == reference)
            #expect(p.parse(padded(frame, "\r\n\t ")) == reference)
        }
    }

    @Test("escaped strings, nested objects and arrays in unknown fields are skipped")
    func unknownFieldsSkipped() {
        var p = BinanceParser(symbols: testSymbols())
        let e = p.parse(#"{"stream":"btcusdt@trade","extra":{"a":[1,2.5e3,{"x":"y\"}"}],"b":null},"data":{"e":"trade","note":"quote \" backslash \\ slash \/ unicode \u00e9 }]","E":1723161255343,"s":"BTCUSDT","zz":[[],{},[{"k":[true,false,null,-1.5E-3]}]],"t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true,"\u0065":"ignored key with escape"}}"#)
        #expect(e == p.parse(sampleFrames[0]))
    }

    @Test("every proper prefix of a frame is malformed and never crashes")
    func truncation() {
        var p = BinanceParser(symbols: testSymbols())
        for frame in sampleFrames {
            let bytes = Array(frame.utf8)
            #expect(!isMalformed(parseExact(&p, bytes)))
            for n in 0..<bytes.count {
                let e = parseExact(&p, Array(bytes[0..<n]))
                #expect(isMalformed(e), "prefix of \(n) bytes gave \(e)")
            }
        }
    }

    @Test("garbage bytes and broken structure are malformed")
    func garbage() {
        var p = BinanceParser(symbols: testSymbols())
        let cases = ["", "hello", "{", "}", "[1,2", "{\"e\":trade}", "{\"e\" \"trade\"}", "{\"x\":[}", "{\"x\":{]}",
                     "{\"e\":\"trade\"}", "{\"e\":\"trade\",}", "{,}", "{\"a\":tru}", "{\"a\":-}", "{\"a\":1.}", "\u{0}{}",
                     "{\"a\":\"x\u{1}y\"}", "{\"a\":\"\\q\"}", "{\"a\":\"\\u12g4\"}", "{} {}", "{}x"]
        for c in cases {
            #expect(isMalformed(p.parse(c)), "\(c.debugDescription)")
        }
        // Deterministic random bytes, and random bytes spliced into a real frame.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        let base = Array(sampleFrames[2].utf8)
        for _ in 0..<2_000 {
            let random = (0..<Int(next() % 64)).map { _ in UInt8(truncatingIfNeeded: next()) }
            _ = parseExact(&p, random)
            var mutated = base
            for _ in 0..<3 { mutated[Int(next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: next()) }
            _ = parseExact(&p, mutated)
        }
    }

    @Test("an integer field holding an exponent, a fraction or an overflow is malformed")
    func badIntegers() {
        var p = BinanceParser(symbols: testSymbols())
        let head = #"{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63","q":"0.02","m":true,"T":"#
        #expect(p.parse(head + "1.723e12}") == .malformed(.badNumber))
        #expect(p.parse(head + "1723161255342.0}") == .malformed(.badNumber))
        #expect(p.parse(head + "99999999999999999999}") == .malformed(.badNumber))
        #expect(p.parse(head + "\"1723161255342\"}") == .malformed(.missingField))
        #expect(!isMalformed(p.parse(head + "1723161255342}")))
    }

    @Test("a price with more than eight non-zero decimals or an exponent is malformed")
    func badDecimals() {
        var p = BinanceParser(symbols: testSymbols())
        let tail = #","q":"0.02","m":true,"T":1723161255342}"#
        let head = #"{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"#
        #expect(p.parse(head + "\"61837.630000001\"" + tail) == .malformed(.badDecimal))
        #expect(p.parse(head + "\"6.1e4\"" + tail) == .malformed(.badDecimal))
        #expect(p.parse(head + "61837.63" + tail) == .malformed(.missingField))
        #expect(p.parse(head + "\"61837.630000000\"" + tail) != .malformed(.badDecimal))
        let depth = #"{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.000000001","1"]],"a":[]}"#
        #expect(p.parse(depth) == .malformed(.badDecimal))
    }

    @Test("more depth levels than the capacity are malformed, not written past the storage")
    func capacity() {
        var p = BinanceParser(symbols: testSymbols(), levelCapacity: 2)
        #expect(p.parse(sampleFrames[2]) == .malformed(.tooManyLevels))
        #expect(p.bids.isEmpty && p.asks.isEmpty)
    }

    @Test("a missing kline interval or an unknown one is malformed")
    func badInterval() {
        var p = BinanceParser(symbols: testSymbols())
        #expect(p.parse(sampleFrames[3].replacing(#""i":"1m""#, with: #""i":"7m""#)) == .malformed(.badEnum))
        #expect(p.parse(sampleFrames[3].replacing(#""i":"1m","#, with: "")) == .malformed(.missingField))
    }

    @Test("trailing whitespace is accepted and other trailing bytes are not")
    func trailing() {
        var p = BinanceParser(symbols: testSymbols())
        #expect(!isMalformed(p.parse(sampleFrames[1] + " \n")))
        #expect(p.parse(sampleFrames[1] + "}") == .malformed(.trailingBytes))
    }

    @Test("unknown values nested deeper than 64 levels are malformed without recursion")
    func deepNesting() {
        var p = BinanceParser(symbols: testSymbols())
        let deep = "{\"x\":" + String(repeating: "[", count: 65) + String(repeating: "]", count: 65) + "}"
        #expect(p.parse(deep) == .malformed(.tooDeep))
        let ok = "{\"x\":" + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "}"
        #expect(p.parse(ok) == .unknown)
    }
}
