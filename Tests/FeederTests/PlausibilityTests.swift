import Glibc
import Market
import Posix
import Runtime
import ShmRing
import Testing
@testable import Feeder

/// Junk from "Binance" that parses: the publisher drops it (counted with the malformed frames)
/// instead of adopting it as a high-water mark or trapping on its arithmetic, and the real
/// stream after it goes on. Frames as the stream sends them, through the real parser.
@Suite("Implausible values from the exchange")
final class PlausibilityTests {
    let segment: Segment
    let publisher: Publisher
    var parser: BinanceParser
    let now = Clock.realtimeMillis()

    let logPath = "/tmp/tterminal-plausibility-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log"

    init() throws {
        let fd = try SharedMemory.anonymous(size: Layout.segmentSize(ringCapacity: 1 << 20, symbolCapacity: 4))
        defer { close(fd) }
        segment = try Segment.format(fd: fd, ringCapacity: 1 << 20, symbolCapacity: 4)
        let symbols = FeedSymbols(["BTCUSDT"])
        publisher = Publisher(symbols: symbols, writer: RingWriter(segment: segment), tables: StateTables(segment: segment),
                              control: segment.control, log: Logger(role: "test", level: .info, path: logPath), wake: {})
        parser = BinanceParser(symbols: symbols.snapshot.table)
    }

    deinit { unlink(logPath) }

