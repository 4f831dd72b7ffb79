import Glibc
import Posix
import Runtime
import ShmRing
import Testing
@testable import Worker

/// Resuming from a sequence: a real segment and ring, a `WorkerProcess` reading it, and a
/// recording broadcaster as the client.
@Suite("Resume: replay from the ring, or say why not")
struct ReplayTests {
    static let key = SubscriptionKey(symbol: 0, market: .futures)
    static let client = SubscriberID(slot: 7, generation: 1)

    /// A segment with a `ringKiB` ring, a writer, and a worker on it (slot 1).
    static func setUp(ringKiB: Int = 256, replayMax: Int = 10_000) throws -> (RingWriter, WorkerProcess) {
        let ring = ringKiB << 10
        let fd = try SharedMemory.anonymous(size: Layout.segmentSize(ringCapacity: ring, symbolCapacity: 4))
        defer { close(fd) }
        let segment = try Segment.format(fd: fd, ringCapacity: ring, symbolCapacity: 4)
        var config = Config()
        config.symbols = ["BTCUSDT"]
        config.wsReplayMax = replayMax
        let writer = RingWriter(segment: segment)
        let worker = WorkerProcess(config: config, logger: Logger(role: "test", level: .critical, path: nil), segment: segment, slot: 1)
        return (writer, worker)
    }

    /// Publishes `count` futures aggregate trades (ids from `firstId`), each followed by a spot
    /// trade the client does not subscribe to, draining the worker every 10; returns the
    /// sequence of each aggregate trade by id.
    @discardableResult
    static func publish(_ writer: RingWriter, _ worker: WorkerProcess, count: Int, firstId: Int64 = 1,
                        via b: Broadcaster) -> [Int64: UInt64] {
        var sequences: [Int64: UInt64] = [:]
        for i in 0..<Int64(count) {
            let id = firstId + i
            sequences[id] = writer.publish(AggTradeRecord(symbolIndex: 0, flags: RecordFlags.futures, price: 100, quantity: 1,
                                                          aggregateId: id, firstTradeId: id, lastTradeId: id, tradeTimeMs: id,
                                                          eventTimeMs: id, receivedNs: id * 1_000_000))
            writer.publish(TradeRecord(symbolIndex: 0, flags: 0, price: 100, quantity: 1, tradeId: id, tradeTimeMs: id,
                                       receivedNs: id * 1_000_000))
            if i % 10 == 9 { worker.drainRing(into: b) }
        }
        worker.drainRing(into: b)
        return sequences
    }

    static func resume(_ worker: WorkerProcess, _ b: RecordingBroadcaster, epoch: UInt64? = nil, after sequence: UInt64) -> [[String: Any]] {
        let point = ResumePoint(epoch: epoch ?? worker.ringPosition.epoch, sequence: sequence)
        worker.onSubscribed(key, subscriber: client, channels: .aggTrades, replacing: nil, resume: point, broadcaster: b)
        return b.take(client)
    }

    @Test("every missed message of the subscription's channels, in order, then recovered with the range and count")
    func replaysExactly() throws {
        let (writer, worker) = try Self.setUp()
        let b = RecordingBroadcaster()
        let sequences = Self.publish(writer, worker, count: 500, via: b)
        let got = Self.resume(worker, b, after: sequences[200]!)
        let trades = got.dropLast()
        #expect(trades.map { $0["id"] as? Int } == Array(201...500))
        #expect(trades.allSatisfy { $0["type"] as? String == "trade_update" && $0["symbol"] as? String == "BTCUSDT" })
        #expect(trades.map { UInt64($0["seq"] as? Int ?? 0) } == (201...500).map { sequences[Int64($0)]! })
        let recovery = try #require(got.last)
        #expect(recovery["type"] as? String == "recovery" && recovery["status"] as? String == "recovered")
        #expect(recovery["from_seq"] as? Int == Int(sequences[200]! + 1) && recovery["messages"] as? Int == 300)
        #expect(recovery["to_seq"] as? Int == Int(worker.ringPosition.sequence))
        #expect(worker.replayCounts == (recovered: 1, refused: 0, replayed: 300))
    }

    @Test("a client already at the worker's position gets nothing but recovered; a wrong epoch is refused")
    func upToDateAndEpoch() throws {
        let (writer, worker) = try Self.setUp()
        let b = RecordingBroadcaster()
        Self.publish(writer, worker, count: 50, via: b)
        let now = worker.ringPosition.sequence
        let current = Self.resume(worker, b, after: now)
        #expect(current.count == 1 && current[0]["status"] as? String == "recovered" && current[0]["messages"] as? Int == 0)
        let other = Self.resume(worker, b, epoch: worker.ringPosition.epoch + 1, after: now - 10)
        #expect(other.count == 1 && other[0]["status"] as? String == "impossible" && other[0]["reason"] as? String == "epoch_changed")
        #expect(other[0]["seq"] as? Int == Int(now))
        // Records published but not yet read by this worker: the client saw them elsewhere.
        let published = writer.publish(TradeRecord(symbolIndex: 0, flags: 0, price: 100, quantity: 1, tradeId: 9_999,
                                                   tradeTimeMs: 1, receivedNs: 1))
        let ahead = Self.resume(worker, b, after: published)
        #expect(ahead.count == 1 && ahead[0]["status"] as? String == "recovered" && ahead[0]["messages"] as? Int == 0)
        let beyond = Self.resume(worker, b, after: published + 1_000_000_000)
        #expect(beyond.count == 1 && beyond[0]["reason"] as? String == "epoch_changed", "a sequence this ring never published")
    }

