import Market
import Net
import Posix
import Runtime
import Store
import Testing
@testable import Feeder

private typealias Core = SymbolSyncCore
private let hour: Int64 = 3_600_000_000_000

private func core(symbols: Int = 3, nowNs: Int64 = 1_000) -> Core {
    Core(symbolCount: symbols, periodNs: 24 * hour, retryNs: hour / 12, nowNs: nowNs)
}

private func body(_ s: String) -> [UInt8] { Array(s.utf8) }

/// A Binance-shaped body listing `entries` (each `symbol:status`), spot or futures style.
func exchangeInfoBody(_ entries: [String], futures: Bool) -> [UInt8] {
    let items = entries.map { item -> String in
        let parts = item.split(separator: ":").map(String.init)
        let (name, status) = (parts[0], parts.count > 1 ? parts[1] : "TRADING")
        let base = String(name.dropLast(4))
        let precision = futures
            ? #""pricePrecision":2,"quantityPrecision":3,"#
            : #""baseAssetPrecision":8,"quoteAssetPrecision":8,"#
        let (tick, step) = futures ? ("0.10", "0.001") : ("0.01000000", "0.00001000")
        let price = #"{"filterType":"PRICE_FILTER","minPrice":"\#(tick)","maxPrice":"1000000","tickSize":"\#(tick)"}"#
        let lot = #"{"filterType":"LOT_SIZE","minQty":"\#(step)","maxQty":"9000","stepSize":"\#(step)"}"#
        return #"{"symbol":"\#(name)","status":"\#(status)","baseAsset":"\#(base)","quoteAsset":"USDT","#
            + precision + #""filters":[\#(price),\#(lot)]}"#
    }
    let limit = #"{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":\#(futures ? 2400 : 6000)}"#
    return Array(#"{"timezone":"UTC","rateLimits":[\#(limit)],"symbols":[\#(items.joined(separator: ","))]}"#.utf8)
}

@Suite("symbols sync decisions")
struct SymbolSyncCoreTests {
    @Test("a round asks spot for the list and futures at once, and stores once both have answered")
    func round() {
        var c = core()
        #expect(c.tick(nowNs: 999) == nil, "not due yet")
        #expect(c.tick(nowNs: 1_000) == .fetch([.spot(nil), .futures]))
        #expect(c.tick(nowNs: 2_000) == nil, "one round at a time")
        #expect(c.answered(.spot(nil), .body(body("s"))) == nil)
        #expect(c.answered(.futures, .body(body("f"))) == .store(Core.Round(spot: [body("s")], futures: [body("f")])))
        #expect(c.tick(nowNs: 48 * hour) == nil, "a round being stored is waited for")
        c.stored(success: true, nowNs: 5_000)
        #expect(c.dueNs == 1_000 + 24 * hour, "the next one a period after this one started")
        #expect(c.tick(nowNs: 24 * hour) == nil)
        #expect(c.tick(nowNs: 1_000 + 24 * hour) == .fetch([.spot(nil), .futures]))
    }

    @Test("spot refusing the list asks per symbol; a symbol spot refuses is left to futures, not a failure")
    func refusedList() {
        var c = core()
        _ = c.tick(nowNs: 1_000)
        #expect(c.answered(.spot(nil), .refused("HTTP 400: -1121")) == .fetch([.spot(0), .spot(1), .spot(2)]))
        #expect(c.answered(.futures, .body(body("f"))) == nil)
        #expect(c.answered(.spot(1), .refused("HTTP 400: -1121")) == nil)
        #expect(c.answered(.spot(0), .body(body("a"))) == nil)
        let stored = c.answered(.spot(2), .body(body("c")))
        #expect(stored == .store(Core.Round(spot: [body("a"), body("c")], futures: [body("f")], failures: [],
                                            refusals: ["spot: HTTP 400: -1121", "spot symbol 1: HTTP 400: -1121"])))
    }

    @Test("a lone symbol spot refuses, or futures refusing, are handled without asking more")
    func refusedOthers() {
        var one = core(symbols: 1)
        #expect(one.tick(nowNs: 1_000) != nil)
        #expect(one.answered(.spot(nil), .refused("no")) == nil)
        #expect(one.answered(.futures, .refused("gone"))
            == .store(Core.Round(futures: [], failures: ["futures: gone"], refusals: ["spot: no"])))
    }

    @Test("a failed round is tried again after retryNs, never later than the period")
    func retry() {
        var c = core()
        _ = c.tick(nowNs: 1_000)
        _ = c.answered(.spot(nil), .failed("timeout"))
        #expect(c.answered(.futures, .body(body("f"))) == .store(Core.Round(futures: [body("f")], failures: ["spot: timeout"])))
        c.stored(success: false, nowNs: 10_000)
        #expect(c.dueNs == 10_000 + hour / 12)
        let second = c.dueNs
        _ = c.tick(nowNs: second)
        _ = c.answered(.spot(nil), .body([]))
        _ = c.answered(.futures, .body([]))
        c.stored(success: false, nowNs: second + 24 * hour - 1)
        #expect(c.dueNs == second + 24 * hour, "a store that took most of a period")
    }

    @Test("an answer nobody waits for is ignored; a round with an answer lost for a period starts over")
    func strayAndLost() {
        var c = core()
        #expect(c.answered(.futures, .body([])) == nil, "no round running")
        _ = c.tick(nowNs: 1_000)
        #expect(c.answered(.spot(0), .body([])) == nil, "not asked")
        #expect(c.answered(.futures, .body([])) == nil)
        #expect(c.answered(.futures, .body([])) == nil, "answered already")
        #expect(c.phase == .asking)
        #expect(c.tick(nowNs: 1_000 + 24 * hour - 1) == nil)
        #expect(c.tick(nowNs: 1_000 + 24 * hour) == .fetch([.spot(nil), .futures]))
        c.stored(success: true, nowNs: 0)
        #expect(c.phase == .asking, "stored() outside storing changes nothing")
    }

    @Test("only an HTTP 4xx that is not a rate limit counts as a refusal")
    func refusals() {
        #expect(SymbolSync.isRefusal(NetError(.protocolViolation, "HTTP 400 on /api/v3/exchangeInfo: {\"code\":-1121}")))
        #expect(SymbolSync.isRefusal(NetError(.protocolViolation, "HTTP 403 on /x: blocked")))
        #expect(!SymbolSync.isRefusal(NetError(.protocolViolation, "HTTP 429 on /x")))
        #expect(!SymbolSync.isRefusal(NetError(.protocolViolation, "HTTP 418 on /x")))
        #expect(!SymbolSync.isRefusal(NetError(.protocolViolation, "HTTP 503 on /x")))
        #expect(!SymbolSync.isRefusal(NetError(.timeout, "HTTP 400 on /x")))
    }

    @Test("exchangeInfo paths: the configured list URL-encoded on spot, one symbol, and no parameters on futures")
    func paths() throws {
        let log = Logger(role: "test", level: .critical, path: nil)
        let worker = try RESTWorker(symbols: FeedSymbols(["BTCUSDT", "ETHUSDT"]), spot: [], futures: [], tls: nil, log: log)
        #expect(worker.path(.exchangeInfo(market: .spot, symbol: nil))
            == "/api/v3/exchangeInfo?symbols=%5B%22BTCUSDT%22%2C%22ETHUSDT%22%5D")
        #expect(worker.path(.exchangeInfo(market: .spot, symbol: 1)) == "/api/v3/exchangeInfo?symbol=ETHUSDT")
        #expect(worker.path(.exchangeInfo(market: .futures, symbol: nil)) == "/fapi/v1/exchangeInfo")
        #expect(RESTRequest.exchangeInfo(market: .futures, symbol: nil).market == .futures)
    }
}

