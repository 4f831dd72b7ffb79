import Testing
@testable import ShmRing

/// Every record type through a real ring: published with the typed helpers, read back with
/// `drain` and decoded with `RingEvent`.
@Suite("Ring records")
struct RecordRoundTripTests {
    @Test("record payloads have the documented sizes and 8-byte alignment")
    func sizes() {
        #expect(MemoryLayout<TradeRecord>.size == 48)
        #expect(MemoryLayout<AggTradeRecord>.size == 72)
        #expect(MemoryLayout<Candle>.size == 104 && MemoryLayout<Candle>.stride == 104)
        #expect(MemoryLayout<KlineRecord>.size == 136)
        #expect(MemoryLayout<RecentTrade>.size == 72 && MemoryLayout<RecentTrade>.stride == 72)
        #expect(MemoryLayout<BookTickerRecord>.size == 72)
        #expect(MemoryLayout<TickerRecord>.size == 96)
        #expect(MemoryLayout<MarkPriceRecord>.size == 64)
        #expect(MemoryLayout<LiquidationRecord>.size == 80)
        #expect(MemoryLayout<FeedGapRecord>.size == 64)
        #expect(MemoryLayout<DepthDiffHeader>.size == 64)
        #expect(MemoryLayout<BookSnapshotHeader>.size == 48)
        #expect(MemoryLayout<BookLevel>.stride == 16)
        #expect(MemoryLayout<BookTop>.size == 48)
        #expect(MemoryLayout<KlineRecord>.alignment == 8 && MemoryLayout<FeedGapRecord>.alignment == 8)
    }

    @Test("every fixed-size record type reads back equal, in order, with its type")
    func fixedRoundTrip() throws {
        let segment = try TestSupport.segment(ringCapacity: 1 << 16)
        var reader = RingReader(segment: segment, start: .latest)
        let writer = RingWriter(segment: segment)
        let s = RecordSamples.self
        writer.publish(s.trade)
        writer.publish(s.aggTrade)
        writer.publish(s.kline)
        writer.publish(s.bookTicker)
        writer.publish(s.ticker)
        writer.publish(s.markPrice)
        writer.publish(s.liquidation)
        writer.publish(s.gap)
        var seen: [RecordType] = []
        _ = TestSupport.withScratch(1 << 16) { buffer in
            reader.drain(into: buffer) { result, payload in
                guard case .record(let type, _, _) = result else { Issue.record("\(result)"); return }
                seen.append(RecordType(rawValue: type)!)
                switch RingEvent(type: type, payload: payload) {
                case .epochStart(let r): #expect(r.epoch == writer.epoch)
                case .trade(let r): #expect(r == s.trade && r.market == .spot && r.isBuyerMaker)
                case .aggTrade(let r): #expect(r == s.aggTrade && r.market == .futures && r.trade.tradeId == r.aggregateId)
                case .kline(let r): #expect(r == s.kline && r.candle.isClosed && r.candle.closeTimeMs == 1_577_836_859_999)
                case .bookTicker(let r): #expect(r == s.bookTicker && r.market == .spot)
                case .ticker(let r): #expect(r == s.ticker)
                case .markPrice(let r): #expect(r == s.markPrice && r.knownFundingRate == 10_000)
                case .liquidation(let r): #expect(r == s.liquidation && r.orderType == LiquidationRecord.orderTypeLimit)
                case .feedGap(let r):
                    #expect(r == s.gap)
                    #expect(r.channel == .depth && r.reason == .sequenceBreak && r.status == .open)
                default: Issue.record("unexpected \(type)")
                }
            }
        }
        #expect(seen == [.epochStart, .trade, .aggTrade, .kline, .bookTicker, .ticker, .markPrice, .liquidation, .feedGap])
    }

    @Test("a mark price without a funding rate says so")
    func markPriceWithoutFunding() {
        let m = MarkPriceRecord(symbolIndex: 0, flags: RecordFlags.futures, eventTimeMs: 1, receivedNs: 2, markPrice: 3,
                                indexPrice: 4, estimatedSettlePrice: 5, fundingRate: nil, nextFundingTimeMs: 0)
        #expect(m.knownFundingRate == nil && m.market == .futures)
    }

