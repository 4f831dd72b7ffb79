import Testing
@testable import Feeder
import Market

/// The repository's fixture folder, found from this file's path.
let fixtures: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/") + "/fixtures/binance/hftbacktest"
}()

func parse(_ s: String) -> RecordedTrade.Outcome {
    var parser = BinanceParser(symbols: BinanceSymbolTable(["ETHUSDT", "BTCUSDT"]))
    var copy = s
    return copy.withUTF8 { RecordedTrade.parse(line: UnsafeRawBufferPointer($0), parser: &parser) }
}

@Suite("Recorded frames")
struct RecordedTradeTests {
    @Test("a spot trade frame becomes a trade with fixed-point price and quantity")
    func spotTrade() {
        let line = #"1723161254087896568 {"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}"#
        #expect(parse(line) == .trade(RecordedTrade(localNs: 1_723_161_254_087_896_568, symbolIndex: 1, tradeId: 3_735_683_259,
                                                    price: 6_183_763_000_000, quantity: 2_000_000, tradeTimeMs: 1_723_161_255_342, buyerIsMaker: true)))
    }

    @Test("an aggTrade frame uses its aggregate id")
    func aggTrade() {
        let line = #"5 {"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"a":77,"s":"BTCUSDT","p":"1.5","q":"2","f":1,"l":2,"T":9,"m":false,"M":true}}"#
        guard case .trade(let t) = parse(line) else { Issue.record("not a trade"); return }
        #expect(t.tradeId == 77)
        #expect(t.buyerIsMaker == false)
    }

    @Test("other streams are skipped, symbols outside the table are told apart, and broken lines are malformed")
    func others() {
        #expect(parse(#"1 {"stream":"x","data":{"e":"trade","E":1,"s":"SOLUSDT","t":1,"p":"1","q":"1","T":1,"m":true,"M":true}}"#) == .unknownSymbol)
        #expect(parse(#"1 {"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"1","B":"1","a":"2","A":"1"}}"#) == .otherFrame)
        #expect(parse("garbage") == .malformed)
        #expect(parse(#"12x {"e":"trade"}"#) == .malformed)
        #expect(parse(#"1 {"stream":"x","data":{"e":"trade","s":"BTCUSDT","t":1,"p":"abc","q":"1","T":1,"m":true}}"#) == .malformed)
        #expect(parse(#"1 {"stream":"x","data":{"e":"trade","s":"BTCUSDT","t":1,"p":"1","q":"1","T":1"#) == .malformed)
    }
}

@Suite("Replay source")
struct ReplaySourceTests {
    @Test("the shipped fixture replays 9,757 contiguous trades per pass")
    func fixture() throws {
        let source = try ReplaySource(path: fixtures + "/spot_btcusdt_20240808.gz", symbols: ["BTCUSDT"])
        var count = 0
        var previous: Int64?
        while source.loops == 0, let t = try source.next() {
            if source.loops > 0 { break }
            if let p = previous { #expect(t.tradeId == p + 1) }
            previous = t.tradeId
            count += 1
        }
        #expect(count == 9_757)
        #expect(source.malformed == 0)
    }

    @Test("a second pass continues ids and times after the first")
    func loops() throws {
        let source = try ReplaySource(path: fixtures + "/spot_btcusdt_20240808.gz", symbols: ["BTCUSDT"])
        var last: RecordedTrade?
        var firstOfSecond: RecordedTrade?
        while let t = try source.next() {
            if source.loops == 1 { firstOfSecond = t; break }
            last = t
        }
        let a = try #require(last)
        let b = try #require(firstOfSecond)
        #expect(b.tradeId == a.tradeId + 1)
        #expect(b.tradeTimeMs > a.tradeTimeMs)
        #expect(b.localNs > a.localNs)
    }

    @Test("a missing file is an error that names it")
    func missing() {
        #expect(throws: ReplaySource.OpenError.self) { try ReplaySource(path: "/nonexistent.gz", symbols: ["BTCUSDT"]) }
    }

    @Test("a recording of symbols outside SYMBOLS is an error that says so, not an endless loop")
    func otherSymbols() throws {
        let source = try ReplaySource(path: fixtures + "/spot_btcusdt_20240808.gz", symbols: ["ETHUSDT"])
        do {
            _ = try source.next()
            Issue.record("a trade came out")
        } catch {
            #expect(error.description.contains("outside SYMBOLS"))
        }
    }
}

@Suite("Replay pacing")
struct PacerTests {
    @Test("frames wait their recorded distance divided by the speed")
    func pace() {
        var p = Pacer(speed: 2)
        #expect(p.delay(localNs: 1_000, now: 0) == 0)
        #expect(p.delay(localNs: 1_000 + 100_000_000, now: 10_000_000) == 40_000_000)
        var fast = Pacer(speed: 0)
        #expect(fast.delay(localNs: 5_000_000_000, now: 0) == 0)
    }
}