@Suite("symbols from a round's answers")
struct SymbolMergeTests {
    @Test("spot entries win, futures fill in, and symbols neither lists are missing, in the configured order")
    func merge() {
        let round = Core.Round(spot: [exchangeInfoBody(["ETHUSDT:BREAK", "XRPUSDT"], futures: false)],
                               futures: [exchangeInfoBody(["BTCUSDT", "ETHUSDT", "DOGEUSDT"], futures: true)])
        let m = SymbolMerge(symbols: ["BTCUSDT", "ETHUSDT", "SOLUSDT"], round: round)
        #expect(m.rows.map(\.symbol) == ["BTCUSDT", "ETHUSDT"])
        #expect(m.fromSpot == 1 && m.missing == ["SOLUSDT"] && m.problems.isEmpty && m.rejected.isEmpty)
        #expect(m.rows[0] == SymbolRow(symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT", status: "TRADING", pricePrecision: 2,
                                       quantityPrecision: 3, minPrice: 10_000_000, maxPrice: 100_000_000_000_000, minQty: 100_000,
                                       maxQty: 900_000_000_000, stepSize: 100_000, tickSize: 10_000_000))
        #expect(m.rows[1] == SymbolRow(symbol: "ETHUSDT", baseAsset: "ETH", quoteAsset: "USDT", status: "BREAK", pricePrecision: 2,
                                       quantityPrecision: 5, minPrice: 1_000_000, maxPrice: 100_000_000_000_000, minQty: 1_000,
                                       maxQty: 900_000_000_000, stepSize: 1_000, tickSize: 1_000_000))
        #expect(m.spotWeightLimit == 6000 && m.futuresWeightLimit == 2400)
    }

    @Test("an unreadable body is a problem; an entry the table would refuse is rejected, the others stay")
    func problems() {
        let long = "B" + String(repeating: "X", count: 24) + "USDT"
        let round = Core.Round(spot: [body("<html>")], futures: [exchangeInfoBody(["BTCUSDT", long], futures: true)])
        let m = SymbolMerge(symbols: ["BTCUSDT", long], round: round)
        #expect(m.rows.map(\.symbol) == ["BTCUSDT"])
        #expect(m.problems.count == 1 && m.problems[0].hasPrefix("spot exchangeInfo: not JSON"))
        #expect(m.rejected == ["\(long): base_asset must have 1–20 characters"])
    }
}