    @Test("depth diffs with 0, 1 and 1000 levels a side and a book snapshot read back level for level",
          arguments: [(0, 0), (1, 0), (0, 1), (1000, 1000), (1000, 3)])
    func depthRoundTrip(bidCount: Int, askCount: Int) throws {
        let segment = try TestSupport.segment(ringCapacity: 1 << 20)
        var reader = RingReader(segment: segment, start: .latest)
        let writer = RingWriter(segment: segment)
        let bids = RecordSamples.levels(bidCount, seed: 1)
        let asks = RecordSamples.levels(askCount, seed: 2)
        bids.withUnsafeBufferPointer { b in
            asks.withUnsafeBufferPointer { a in
                writer.publish(RecordSamples.depthHeader, bids: b, asks: a)
                writer.publish(RecordSamples.snapshotHeader, bids: b, asks: a)
            }
        }
        var diffs = 0
        var snapshots = 0
        _ = TestSupport.withScratch(1 << 17) { buffer in
            reader.drain(into: buffer) { result, payload in
                guard case .record(let type, _, let length) = result else { return }
                switch RingEvent(type: type, payload: payload) {
                case .depthDiff(let view):
                    diffs += 1
                    #expect(length == 64 + 16 * (bidCount + askCount))
                    var expected = RecordSamples.depthHeader
                    expected.bidCount = UInt32(bidCount)
                    expected.askCount = UInt32(askCount)
                    #expect(view.header == expected)
                    #expect(Array(view.bids) == bids && Array(view.asks) == asks)
                case .bookSnapshot(let view):
                    snapshots += 1
                    #expect(view.header.lastUpdateId == 50_093_239_218 && view.header.isResync)
                    #expect(Array(view.bids) == bids && Array(view.asks) == asks)
                case .epochStart: break
                default: Issue.record("unexpected \(type)")
                }
            }
        }
        #expect(diffs == 1 && snapshots == 1)
    }

    @Test("a depth payload whose length disagrees with its counts decodes as malformed")
    func malformedDepth() throws {
        var header = RecordSamples.depthHeader
        header.bidCount = 2
        header.askCount = 0
        let bytes = withUnsafeBytes(of: header) { Array($0) } + [UInt8](repeating: 0, count: 16)
        bytes.withUnsafeBytes { payload in
            guard case .malformed(.depthDiff) = RingEvent(type: RecordType.depthDiff.rawValue, payload: payload) else {
                Issue.record("not malformed")
                return
            }
        }
        [UInt8](repeating: 0, count: 8).withUnsafeBytes { payload in
            guard case .malformed(.kline) = RingEvent(type: RecordType.kline.rawValue, payload: payload) else {
                Issue.record("a short kline is not malformed")
                return
            }
        }
    }

    @Test("variable-length depth records wrap the ring behind padding and read back intact, eagerly and batched")
    func depthWrap() throws {
        let segment = try TestSupport.segment(ringCapacity: 1 << 16)
        let writer = RingWriter(segment: segment)
        var eager = RingReader(segment: segment, start: .latest)
        var batched = RingReader(segment: segment, start: .latest)
        var published: [Int64] = []
        var eagerSeen: [Int64] = []
        var batchedSeen: [Int64] = []
        let limit = writer.maxLevels(for: DepthDiffHeader.self)
        for round in 0..<600 {
            let n = (round &* 37) % (limit / 2 + 1)
            let bids = RecordSamples.levels(n, seed: Int64(round))
            let asks = RecordSamples.levels((round &* 11) % (limit - n + 1), seed: -Int64(round))
            var header = RecordSamples.depthHeader
            header.finalUpdateId = Int64(round)
            bids.withUnsafeBufferPointer { b in asks.withUnsafeBufferPointer { a in _ = writer.publish(header, bids: b, asks: a) } }
            published.append(Int64(round))
            eagerSeen += Self.verifiedDiffs(&eager, bufferSize: 1 << 16, oneByOne: true)
            if round % 5 == 4 { batchedSeen += Self.verifiedDiffs(&batched, bufferSize: 1 << 16, oneByOne: false) }
        }
        batchedSeen += Self.verifiedDiffs(&batched, bufferSize: 1 << 16, oneByOne: false)
        #expect(writer.position > 10 * (1 << 16))
        #expect(eagerSeen == published && batchedSeen == published)
        #expect(eager.laps == 0 && batched.laps == 0)
    }

    /// Reads every diff, checking its levels regenerate from its round; returns the rounds.
    static func verifiedDiffs(_ reader: inout RingReader, bufferSize: Int, oneByOne: Bool) -> [Int64] {
        TestSupport.withScratch(bufferSize) { buffer in
            var rounds: [Int64] = []
            func check(_ type: Int32, _ payload: UnsafeRawBufferPointer) {
                guard case .depthDiff(let view) = RingEvent(type: type, payload: payload) else { return }
                let round = view.header.finalUpdateId
                #expect(Array(view.bids) == RecordSamples.levels(view.bids.count, seed: round))
                #expect(Array(view.asks) == RecordSamples.levels(view.asks.count, seed: -round))
                rounds.append(round)
            }
            if oneByOne {
                while case .record(let type, _, let length) = reader.next(into: buffer) {
                    check(type, UnsafeRawBufferPointer(rebasing: buffer[0..<length]))
                }
            } else {
                reader.drain(into: buffer) { result, payload in
                    if case .record(let type, _, _) = result { check(type, payload) }
                }
            }
            return rounds
        }
    }
}
