import Foundation
import Glibc
import Market
import Posix
import ShmRing
import Testing

/// A real `tterminal simulate` on loopback, and a `tterminal serve` whose feeder talks to it
/// through the ordinary Binance code path.
final class SimulatorUnderTest {
    let readyPath: String
    let logPath: String
    private(set) var pid: pid_t = 0
    private(set) var ready: [String: Any] = [:]

    init(symbols: String = "BTCUSDT", rate: Int = 40, extra: [String] = []) throws {
        let tag = "\(getpid())-\(Int.random(in: 0..<1_000_000))"
        readyPath = "/tmp/tterminal-sim-\(tag).json"
        logPath = "/tmp/tterminal-sim-\(tag).log"
        let args = ["simulate", "--symbols", symbols, "--rate", "\(rate)", "--ready-file", readyPath, "--seed", "7"] + extra
        var request = SpawnRequest(path: tterminalBinary, arguments: args, environment: ["PATH=/usr/bin:/bin"])
        request.ownProcessGroup = true
        let logFD = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { if logFD >= 0 { close(logFD) } }
        if logFD >= 0 { request.descriptors = [(logFD, 2)] }
        pid = try Spawn.start(request)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let data = FileManager.default.contents(atPath: readyPath), !data.isEmpty,
               let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
                ready = o
                return
            }
            usleep(20_000)
        }
        throw TestFailure("simulator never wrote \(readyPath); log:\n\(log())")
    }

    func url(_ key: String) -> String { ready[key] as? String ?? "" }
    var spotPort: UInt16 { UInt16(url("rest").split(separator: ":").last.flatMap { Int($0) } ?? 0) }

    /// The environment that points a server's feeder at this simulator.
    var feedEnvironment: [String: String] {
        ["FEED_SOURCE": "simulator", "SPOT_WS_URLS": url("spot"), "FUTURES_WS_URLS": url("futures"),
         "SPOT_REST_URLS": url("rest"), "FUTURES_REST_URLS": url("futuresRest")]
    }

    /// A server fed by this simulator (`feedEnvironment` and `settings`, which win), started and
    /// answering health.
    func serve(workers: Int = 1, _ settings: [String: String]) throws -> ServerUnderTest {
        let server = ServerUnderTest(workers: workers, extra: feedEnvironment.merging(settings) { _, set in set })
        try server.start()
        try server.waitHealthy()
        return server
    }

    @discardableResult
    func fault(_ kind: String, venue: String, symbol: String = "BTCUSDT", extra: String = "") throws -> [String: Any] {
        let path = "/sim/fault?kind=\(kind)&venue=\(venue)&symbol=\(symbol)\(extra)"
        let r = try HTTP.exchange(port: spotPort, raw: "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        guard r.status == 200 else { throw TestFailure("fault \(kind) refused: \(r.status) \(r.text)") }
        return try r.json()
    }

    /// Every trade id (spot) or aggregate id (futures) the simulator generated, sent or not.
    func truth(venue: String, symbol: String = "BTCUSDT") throws -> [Int64] {
        let r = try HTTP.get(port: spotPort, path: "/sim/trades?venue=\(venue)&symbol=\(symbol)", timeoutMillis: 5000)
        let o = try r.json()
        let key = venue == "spot" ? "trades" : "aggTrades"
        let idKey = venue == "spot" ? "id" : "a"
        guard let rows = o[key] as? [[String: Any]] else { throw TestFailure("no \(key) in /sim/trades: \(r.text.prefix(300))") }
        return rows.compactMap { ($0[idKey] as? NSNumber)?.int64Value }
    }

    /// The simulator's book now: its update id and levels (price, quantity), best first.
    func depth(venue: String, symbol: String = "BTCUSDT") throws -> (lastUpdateId: Int64, bids: [PriceLevel], asks: [PriceLevel]) {
        let path = (venue == "spot" ? "/api/v3/depth" : "/fapi/v1/depth") + "?symbol=\(symbol)&limit=1000"
        let o = try HTTP.get(port: spotPort, path: path).json()
        func levels(_ key: String) -> [PriceLevel] {
            (o[key] as? [[String]] ?? []).compactMap { pair in
                guard pair.count >= 2, let p = Fixed.parse(pair[0]), let q = Fixed.parse(pair[1]) else { return nil }
                return PriceLevel(price: p, quantity: q)
            }
        }
        return ((o["lastUpdateId"] as? NSNumber)?.int64Value ?? -1, levels("bids"), levels("asks"))
    }

    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "(no log)" }

    deinit {
        _ = Signal.term.send(to: pid)
        if Wait.waitFor(pid, timeoutMillis: 5000) == nil {
            _ = Signal.kill.send(to: pid)
            _ = Wait.waitFor(pid, timeoutMillis: 2000)
        }
        unlink(readyPath)
    }
}

/// Reads a server's ring from its oldest record and keeps what the tests compare.
struct RingTap {
    let segment: Segment
    var reader: RingReader
    var spotTrades: [Int64] = []
    var futuresAggTrades: [Int64] = []
    var gaps: [FeedGapRecord] = []
    var snapshots = 0
    var diffs = 0
    var klines = 0
    var laps: UInt64 = 0
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)

    init(segment: Segment) {
        self.segment = segment
        reader = RingReader(segment: segment, start: .oldest)
    }

    mutating func poll() {
        while true {
            let result = buffer.withUnsafeMutableBytes { reader.next(into: $0) }
            switch result {
            case .empty: return
            case .lapped: laps += 1
            case .tooLarge: continue
            case .record(let type, _, let length):
                buffer.withUnsafeBytes { raw in
                    switch RingEvent(type: type, payload: UnsafeRawBufferPointer(rebasing: raw[0..<length])) {
                    case .trade(let t) where t.symbolIndex == 0: spotTrades.append(t.tradeId)
                    case .aggTrade(let a) where a.symbolIndex == 0: futuresAggTrades.append(a.aggregateId)
                    case .feedGap(let g): gaps.append(g)
                    case .bookSnapshot: snapshots += 1
                    case .depthDiff: diffs += 1
                    case .kline: klines += 1
                    default: break
                    }
                }
            }
        }
    }
}
