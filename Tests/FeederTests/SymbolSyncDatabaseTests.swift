import Glibc
import Market
import Net
import Posix
import Runtime
import Store
import Testing
@testable import Feeder

/// The real USD-M exchangeInfo body of fixtures/binance/cryptofeed/BINANCE_FUTURES.0.gz
/// (github.com/bmoscon/cryptofeed sample_data, XFree86 1.1): line 1 is `<url> -> <time>: <body>`.
func recordedFuturesExchangeInfo() throws -> [UInt8] {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    let path = parts.joined(separator: "/") + "/fixtures/binance/cryptofeed/BINANCE_FUTURES.0.gz"
    guard let pipe = popen("gzip -dc '\(path)' | head -n 1", "r") else { throw NetError(.closed, "popen failed") }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&chunk, 1, chunk.count, pipe)
        if n <= 0 { break }
        out += chunk[..<n]
    }
    pclose(pipe)
    while out.last == 10 { out.removeLast() }
    guard let start = out.firstIndex(of: UInt8(ascii: "{")) else { throw NetError(.closed, "no body in \(path)") }
    return Array(out[start...])
}

/// A scratch schema with the migrations applied, and a URL whose connections use it.
struct SymbolScratch {
    let admin: PostgresConnection
    let schema: String
    let url: String

    init(_ tag: String) throws {
        schema = "symbol_sync_\(getpid())_\(tag)"
        admin = try PostgresConnection(url: feederDatabaseURL!)
        try admin.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE; CREATE SCHEMA \(schema); SET search_path TO \(schema)")
        try Migrator(connection: admin, migrations: Migration.load(directory: migrationsFolder)).up()
        url = Postgres.url(feederDatabaseURL!, adding: [("options", "-csearch_path%3D\(schema)")])
    }

