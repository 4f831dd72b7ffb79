import Posix
import ShmRing
import Testing
@testable import Supervisor

@Suite("status after the feeder died")
struct FeederGoneTests {
    @Test("a dead feeder's live connection lines are freed, none counted live, and the feed says down")
    func linesFreed() throws {
        let segment = try SegmentFixture.make()
        let c = segment.control
        for (line, route) in [(0, FeedRouteCode.spot), (1, .futuresPublic), (2, .futuresMarket)] {
            c.feedConnectionWord(line, Layout.Feed.Connection.id).storeRelaxed(UInt64(line + 1))
            c.feedConnectionWord(line, Layout.Feed.Connection.route).storeRelaxed(route.rawValue)
            c.feedConnectionWord(line, Layout.Feed.Connection.state).storeReleasing(FeedConnectionState.live.rawValue)
        }
        c.word(Layout.Control.feedState).storeRelaxed(FeedState.live.rawValue)
        c.feedCounter(.liveConnections).storeRelaxed(3)
        #expect(FeedReport.connections(c).count == 3)
        FeedReport.markFeederGone(c)
        #expect(FeedReport.connections(c).isEmpty)
        #expect(c.word(Layout.Control.feedState).loadRelaxed() == FeedState.down.rawValue)
        #expect(c.feedCounter(.liveConnections).loadRelaxed() == 0)
        #expect(!StatusReport(segment: segment).table().contains("  live  endpoint"))
    }
}
