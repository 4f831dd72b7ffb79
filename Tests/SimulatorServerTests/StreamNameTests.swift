import Market
import Simulator
@testable import SimulatorServer
import Testing

@Suite("Stream names, routes and URL forms")
struct StreamNameTests {
    @Test("spot stream names map to topics; spellings of one stream share a topic")
    func spotNames() {
        func kind(_ s: String) -> TopicKind? { StreamName.parse(s, venue: .spot)?.kind }
        #expect(kind("btcusdt@trade") == .trade)
        #expect(kind("btcusdt@aggTrade") == .aggTrade)
        #expect(kind("btcusdt@depth") == .depthDiff && kind("btcusdt@depth@100ms") == .depthDiff)
        #expect(kind("btcusdt@depth20@100ms") == .depthPartial(levels: 20, intervalMs: 100))
        #expect(kind("btcusdt@depth5") == .depthPartial(levels: 5, intervalMs: 1_000))
        #expect(kind("btcusdt@kline_1m") == .kline(.m1) && kind("btcusdt@kline_1h@+08:00") == .kline(.h1))
        #expect(kind("btcusdt@bookTicker") == .bookTicker && kind("btcusdt@avgPrice") == .avgPrice)
        #expect(kind("!miniTicker@arr") == .allMiniTicker && kind("!ticker@arr") == .allTicker)
        #expect(StreamName.parse("ethusdt@ticker", venue: .spot) == Topic(venue: .spot, symbol: "ETHUSDT", kind: .ticker))
    }

    @Test("malformed names and the other venue's streams are invalid")
    func invalidNames() {
        for bad in ["", "btcusdt", "btcusdt@", "@trade", "btcusdt@aggtrade", "btcusdt@depth7", "btcusdt@depth@250ms",
                    "btcusdt@kline_2m", "btc usdt@trade", "btcusdt@trade\"", "btcusdt@markPrice", "!forceOrder@arr",
                    "btcusdt@kline_1m@+99:00"] {
            #expect(StreamName.parse(bad, venue: .spot) == nil, "\(bad) should be invalid on spot")
        }
        #expect(StreamName.parse("btcusdt@avgPrice", venue: .futures) == nil)
        #expect(StreamName.parse("btcusdt@depth@1000ms", venue: .futures) == nil)
    }

    @Test("futures accepts markPrice, forceOrder, !bookTicker and the 0/250/500 ms depth speeds")
    func futuresNames() {
        func kind(_ s: String) -> TopicKind? { StreamName.parse(s, venue: .futures)?.kind }
        #expect(kind("btcusdt@markPrice") == .markPrice && kind("btcusdt@markPrice@1s") == .markPrice)
        #expect(kind("!markPrice@arr@1s") == .allMarkPrice && kind("!forceOrder@arr") == .allForceOrder)
        #expect(kind("btcusdt@forceOrder") == .forceOrder && kind("!bookTicker") == .allBookTicker)
        #expect(kind("btcusdt@depth@0ms") == .depthDiff && kind("btcusdt@depth@500ms") == .depthDiff)
        #expect(kind("btcusdt@depth10@500ms") == .depthPartial(levels: 10, intervalMs: 500))
        #expect(kind("!contractInfo") == .silent("contractInfo"))
    }

    @Test("an upper-case symbol is well formed but names no stream")
    func upperCase() throws {
        let t = try #require(StreamName.parse("BTCUSDT@trade", venue: .spot))
        #expect(t.symbol != "BTCUSDT")
    }

    @Test("futures routes: book data on /public, the rest on /market, trade on both, legacy and private silent")
    func routes() {
        #expect(StreamRoute.futuresPublic.serves(.depthDiff) && StreamRoute.futuresPublic.serves(.bookTicker))
        #expect(!StreamRoute.futuresPublic.serves(.aggTrade) && !StreamRoute.futuresPublic.serves(.markPrice))
        #expect(StreamRoute.futuresMarket.serves(.aggTrade) && StreamRoute.futuresMarket.serves(.kline(.m1)))
        #expect(StreamRoute.futuresMarket.serves(.allForceOrder) && !StreamRoute.futuresMarket.serves(.depthDiff))
        #expect(StreamRoute.futuresPublic.serves(.trade) && StreamRoute.futuresMarket.serves(.trade))
        #expect(!StreamRoute.futuresLegacy.serves(.trade) && !StreamRoute.futuresPrivate.serves(.aggTrade))
        #expect(StreamRoute.spot.serves(.depthDiff))
    }

    @Test("URL forms: /ws, /ws/a/b, /stream?streams=a/b, routed futures prefixes")
    func paths() {
        func parse(_ target: String, _ venue: Venue) -> StreamPath.Result {
            let (path, query) = URLDecoding.split(target: target)
            return StreamPath.parse(path: path, query: query, venue: venue)
        }
        #expect(parse("/ws", .spot) == .endpoint(StreamEndpoint(route: .spot, combined: false, streams: [])))
        #expect(parse("/ws/btcusdt@trade/ethusdt@trade", .spot)
            == .endpoint(StreamEndpoint(route: .spot, combined: false, streams: ["btcusdt@trade", "ethusdt@trade"])))
        #expect(parse("/stream?streams=btcusdt@trade/btcusdt@depth", .spot)
            == .endpoint(StreamEndpoint(route: .spot, combined: true, streams: ["btcusdt@trade", "btcusdt@depth"])))
        #expect(parse("/stream", .spot) == .endpoint(StreamEndpoint(route: .spot, combined: true, streams: [])))
        #expect(parse("/market/stream?streams=btcusdt@aggTrade", .futures)
            == .endpoint(StreamEndpoint(route: .futuresMarket, combined: true, streams: ["btcusdt@aggTrade"])))
        #expect(parse("/public/ws/btcusdt@depth", .futures)
            == .endpoint(StreamEndpoint(route: .futuresPublic, combined: false, streams: ["btcusdt@depth"])))
        #expect(parse("/ws/btcusdt@aggTrade", .futures)
            == .endpoint(StreamEndpoint(route: .futuresLegacy, combined: false, streams: ["btcusdt@aggTrade"])))
        #expect(parse("/stream?streams=btcusdt%40trade", .spot)
            == .endpoint(StreamEndpoint(route: .spot, combined: true, streams: ["btcusdt@trade"])))
        #expect(parse("/ws/nope", .spot) == .invalidStream("nope"))
        #expect(parse("/api/v3/depth", .spot) == .notFound)
        #expect(parse("/market/ws", .spot) == .notFound)
    }
}