    func done() { _ = try? admin.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE") }

    func rows() throws -> [[String?]] {
        try admin.execute("""
            SELECT symbol, status, price_precision::text, quantity_precision::text, tick_size::text, step_size::text,
                min_price::text, max_qty::text FROM symbols ORDER BY symbol
            """)
    }
}

/// A flag the tests flip from their thread while the sync reads it from another.
final class Flag: @unchecked Sendable {
    private let lock = Mutex()
    private var value: Bool
    init(_ value: Bool) { self.value = value }
    var isOn: Bool {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

@Suite("symbols sync on PostgreSQL", .serialized,
       .enabled(if: feederDatabaseURL != nil, "needs DATABASE_URL (make test starts PostgreSQL)"))
struct SymbolSyncDatabaseTests {
    static let log = Logger(role: "test", level: .critical, path: nil)

    @Test("through a real REST worker: spot refuses the list, asks per symbol, futures fills in, a status change lands")
    func throughTheWorker() throws {
        let db = try SymbolScratch("worker")
        defer { db.done() }
        let futures = try recordedFuturesExchangeInfo()
        let spotStatus = Flag(true)
        let invalid: (Int, [UInt8]) = (400, Array(#"{"code":-1121,"msg":"Invalid symbol."}"#.utf8))
        let server = try CannedREST { path in
            switch path {
            case "/fapi/v1/exchangeInfo": return (200, futures)
            case "/api/v3/exchangeInfo?symbol=BTCUSDT":
                return (200, exchangeInfoBody([spotStatus.isOn ? "BTCUSDT:TRADING" : "BTCUSDT:BREAK"], futures: false))
            default: return invalid
            }
        }
        defer { server.stop() }
        let names = ["BTCUSDT", "SUSHIUSDT", "NOPEUSDT"]
        let base = try Endpoint(parsing: "http://127.0.0.1:\(server.port)")
        let worker = try RESTWorker(symbols: FeedSymbols(names), spot: [base], futures: [base], tls: nil, log: Self.log)
        let sync = SymbolSync(symbols: names, connect: Persister.connector(url: db.url), log: Self.log, nowNs: 0,
                              enqueue: { worker.enqueue($0) })
        worker.deliver = { request, result in sync.answered(request, result) }
        worker.start()

        let start = Clock.monotonicNanos()
        sync.tick(nowNs: start)
        #expect(eventuallyTrue(20) { sync.dueNs != .max })
        #expect(sync.dueNs == start + SymbolSync.periodNs, "refusals are not failures")
        #expect(Set(server.paths) == [
            "/api/v3/exchangeInfo?symbols=%5B%22BTCUSDT%22%2C%22SUSHIUSDT%22%2C%22NOPEUSDT%22%5D", "/fapi/v1/exchangeInfo",
            "/api/v3/exchangeInfo?symbol=BTCUSDT", "/api/v3/exchangeInfo?symbol=SUSHIUSDT", "/api/v3/exchangeInfo?symbol=NOPEUSDT",
        ])
        let first = [
            ["BTCUSDT", "TRADING", "2", "5", "0.01000000", "0.00001000", "0.01000000", "9000.00000000"],
            ["SUSHIUSDT", "TRADING", "4", "0", "0.00100000", "1.00000000", "0.14300000", "10000000.00000000"],
        ]
        #expect(try db.rows() == first, "BTCUSDT from spot (tick decimals), SUSHIUSDT from futures (stated precisions)")

        spotStatus.isOn = false
        sync.tick(nowNs: sync.dueNs)
        #expect(eventuallyTrue(20) { sync.dueNs != .max })
        var second = first
        second[0][1] = "BREAK"
        #expect(try db.rows() == second)
        #expect(try db.admin.execute("SELECT count(*) FROM symbols WHERE updated_at > created_at") == [["1"]],
                "only the changed row was touched")
    }

    @Test("with the database away the round is retried minutes later, and stores once it is back")
    func databaseAway() throws {
        let db = try SymbolScratch("away")
        defer { db.done() }
        let up = Flag(false)
        let real = Persister.connector(url: db.url)
        let away = Persister.connector(url: "postgres://postgres@127.0.0.1:1/nobody?sslmode=disable")
        let requests = Locked<[RESTRequest]>([])
        let connect: Persister.Connect = { () throws(PostgresError) -> PostgresConnection in try (up.isOn ? real : away)() }
        let limits = Locked<[String]>([])
        let sync = SymbolSync(symbols: ["BTCUSDT", "ETHUSDT"], connect: connect, log: Self.log, nowNs: 0,
                              enqueue: { r in requests.update { $0.append(r) } },
                              weightLimit: { m, l in limits.update { $0.append("\(m) \(l)") } }, spawn: { $0() })

        func round(at now: Int64) {
            sync.tick(nowNs: now)
            sync.answered(.exchangeInfo(market: .spot, symbol: nil), .success(exchangeInfoBody(["BTCUSDT"], futures: false)))
            sync.answered(.exchangeInfo(market: .futures, symbol: nil), .success(exchangeInfoBody(["BTCUSDT", "ETHUSDT"], futures: true)))
        }
        let t0 = Clock.monotonicNanos()
        round(at: t0)
        #expect(requests.value == [.exchangeInfo(market: .spot, symbol: nil), .exchangeInfo(market: .futures, symbol: nil)])
        let wait = sync.dueNs - Clock.monotonicNanos()
        #expect(wait > SymbolSync.retryNs - 5_000_000_000 && wait <= SymbolSync.retryNs, "retried in five minutes, not a day")
        #expect(try db.rows().isEmpty)
        #expect(limits.value == ["spot 6000", "futures 2400"], "the stated weight limits reach the REST worker")

        up.isOn = true
        let t1 = sync.dueNs
        round(at: t1)
        #expect(sync.dueNs == t1 + SymbolSync.periodNs)
        #expect(try db.rows().map { $0[0]! + ":" + $0[2]! } == ["BTCUSDT:2", "ETHUSDT:2"])
        #expect(try db.rows().map { $0[3]! } == ["5", "3"], "BTCUSDT from spot, ETHUSDT from futures")
    }
}

/// A value behind a lock, for closures that run on other threads.
final class Locked<T>: @unchecked Sendable {
    private let lock = Mutex()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T { lock.withLock { stored } }
    func update(_ body: (inout T) -> Void) { lock.withLock { body(&stored) } }
}
