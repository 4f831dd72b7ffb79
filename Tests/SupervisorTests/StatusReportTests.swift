import Foundation
import ShmRing
import Testing
@testable import Supervisor

@Suite("status report: worker counters")
struct StatusReportTests {
    @Test("each worker object in the JSON carries its counters by name; the feeder's does not")
    func jsonCounters() throws {
        let json = StatusReport(segment: try SegmentFixture.make()).json()
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let children = try #require(root["children"] as? [[String: Any]])
        #expect(children.count == 4)
        let feeder = try #require(children.first { $0["kind"] as? String == "feeder" })
        #expect(feeder["counters"] == nil)
        let worker = try #require(children.first { $0["slot"] as? Int == 2 })
        let counters = try #require(worker["counters"] as? [String: Int])
        #expect(counters.count == Layout.WorkerCounter.allCases.count)
        for counter in Layout.WorkerCounter.allCases {
            #expect(counters[counter.name] == Int(SegmentFixture.value(counter, slot: 2)), "\(counter.name)")
        }
        #expect(worker["bad_requests"] as? Int == 2 && worker["rate_limited"] as? Int == 6)
        #expect(worker["connections"] as? Int == 5 && worker["lag"] as? Int == 10)
        #expect((root["ring"] as? [String: Any])?["records_written"] as? Int == 99)
    }

    @Test("the table has a counter line per worker under the process table")
    func tableCounters() throws {
        let table = StatusReport(segment: try SegmentFixture.make()).table()
        let lines = table.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(lines.contains("SLOT KIND STATE PID UPTIME RESTARTS GEN RING SEQ LAG LAPS CONNS REQUESTS"))
        #expect(lines.contains("SLOT WS OPEN DELIVERIES DROPPED CONFLATED SLOW CLOSED GAP NOTICES RECOVERED/REFUSED REFUSED CONNS MSGS LIMITED/CLOSED"))
        // Slot 1: websockets_open 101, deliveries 103, dropped 104, conflated 105, slow closed 106,
        // gap notices 107, recovered 108 / refused 109, refused conns 112 + 113, messages rate
        // limited 117 / connections closed for it 118 (in the slot's line of more counters).
        #expect(lines.contains("1 101 103 104 105 106 107 108/109 225 117/118"), "\(table)")
        #expect(lines.contains("3 0 0 0 0 0 0 0/0 0 0/0"))
    }
}
