import Testing
import WebSocketCore
@testable import Loadtest

/// A client's messages across a fault, fed through its session as the loop feeds them: the
/// server's position, replays, recovery answers, and what is charged to the fault.
@Suite("Fault bookkeeping")
struct FaultBookkeepingTests {
    static func trade(id: Int64, recvUs: Int64, seq: Int64) -> [UInt8] { ClientSessionTests.trade(id: id, recvUs: recvUs, seq: seq) }
    static func text(_ s: String) -> [UInt8] { ClientSessionTests.text(s) }

    static func feed(_ session: inout ClientSession, _ bytes: [UInt8], nowMicros: Int64, monoNanos: Int64 = 0,
                     stats: inout ProcessStats) {
        _ = ClientSessionTests.feed(&session, bytes, chunk: 1 << 20,
                                    clock: ReceiveClock(nowMicros: nowMicros, inWindow: true, monoNanos: monoNanos), stats: &stats)
    }

    @Test("subscribed and recovery messages are read for their position and outcome")
    func scan() {
        func scan(_ text: String) -> ServerMessage { Array(text.utf8).withUnsafeBytes { ServerMessage.scan($0) } }
        #expect(scan(#"{"type":"subscribed","symbol":"BTCUSDT","message":"Successfully subscribed to BTCUSDT","timestamp":1,"market":"futures","channels":["aggTrades"],"epoch":3,"seq":1048576}"#)
            == .subscribed(epoch: 3, sequence: 1_048_576))
        #expect(scan(#"{"type":"recovery","symbol":"BTCUSDT","market":"futures","status":"recovered","from_seq":11,"to_seq":20,"messages":4,"epoch":3,"timestamp":1}"#)
            == .recovery(RecoveryReply(outcome: .recovered(messages: 4), epoch: 3, sequence: 20)))
        #expect(scan(#"{"type":"recovery","symbol":"BTCUSDT","market":"futures","status":"impossible","reason":"epoch_changed","epoch":4,"seq":77,"message":"reload","timestamp":1}"#)
            == .recovery(RecoveryReply(outcome: .impossible(.epochChanged), epoch: 4, sequence: 77)))
        #expect(scan(#"{"type":"recovery","status":"impossible","reason":"too_old","epoch":4,"seq":77}"#)
            == .recovery(RecoveryReply(outcome: .impossible(.tooOld), epoch: 4, sequence: 77)))
        #expect(scan(#"{"type":"recovery","status":"impossible","reason":"other_thing","epoch":4,"seq":77}"#)
            == .recovery(RecoveryReply(outcome: .impossible(.other), epoch: 4, sequence: 77)))
    }

    /// A subscribed client that loses its connection at `lostAt` ns (fault 0, a worker kill,
    /// struck at wall 1,000 µs) and resumes.
    func resumed() -> (ClientSession, ProcessStats) {
        var session = ClientSession()
        session.phase = .open
        var stats = ProcessStats()
        Self.feed(&session, Self.text(#"{"type":"subscribed","symbol":"BTCUSDT","epoch":3,"seq":100}"#), nowMicros: 0, stats: &stats)
        Self.feed(&session, Self.trade(id: 1, recvUs: 10, seq: 101) + Self.trade(id: 2, recvUs: 20, seq: 102), nowMicros: 30, stats: &stats)
        stats.faults.begin(index: 0, wallMicros: 1_000, hitsFeed: false)
        stats.faults.open(&session.watch, subscribed: true)
        #expect(!session.watch.affected)
        _ = session.link.handle(.lost(nowNanos: 5_000_000, jitter: 0))
        stats.faults.disconnected(&session.watch)
        return (session, stats)
    }

    @Test("a resumed client counts its reconnect, the replay and its first live trade after the fault")
    func recovered() throws {
        var (session, stats) = resumed()
        let resume = session.link.subscribing(resumable: true)
        let point = try #require(resume)
        #expect(point.epoch == 3 && point.sequence == 102)
        Self.feed(&session, Self.text(#"{"type":"subscribed","symbol":"BTCUSDT","epoch":3,"seq":110}"#), nowMicros: 1_050,
                  monoNanos: 65_000_000, stats: &stats)
        // Replayed: trade 3 was received by the feeder after the fault, but is not live.
        Self.feed(&session, Self.trade(id: 3, recvUs: 1_010, seq: 103), nowMicros: 1_060, stats: &stats)
        #expect(session.watch.awaitingLive)
        Self.feed(&session, Self.text(#"{"type":"recovery","status":"recovered","from_seq":103,"to_seq":110,"messages":1,"epoch":3}"#),
                  nowMicros: 1_070, stats: &stats)
        Self.feed(&session, Self.trade(id: 4, recvUs: 1_100, seq: 111), nowMicros: 1_400, stats: &stats)
        #expect(!session.watch.awaitingLive && session.watch.liveAfterMicros == 400)
        stats.faults.close(&session.watch)
        let t = stats.faults.tallies[0]
        #expect(t[.disconnects] == 1 && t[.clientsDisconnected] == 1 && t[.reconnects] == 1)
        #expect(t[.recovered] == 1 && t[.replayed] == 1 && t.impossible == 0)
        #expect(t[.missingIds] == 0 && t[.clientsWithGap] == 0)
        #expect(t[.affected] == 1 && t[.liveAgain] == 1 && t[.neverLive] == 0)
        #expect(t.maxReconnectMicros == 60_000 && t.maxRecoveryMicros == 400)
        #expect(stats.counters[.reconnects] == 1 && stats.counters[.recovered] == 1 && stats.counters[.replayedMessages] == 1)
    }

    @Test("an impossible resume leaves the skipped ids as an unrecovered gap of the fault")
    func impossible() {
        var (session, stats) = resumed()
        _ = session.link.subscribing(resumable: true)
        Self.feed(&session, Self.text(#"{"type":"subscribed","epoch":4,"seq":120}"#), nowMicros: 1_050, monoNanos: 9_000_000, stats: &stats)
        Self.feed(&session, Self.text(#"{"type":"recovery","status":"impossible","reason":"epoch_changed","epoch":4,"seq":120}"#),
                  nowMicros: 1_060, stats: &stats)
        Self.feed(&session, Self.trade(id: 6, recvUs: 1_070, seq: 121), nowMicros: 1_090, stats: &stats)
        stats.faults.close(&session.watch)
        let t = stats.faults.tallies[0]
        #expect(t[.epochChanged] == 1 && t[.recovered] == 0)
        #expect(t[.missingIds] == 3 && t[.clientsWithGap] == 1)
        #expect(t[.liveAgain] == 1 && t.maxRecoveryMicros == 90)
        #expect(session.link.epoch == 4 && session.link.sequence == 121)
    }

    @Test("a feed fault affects every subscribed client; one that never sees a live trade is counted")
    func feedFault() {
        var a = ClientSession()
        var b = ClientSession()
        a.phase = .open
        b.phase = .open
        var stats = ProcessStats()
        let subscribed = Self.text(#"{"type":"subscribed","epoch":1,"seq":5}"#)
        Self.feed(&a, subscribed, nowMicros: 0, stats: &stats)
        Self.feed(&b, subscribed, nowMicros: 0, stats: &stats)
        stats.faults.begin(index: 0, wallMicros: 500, hitsFeed: true)
        stats.faults.open(&a.watch, subscribed: a.link.live)
        stats.faults.open(&b.watch, subscribed: b.link.live)
        // An older trade still in flight is not live; a newer one is.
        Self.feed(&a, Self.trade(id: 1, recvUs: 499, seq: 6) + Self.trade(id: 2, recvUs: 700, seq: 7), nowMicros: 900, stats: &stats)
        stats.faults.close(&a.watch)
        stats.faults.close(&b.watch)
        let t = stats.faults.tallies[0]
        #expect(t[.affected] == 2 && t[.liveAgain] == 1 && t[.neverLive] == 1 && t[.disconnects] == 0)
        #expect(t.maxRecoveryMicros == 400)
    }
}
