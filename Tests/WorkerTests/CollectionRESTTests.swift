import Foundation
import Glibc
import Market
import Posix
import ShmRing
import Testing
@testable import Worker

/// `/data-collection/*` in a worker, against a stand-in feeder on a real local socket that
/// answers from a table and records what it was asked: the state the worker reads from the
/// control block, the commands it sends, the statuses and bodies it answers (each fitting the
/// OpenAPI document).
@Suite("Data collection REST", .serialized)
struct CollectionRESTTests {
    /// A feeder that answers `answers[command]` (`{"ok":true}` when absent) and keeps the lines;
    /// it stops serving when released.
    final class StandInFeeder {
        /// What the serving thread shares with the test.
        final class Book: @unchecked Sendable {
            let lock = NSLock()
            var lines: [String] = []
            let answers: [String: String]
            init(_ answers: [String: String]) { self.answers = answers }
        }

        let name = "tterminal.test.collection.\(getpid()).\(Int.random(in: 0..<1_000_000))"
        let fd: Int32
        let book: Book

        init(answers: [String: String]) throws {
            let book = Book(answers)
            self.book = book
            let fd = try LocalRequests.listen(name: name)
            self.fd = fd
            Thread.detachNewThread {
                LocalRequests.serve(listenFD: fd, maxConcurrent: 4) { line in
                    book.lock.withLock { book.lines.append(line) }
                    return book.answers[String(line.split(separator: " ").first ?? "")] ?? #"{"ok":true}"#
                }
                close(fd)  // here, not in deinit: see LocalRequestsTests.startServer
            }
        }

        var lines: [String] { book.lock.withLock { book.lines } }