    var logText: String {
        guard let f = fopen(logPath, "r") else { return "" }
        defer { fclose(f) }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n <= 0 { break }
            out += chunk[..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test("a stream turned to junk shows in the log, at most a line every 10 s with the count since")
    func junkIsLogged() {
        for _ in 0..<5 { #expect(feed("{not json") == .malformed) }
        #expect(feed(trade(7, price: "0.00")) == .malformed)
        #expect(malformed == 6)
        let lines = logText.split(separator: "\n").filter { $0.contains("frame from the exchange dropped") }
        #expect(lines.count == 1, "\(lines)")
        #expect(lines.first?.contains("did not parse") == true && lines.first?.contains("{not json") == true, "\(lines)")
    }

    /// Parses `frame` and hands it to the publisher as the stream would.
    func feed(_ frame: String, _ route: FeedRoute = .spot) -> Publisher.Verdict {
        let event = parser.parse(frame)
        let (bids, asks) = (parser.bids, parser.asks)
        return Array(frame.utf8).withUnsafeBytes {
            publisher.publish(event, bids: bids, asks: asks, route: route, receivedNs: now * 1_000_000, payload: $0)
        }
    }

    func trade(_ id: Int64, time: Int64? = nil, price: String = "60000.00", quantity: String = "0.010") -> String {
        let t = time ?? now
        return #"{"e":"trade","E":\#(t),"s":"BTCUSDT","t":\#(id),"p":"\#(price)","q":"\#(quantity)","T":\#(t),"m":false,"M":true}"#
    }

    var malformed: UInt64 { segment.control.feedCounter(.malformedFrames).loadRelaxed() }
    var lastTrade: Int64? { publisher.entry(0, .spot).trades.last }

    @Test("one trade id far ahead is dropped, not adopted: the next real trade still publishes")
    func tradeIdJump() {
        #expect(feed(trade(1_000)) == .data)
        #expect(feed(trade(1_001)) == .data)
        #expect(feed(trade(1_001 + 1_000_000_000_000_000)) == .data, "dropped quietly: the frame itself was well formed")
        #expect(lastTrade == 1_001 && malformed == 1)
        #expect(feed(trade(1_002)) == .data)
        #expect(lastTrade == 1_002, "the stream continues")
        // A real jump (ids the feeder missed while away) is a gap to fill, as before.
        #expect(feed(trade(1_500)) == .data)
        #expect(publisher.entry(0, .spot).trades.filling == 1_003...1_499)
    }

    @Test("ids and times that overflow or lie in another century are dropped and counted", arguments: [
        "negative id", "id past 2^53", "trade time in 2500", "trade time in 1969", "zero price", "negative quantity",
    ])
    func tradeValues(_ what: String) {
        #expect(feed(trade(5)) == .data)
        let junk: String
        switch what {
        case "negative id": junk = trade(-9_200_000_000_000_000_000)
        case "id past 2^53": junk = trade(9_000_000_000_000_000_000)
        case "trade time in 2500": junk = trade(6, time: 16_725_225_600_000)
        case "trade time in 1969": junk = trade(6, time: -1_000)
        case "zero price": junk = trade(6, price: "0.00")
        default: junk = trade(6, quantity: "-5.0")
        }
        #expect(feed(junk) == .malformed, "\(what)")
        #expect(malformed == 1 && lastTrade == 5)
        #expect(feed(trade(6)) == .data && lastTrade == 6)
    }

    @Test("klines: a span that overflows, an open time near Int64's end, one closed ten years ahead: dropped, no trap")
    func klines() {
        func kline(open: Int64, close: Int64, event: Int64? = nil, closed: Bool = false) -> String {
            #"{"e":"kline","E":\#(event ?? now),"s":"BTCUSDT","k":{"t":\#(open),"T":\#(close),"s":"BTCUSDT","i":"1m","f":1,"L":2,"o":"60000.00","c":"60001.00","h":"60002.00","l":"59999.00","v":"1.0","n":2,"x":\#(closed),"q":"60000.0","V":"0.5","Q":"30000.0","B":"0"}}"#
        }
        let minute = now - now % 60_000
        #expect(feed(kline(open: 9_000_000_000_000_000_000, close: -9_000_000_000_000_000_000)) == .malformed)
        #expect(feed(kline(open: Int64.max - 200_000, close: Int64.max - 199_000)) == .malformed)
        #expect(feed(kline(open: minute + 315_360_000_000, close: minute + 315_360_059_999, closed: true)) == .malformed)
        #expect(feed(kline(open: minute, close: minute + 59_999, event: 16_725_225_600_000)) == .malformed)
        #expect(malformed == 4)
        #expect(feed(kline(open: minute - 60_000, close: minute - 1, closed: true)) == .data)
        #expect(publisher.entry(0, .spot).lastClosedOpenMs[Int(KlineInterval.m1.rawValue)] == minute - 60_000, "real candles still close")
    }

    @Test("a depth diff with an update id past 2^53 or a negative level is dropped")
    func depth() {
        func diff(_ first: Int64, _ last: Int64, bid: String = "60000.00") -> String {
            #"{"e":"depthUpdate","E":\#(now),"s":"BTCUSDT","U":\#(first),"u":\#(last),"b":[["\#(bid)","1.0"]],"a":[]}"#
        }
        #expect(feed(diff(101, 9_000_000_000_000_000_000)) == .malformed)
        #expect(feed(diff(101, 102, bid: "-5.0")) == .malformed)
        #expect(feed(diff(102, 101)) == .malformed, "U after u")
        #expect(malformed == 3)
        #expect(feed(diff(101, 102)) == .data)
    }

    @Test("an unreadable or implausible depth snapshot is asked for again after a growing delay, and counted")
    func snapshotBackoff() {
        let e = publisher.entry(0, .spot)
        var delays: [Int64] = []
        for body in ["<html>busy</html>", #"{"lastUpdateId":9000000000000000000,"bids":[],"asks":[]}"#,
                     #"{"lastUpdateId":5,"bids":[["-5.0","1.0"]],"asks":[]}"#] {
            let before = Clock.monotonicNanos()
            publisher.restResult(.depth(symbol: 0, market: .spot), .success(Array(body.utf8)))
            delays.append((e.snapshotRequestedNs ?? 0) + 10_000_000_000 - before)
        }
        #expect(e.snapshotFailures == 3 && malformed == 3)
        #expect(delays[0] >= 900_000_000 && delays[0] <= 1_100_000_000, "1 s: \(delays)")
        #expect(delays[1] >= 1_900_000_000 && delays[1] <= 2_100_000_000, "then 2 s: \(delays)")
        #expect(delays[2] >= 3_900_000_000 && delays[2] <= 4_100_000_000, "then 4 s: \(delays)")
        let synced = e.book.isSynced
        #expect(!synced, "no junk level reached the book")
    }

    /// A publisher of its own that starts a channel over after 200 ms of values older than its mark.
    func quickPublisher() throws -> (Segment, Publisher) {
        let fd = try SharedMemory.anonymous(size: Layout.segmentSize(ringCapacity: 1 << 20, symbolCapacity: 4))
        defer { close(fd) }
        let segment = try Segment.format(fd: fd, ringCapacity: 1 << 20, symbolCapacity: 4)
        let publisher = Publisher(symbols: FeedSymbols(["BTCUSDT"]), writer: RingWriter(segment: segment),
                                  tables: StateTables(segment: segment), control: segment.control,
                                  log: Logger(role: "test", level: .critical, path: nil), staleLimitNs: 200_000_000, wake: {})
        return (segment, publisher)
    }

    func feed(_ frame: String, to publisher: Publisher) -> Publisher.Verdict {
        let event = parser.parse(frame)
        let (bids, asks) = (parser.bids, parser.asks)
        return Array(frame.utf8).withUnsafeBytes {
            publisher.publish(event, bids: bids, asks: asks, route: .spot, receivedNs: now * 1_000_000, payload: $0)
        }
    }

    @Test("a bookTicker update id far ahead is kept only until values stay older than it for a while; then the stream wins again")
    func staleLatestValue() throws {
        let (_, publisher) = try quickPublisher()
        func ticker(_ u: Int64) -> Publisher.Verdict {
            feed(#"{"u":\#(u),"s":"BTCUSDT","b":"60000.00","B":"1.0","a":"60001.00","A":"1.0"}"#, to: publisher)
        }
        let e = publisher.entry(0, .spot)
        _ = ticker(100)
        _ = ticker(100 + 1_000_000_000_000_000)
        _ = ticker(101)
        usleep(100_000)
        _ = ticker(102)
        #expect(e.lastBookTickerId == 100 + 1_000_000_000_000_000, "not yet: a short overlap of older values is normal")
        usleep(150_000)
        _ = ticker(103)
        #expect(e.lastBookTickerId == 103, "the stream's own values are taken again")
        _ = ticker(104)
        #expect(e.lastBookTickerId == 104)
    }

    @Test("a book whose every diff stays older than it (an update id from junk far ahead) is rebuilt from a new snapshot")
    func staleBook() throws {
        let (segment, publisher) = try quickPublisher()
        func diff(_ first: Int64, _ last: Int64) -> Publisher.Verdict {
            feed(#"{"e":"depthUpdate","E":\#(now),"s":"BTCUSDT","U":\#(first),"u":\#(last),"b":[["60000.00","1.0"]],"a":[]}"#,
                 to: publisher)
        }
        let e = publisher.entry(0, .spot)
        _ = diff(101, 102)
        publisher.restResult(.depth(symbol: 0, market: .spot),
                             .success(Array(#"{"lastUpdateId":100,"bids":[["60000.00","1.0"]],"asks":[["60001.00","1.0"]]}"#.utf8)))
        var synced = e.book.isSynced
        #expect(synced)
        #expect(diff(103, 103 + 1_000_000_000_000_000) == .data, "plausible as a number, junk as a stream position")
        #expect(diff(104, 105) == .data)
        usleep(100_000)
        #expect(diff(106, 107) == .data)
        synced = e.book.isSynced
        #expect(synced, "stale for less than the limit: kept")
        usleep(150_000)
        #expect(diff(108, 109) == .data)
        synced = e.book.isSynced
        #expect(!synced && e.snapshotRequestedNs != nil, "rebuilt: unsynced, a snapshot asked for")
        #expect(segment.control.feedSymbolWord(symbol: 0, market: .spot, Layout.Feed.Symbol.bookResyncs).loadRelaxed() == 1)
        #expect(e.book.lastUpdateId == 0, "the junk position is gone")
    }

    @Test("the filled record of a book resync gap carries the ids of its open record, not the snapshot's")
    func resyncGapIds() throws {
        let (segment, publisher) = try quickPublisher()
        func diff(_ first: Int64, _ last: Int64) -> Publisher.Verdict {
            feed(#"{"e":"depthUpdate","E":\#(now),"s":"BTCUSDT","U":\#(first),"u":\#(last),"b":[["60000.00","1.0"]],"a":[]}"#,
                 to: publisher)
        }
        func snapshot(_ id: Int64) {
            publisher.restResult(.depth(symbol: 0, market: .spot),
                                 .success(Array(#"{"lastUpdateId":\#(id),"bids":[["60000.00","1.0"]],"asks":[["60001.00","1.0"]]}"#.utf8)))
        }
        _ = diff(101, 102)
        snapshot(100)
        _ = diff(110, 111)  // skips 103...109: resync
        _ = diff(120, 121)  // buffered for the coming snapshot
        snapshot(125)
        var reader = RingReader(segment: segment, start: .oldest)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var gaps: [FeedGapRecord] = []
        reading: while true {
            switch buffer.withUnsafeMutableBytes({ reader.next(into: $0) }) {
            case .record(let type, _, let length):
                let event = buffer.withUnsafeBytes { RingEvent(type: type, payload: UnsafeRawBufferPointer(rebasing: $0[..<length])) }
                if case .feedGap(let g) = event, g.channel == .depth { gaps.append(g) }
            case .tooLarge: continue
            case .empty, .lapped: break reading
            }
        }
        #expect(gaps.map(\.status) == [.open, .filled])
        #expect(Set(gaps.map(\.gapId)).count == 1)
        #expect(gaps.map(\.fromId) == [102, 102] && gaps.map(\.toId) == [110, 110])
    }

    @Test("a jump is judged against the trade times between the two ids")
    func jumpRule() {
        let rate = Publisher.maxTradesPerSecond
        #expect(Publisher.plausibleJump(from: nil, lastTimeMs: 0, to: 1 << 50, timeMs: now), "nothing to judge against yet")
        #expect(Publisher.plausibleJump(from: 10, lastTimeMs: now, to: 10 + 60 * rate, timeMs: now))
        #expect(!Publisher.plausibleJump(from: 10, lastTimeMs: now, to: 11 + 60 * rate, timeMs: now))
        #expect(Publisher.plausibleJump(from: 10, lastTimeMs: now - 86_400_000, to: 10 + 86_400 * rate, timeMs: now),
                "a day away: a day's trades may have passed")
        #expect(Publisher.plausibleJump(from: 10, lastTimeMs: now, to: 5, timeMs: now), "duplicates are the sequencer's")
    }
}