    @Test("a position from another server's ring (a server restarted since) is refused, whatever its sequence")
    func anotherRing() throws {
        let (oldWriter, oldWorker) = try Self.setUp()
        let b = RecordingBroadcaster()
        let seen = Self.publish(oldWriter, oldWorker, count: 400, via: b)
        usleep(2_000)
        let (writer, worker) = try Self.setUp()
        Self.publish(writer, worker, count: 500, via: b)
        #expect(worker.ringPosition.epoch > oldWorker.ringPosition.epoch)
        for sequence in [seen[10]!, seen[400]!, oldWorker.ringPosition.sequence] {
            let got = Self.resume(worker, b, epoch: oldWorker.ringPosition.epoch, after: sequence)
            #expect(got.count == 1 && got[0]["status"] as? String == "impossible" && got[0]["reason"] as? String == "epoch_changed",
                    "sequence \(sequence) of the old ring")
        }
        #expect(worker.replayCounts.recovered == 0 && worker.replayCounts.replayed == 0)
    }

    @Test("overwritten records, or more than WS_REPLAY_MAX messages, are refused as too_old with nothing replayed")
    func tooOld() throws {
        let (writer, worker) = try Self.setUp(ringKiB: 16)
        let b = RecordingBroadcaster()
        let sequences = Self.publish(writer, worker, count: 600, via: b)
        let old = Self.resume(worker, b, after: sequences[3]!)
        #expect(old.count == 1 && old[0]["reason"] as? String == "too_old")
        let (writer2, limited) = try Self.setUp(replayMax: 20)
        let sequences2 = Self.publish(writer2, limited, count: 100, via: b)
        let many = Self.resume(limited, b, after: sequences2[50]!)
        #expect(many.count == 1 && many[0]["reason"] as? String == "too_old")
        let few = Self.resume(limited, b, after: sequences2[85]!)
        #expect(few.count == 16 && few.last?["messages"] as? Int == 15)
    }

    @Test("a worker started after the records (a restarted one) still replays them from the ring; what is gone is too_old")
    func freshWorker() throws {
        let (writer, first) = try Self.setUp()
        let b = RecordingBroadcaster()
        let early = Self.publish(writer, first, count: 300, via: b)
        var config = Config()
        config.symbols = ["BTCUSDT"]
        let fresh = WorkerProcess(config: config, logger: Logger(role: "test", level: .critical, path: nil), segment: first.segment, slot: 2)
        let late = Self.publish(writer, fresh, count: 50, firstId: 301, via: b)
        let got = Self.resume(fresh, b, after: early[100]!)
        #expect(got.dropLast().map { $0["id"] as? Int } == Array(101...350))
        #expect(got.last?["status"] as? String == "recovered" && got.last?["messages"] as? Int == 250)
        #expect(late.count == 50 && fresh.replayIndexFromOldest)

        let (smallWriter, smallFirst) = try Self.setUp(ringKiB: 16)
        let gone = Self.publish(smallWriter, smallFirst, count: 600, via: b)
        let restarted = WorkerProcess(config: config, logger: Logger(role: "test", level: .critical, path: nil),
                                      segment: smallFirst.segment, slot: 2)
        Self.publish(smallWriter, restarted, count: 5, firstId: 601, via: b)
        let old = Self.resume(restarted, b, after: gone[3]!)
        #expect(old.count == 1 && old[0]["reason"] as? String == "too_old", "overwritten records are never skipped over")
    }

    @Test("a client of an earlier epoch (the feeder restarted) resumes from the ring, before or after the epoch start; a newer epoch or a sequence past the ring is refused")
    func acrossEpochs() throws {
        let (writer, worker) = try Self.setUp()
        let b = RecordingBroadcaster()
        let before = Self.publish(writer, worker, count: 100, via: b)
        let oldEpoch = worker.ringPosition.epoch
        let restarted = RingWriter(segment: worker.segment)
        #expect(restarted.epoch == oldEpoch + 1)
        let after = Self.publish(restarted, worker, count: 20, firstId: 101, via: b)
        let got = Self.resume(worker, b, epoch: oldEpoch, after: before[90]!)
        #expect(got.dropLast().map { $0["id"] as? Int } == Array(91...120))
        #expect(got.last?["status"] as? String == "recovered" && got.last?["epoch"] as? Int == Int(oldEpoch + 1))
        // A client that stayed connected across the restart kept the old epoch with new sequences.
        let stayed = Self.resume(worker, b, epoch: oldEpoch, after: after[110]!)
        #expect(stayed.dropLast().map { $0["id"] as? Int } == Array(111...120) && stayed.last?["status"] as? String == "recovered")
        let newer = Self.resume(worker, b, epoch: oldEpoch + 2, after: after[110]!)
        #expect(newer.count == 1 && newer[0]["reason"] as? String == "epoch_changed")
        let ahead = Self.resume(worker, b, epoch: oldEpoch, after: worker.ringPosition.sequence + 50)
        #expect(ahead.count == 1 && ahead[0]["reason"] as? String == "epoch_changed")
    }

    @Test("the sampled index finds the latest sample at or before a sequence and starts over when sequences go back")
    func index() {
        var index = ReplayIndex(stride: 10, capacity: 4)
        for (sequence, position) in [(0, 0), (5, 50), (10, 100), (25, 250), (31, 310), (40, 400), (52, 520)] as [(UInt64, UInt64)] {
            index.note(sequence: sequence, position: position)
        }
        #expect(index.sequences == [25, 40, 52])
        #expect(index.start(after: 24) == nil)
        #expect(index.start(after: 39)! == (25, 250))
        #expect(index.start(after: 99)! == (52, 520))
        index.note(sequence: 3, position: 30)
        #expect(index.sequences == [3])
    }
}
