import Foundation
import Posix
import ShmRing
import Testing
@testable import Supervisor

@Suite("status report: storage")
struct StorageReportTests {
    @Test("the persister's figures and last error show in the table and the JSON")
    func storage() throws {
        let segment = try SegmentFixture.make()
        let c = segment.control
        c.storageCounter(.state).storeRelaxed(StorageStateCode.down.rawValue)
        c.storageCounter(.tradesWritten).storeRelaxed(1234)
        c.storageCounter(.pending).storeRelaxed(56)
        c.storageCounter(.capacity).storeRelaxed(1000)
        c.storageCounter(.dropped).storeRelaxed(7)
        c.storageCounter(.outages).storeRelaxed(1)
        c.storageCounter(.lastErrorRealtimeNs).storeRelaxed(UInt64(Clock.realtimeNanos() - 3_000_000_000))
        c.storeStorageError("connect to postgres://u:***@h/db: connection refused \u{e9}")
        c.storageCounter(.notCollected).storeRelaxed(89)
        c.setCollectionPaused(true, sinceMs: 1)
        let report = StatusReport(segment: segment)
        let table = report.table()
        #expect(table.contains("not collected 89  (collection paused)"), "\(table)")
        let metrics = MetricsReport(segment: segment).render()
        #expect(metrics.contains("tterminal_storage_rows_not_collected_total 89") && metrics.contains("tterminal_collection_paused 1"))
        #expect(table.contains("storage down  written candles 0 trades 1234"), "\(table)")
        #expect(table.contains("pending 56/1000  dropped 7") && table.contains("outages 1"))
        #expect(table.contains("storage last error (3 s ago): connect to postgres://u:***@h/db: connection refused \u{e9}"))

        let root = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        let storage = try #require(root["storage"] as? [String: Any])
        #expect(storage["state"] as? String == "down" && storage["pending"] as? Int == 56 && storage["dropped"] as? Int == 7)
        #expect((storage["written"] as? [String: Int])?["trades"] == 1234)
        #expect(storage["not_collected"] as? Int == 89 && storage["collection_paused"] as? Bool == true)
        #expect((storage["last_error"] as? String)?.hasSuffix("refused \u{e9}") == true)
    }

    @Test("a long error is cut on a character boundary; a fresh segment says not configured")
    func edges() throws {
        let segment = try SegmentFixture.make()
        let c = segment.control
        #expect(StatusReport(segment: segment).table().contains("storage not configured"))
        c.storeStorageError(String(repeating: "\u{e9}", count: 200))
        #expect(c.storageError == String(repeating: "\u{e9}", count: Layout.Feed.storageErrorCapacity / 2))
        c.resetStorage()
        #expect(c.storageError.isEmpty && c.storageCounter(.state).loadRelaxed() == 0)
    }
}