@Suite("Adding a symbol: what the exchange's answer says")
struct SymbolListingTests {
    /// `listed` against a loopback "exchange" whose exchangeInfo answers are `spot` and `futures`.
    static func listing(spot: (Int, String), futures: (Int, String)) throws -> SymbolAdder.Listing {
        let server = try CannedREST { path in
            let (status, body) = path.hasPrefix("/fapi/") ? futures : spot
            return (status, Array(body.utf8))
        }
        defer { server.stop() }
        let base = try Endpoint(parsing: "http://127.0.0.1:\(server.port)")
        let log = Logger(role: "test", level: .critical, path: nil)
        let worker = try RESTWorker(symbols: FeedSymbols(["BTCUSDT"]), spot: [base], futures: [base], tls: nil, log: log)
        let adder = SymbolAdder(symbols: FeedSymbols(["BTCUSDT"]), rest: worker, inbox: try FeedInbox(), capacity: 64, log: log)
        worker.deliver = { request, result in adder.answered(request, result) }
        worker.start()
        return adder.listed("ETHUSDT", deadlineNs: Clock.monotonicNanos() + 5_000_000_000)
    }

    static let invalid = (400, #"{"code":-1121,"msg":"Invalid symbol."}"#)
    static let emptyFutures = (200, #"{"rateLimits":[],"symbols":[]}"#)

    @Test("a 200 that is not exchangeInfo (a proxy's HTML page) leaves the question open instead of calling the symbol unlisted")
    func junkPage() throws {
        let listing = try Self.listing(spot: (200, "<html><body>Service busy</body></html>"), futures: Self.emptyFutures)
        guard case .undecided(let why) = listing else { Issue.record("\(listing)"); return }
        #expect(why.contains("unreadable exchangeInfo"), "\(why)")
        #expect(try Self.listing(spot: Self.invalid, futures: Self.emptyFutures) == .unlisted, "a real refusal still says unlisted")
    }
}