        deinit { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// The answer to `method path body` (questions to the feeder asked here, as their threads would)
    /// after checking it fits the document.
    static func call(_ fixture: OpenAPIFixture, _ method: HTTPMethod, _ path: String, body: String? = nil) throws -> (Int, JSONValue) {
        let response = fixture.respond(APISample(method, "/api/v1/data-collection/" + path, 0, body: body))
        let model = try OpenAPIModel()
        let template = model.template(for: "/api/v1/data-collection/" + path)
        let operation = try #require(template.flatMap { model.operation($0.item, method) }, "\(path) not documented")
        let documented = try #require(model.response(operation, status: response.status), "\(method) \(path) \(response.status) not documented")
        OpenAPITests.expectFits(response.body, documented, model, "\(method) \(path)")
        return (response.status, try JSONReader.parse(response.body).get())
    }

    @Test("with storage up: stats say running with the control block's figures; actions ask the feeder and answer the original's bodies")
    func running() throws {
        let fixture = try OpenAPIFixture()
        let feeder = try StandInFeeder(answers: ["add-symbol": #"{"ok":false,"error":"unknown_symbol","message":"neither venue lists DOGEUSDT"}"#])
        fixture.rest.feeder = FeederLink(name: feeder.name)
        let c = fixture.segment.control
        c.storageCounter(.state).storeRelaxed(StorageStateCode.up.rawValue)
        c.storageCounter(.candlesWritten).storeRelaxed(4321)
        c.storageCounter(.runsTotal).storeRelaxed(3)
        c.storageCounter(.runsSucceeded).storeRelaxed(1)
        c.storageCounter(.runsFailed).storeRelaxed(1)
        c.storageCounter(.lastRunErrors).storeRelaxed(2)
        c.storageCounter(.lastRunOperations).storeRelaxed(28)
        c.storageCounter(.lastRunRealtimeNs).storeRelaxed(UInt64(OpenAPIFixture.t0) * 1_000_000)
        c.setCollected(symbol: 1, false)

        let (status, stats) = try Self.call(fixture, .get, "stats")
        let s = try #require(stats["stats"])
        #expect(status == 200 && s["is_running"] == .bool(true) && s["candles_collected"]?.int64 == 4321)
        #expect(s["total_runs"]?.int64 == 3 && s["failed_runs"]?.int64 == 1)
        #expect(s["last_error"]?.string == "2 errors out of 28 total operations")
        #expect(s["last_run_time"]?.string == "2024-01-01T00:00:00.000Z" && s["last_success_time"]?.string == "0001-01-01T00:00:00Z")
        #expect(s["active_symbols"]?.array == [.string("BTCUSDT")], "ETHUSDT is not collected")

        let (collected, body) = try Self.call(fixture, .post, "collect")
        #expect(collected == 200 && body["message"]?.string == "Data collection triggered successfully")
        let (historical, h) = try Self.call(fixture, .post, "historical")
        #expect(historical == 200 && h["status"]?.string == "running")
        #expect(try Self.call(fixture, .post, "start").0 == 409, "already running: the feeder is not asked")
        let (stopped, stop) = try Self.call(fixture, .post, "stop")
        #expect(stopped == 200 && stop["message"]?.string == "Data collection service stopped successfully")
        let (added, add) = try Self.call(fixture, .post, "symbols", body: #"{"symbol":"ethusdt"}"#)
        #expect(added == 200 && add["symbol"]?.string == "ETHUSDT" && add["message"]?.string == "Symbol added successfully")
        let (removed, remove) = try Self.call(fixture, .delete, "symbols/ETHUSDT")
        #expect(removed == 200 && remove["message"]?.string == "Symbol removed successfully")
        let (unserved, refusal) = try Self.call(fixture, .post, "symbols", body: #"{"symbol":"DOGEUSDT"}"#)
        #expect(unserved == 404 && refusal["error"]?.string == "unknown_symbol", "the feeder's add-symbol refusal, as POST /websocket/symbols maps it")
        #expect(feeder.lines == ["collect", "collect", "collection-stop", "collect-symbol ETHUSDT", "uncollect-symbol ETHUSDT",
                                 "add-symbol DOGEUSDT"])
    }

    @Test("paused: stats say not running, collect 503 and historical 400 without asking, start asks; a feeder refusal keeps its code")
    func paused() throws {
        let fixture = try OpenAPIFixture()
        let feeder = try StandInFeeder(answers: ["collection-start": #"{"ok":false,"error":"already_running","message":"raced"}"#])
        fixture.rest.feeder = FeederLink(name: feeder.name)
        let c = fixture.segment.control
        c.storageCounter(.state).storeRelaxed(StorageStateCode.up.rawValue)
        c.setCollectionPaused(true, sinceMs: OpenAPIFixture.now)
        #expect(try Self.call(fixture, .get, "stats").1["stats"]?["is_running"] == .bool(false))
        let (collect, body) = try Self.call(fixture, .post, "collect")
        #expect(collect == 503 && body["error"]?.string == "service_not_running")
        let (historical, h) = try Self.call(fixture, .post, "historical")
        #expect(historical == 400 && h["error"]?.string == "Data collection service is not running")
        let (stop, s) = try Self.call(fixture, .post, "stop")
        #expect(stop == 409 && s["error"]?.string == "not_running")
        let (start, raced) = try Self.call(fixture, .post, "start")
        #expect(start == 409 && raced["message"]?.string == "raced")
        #expect(feeder.lines == ["collection-start"])
    }

    @Test("a feeder too busy to take a request: 503 with its code, whatever the route's own refusals")
    func busyFeeder() throws {
        let fixture = try OpenAPIFixture()
        let busy = #"{"ok":false,"error":"busy","message":"too many requests at once; try again"}"#
        let feeder = try StandInFeeder(answers: ["collection-start": busy, "collection-stop": busy, "add-symbol": busy])
        fixture.rest.feeder = FeederLink(name: feeder.name)
        let c = fixture.segment.control
        c.storageCounter(.state).storeRelaxed(StorageStateCode.up.rawValue)
        let (stop, s) = try Self.call(fixture, .post, "stop")
        #expect(stop == 503 && s["error"]?.string == "busy")
        c.setCollectionPaused(true, sinceMs: OpenAPIFixture.now)
        let (start, b) = try Self.call(fixture, .post, "start")
        #expect(start == 503 && b["error"]?.string == "busy")
        #expect(MarketREST.addSymbolStatus("busy") == 503)
    }
}
