import Foundation
import ShmRing
import Testing
@testable import Worker

/// Ring records into terminal messages, over a recording broadcaster and fake state tables.
@Suite("Terminal feed: ring records to terminal messages")
struct TerminalFeedTests {
    @Test("a trade is encoded once for all its market's subscribers, never for the other market, and not at all without subscribers")
    func tradesByMarket() {
        let h = FeedHarness()
        h.handle(.trade(TradeRecord(symbolIndex: 0, flags: 0, price: 6_000_000_000_000, quantity: 2_000_000, tradeId: 7,
                                    tradeTimeMs: 11, receivedNs: 12_000_000)))
        #expect(h.feed.counters.encoded == 0)
        h.subscribe(alice, btcSpot)
        h.subscribe(bob, btcSpot)
        _ = h.b.take(alice); _ = h.b.take(bob)
        h.handle(.trade(TradeRecord(symbolIndex: 0, flags: TradeRecord.buyerIsMaker, price: 6_000_000_000_000, quantity: 2_000_000,
                                    tradeId: 8, tradeTimeMs: 11, receivedNs: 12_000_000)))
        h.handle(.aggTrade(AggTradeRecord(symbolIndex: 0, flags: RecordFlags.futures, price: 1, quantity: 1, aggregateId: 99,
                                          firstTradeId: 1, lastTradeId: 1, tradeTimeMs: 1, eventTimeMs: 1, receivedNs: 1)))
        #expect(h.b.broadcasts == 1 && h.feed.counters.encoded == 1)
        let got = h.b.take(alice)
        #expect(h.b.take(bob).count == 1)
        #expect(got.count == 1)
        let t = got[0]
        #expect(t["type"] as? String == "trade_update" && t["symbol"] as? String == "BTCUSDT")
        #expect(t["id"] as? Int == 8 && t["seq"] as? Int == 2 && t["price"] as? Double == 60000 && t["quantity"] as? Double == 0.02)
        #expect(t["is_buyer_maker"] as? Bool == true && t["trade_time"] as? Int == 11 && t["timestamp"] as? Int == 12)
    }

    @Test("a new subscriber gets the book whole, then the diffs that continue it, with depth timestamps strictly increasing even within one millisecond")
    func snapshotThenDiffs() {
        let h = FeedHarness()
        h.source.set(btcFutures, id: 100, bids: levels([(100, 1), (99, 2)]), asks: levels([(101, 1)]))
        h.subscribe(alice, btcFutures)
        var got = h.b.take(alice)
        #expect(got.count == 1)
        #expect(got[0]["snapshot"] as? Bool == true && got[0]["update_id"] as? Int == 100 && got[0]["timestamp"] as? Int == 5_000)
        #expect(side(got[0], "bids") == [["100", "1"], ["99", "2"]] && side(got[0], "asks") == [["101", "1"]])
        h.diff(btcFutures, first: 95, last: 100, receivedMs: 4_000)  // already in the book
        h.diff(btcFutures, first: 101, last: 103, previous: 100, receivedMs: 5_000, bids: levels([(99, 0)]))
        h.diff(btcFutures, first: 104, last: 105, previous: 103, receivedMs: 5_000, asks: levels([(102, 3)]))
        got = h.b.take(alice)
        #expect(got.count == 2)
        #expect(got.map { $0["timestamp"] as? Int } == [5_001, 5_002])
        #expect(got.map { $0["snapshot"] as? Bool } == [false, false])
        #expect(got[0]["first_update_id"] as? Int == 101 && got[0]["update_id"] as? Int == 103 && got[0]["prev_update_id"] as? Int == 100)
        #expect(side(got[0], "bids") == [["99", "0"]])
        #expect(h.feed.books[btcFutures]?.bids == levels([(100, 1)]) && h.feed.books[btcFutures]?.asks == levels([(101, 1), (102, 3)]))
        // A second subscriber's snapshot is the book as the diffs left it.
        h.subscribe(bob, btcFutures)
        let snapshot = h.b.take(bob)
        #expect(snapshot.first?["update_id"] as? Int == 105 && snapshot.first?["timestamp"] as? Int == 5_002)
        #expect(side(snapshot[0], "asks") == [["101", "1"], ["102", "3"]])
    }

    @Test("a connection sent its own snapshots a thousand times never moves the depth timestamps another connection receives, and still sees its own strictly increase")
    func ownSnapshotsStayOwn() {
        let h = FeedHarness()
        h.source.set(btcFutures, id: 100, bids: levels([(100, 1)]), asks: levels([(101, 1)]))
        h.subscribe(alice, btcFutures)
        h.subscribe(bob, btcFutures)
        h.diff(btcFutures, first: 101, last: 101, previous: 100, receivedMs: 6_000, bids: levels([(99, 1)]))
        for _ in 0..<1_000 { h.feed.subscribed(btcFutures, subscriber: alice, replacing: nil, via: h.b) }
        h.diff(btcFutures, first: 102, last: 102, previous: 101, receivedMs: 6_000, bids: levels([(98, 1)]))
        h.diff(btcFutures, first: 103, last: 103, previous: 102, receivedMs: 6_001, asks: levels([(102, 1)]))
        h.diff(btcFutures, first: 104, last: 104, previous: 103, receivedMs: 6_005, asks: levels([(103, 1)]))
        let theirs = h.b.take(bob)
        // The feeder's times, one millisecond added only where two of the data tie.
        #expect(theirs.map { $0["timestamp"] as? Int } == [5_000, 6_000, 6_001, 6_002, 6_005])
        #expect(theirs.map { $0["update_id"] as? Int } == [100, 101, 102, 103, 104])
        let own = h.b.take(alice).compactMap { $0["timestamp"] as? Int }
        #expect(own.count == 1 + 1 + 1_000 + 3)
        #expect(zip(own, own.dropFirst()).allSatisfy { $0 < $1 }, "its own view still strictly increases")
        #expect(h.feed.depthClock[0] == 6_005)
        // Once the data passes its last snapshot, it shares the others' messages again.
        h.diff(btcFutures, first: 105, last: 105, previous: 104, receivedMs: 9_000, asks: levels([(104, 1)]))
        #expect(h.b.take(alice).map { $0["timestamp"] as? Int } == [9_000] && h.feed.depthFloors.isEmpty)
        #expect(h.b.take(bob).map { $0["timestamp"] as? Int } == [9_000])
    }

    @Test("a book's snapshot sent to a new subscriber is stamped past the symbol's last depth time and leaves the shared clock where the data put it")
    func newSubscriberSnapshotStamp() {
        let h = FeedHarness()
        h.source.set(btcFutures, id: 100, bids: levels([(100, 1)]), asks: [])
        h.subscribe(alice, btcFutures)
        h.diff(btcFutures, first: 101, last: 101, previous: 100, receivedMs: 6_000)
        h.now.value = 9_999
        h.subscribe(bob, btcFutures)
        #expect(h.b.take(bob).map { $0["timestamp"] as? Int } == [6_001])
        #expect(h.feed.depthClock[0] == 6_000)
        h.diff(btcFutures, first: 102, last: 102, previous: 101, receivedMs: 6_001)
        #expect(h.b.take(alice).map { $0["timestamp"] as? Int } == [5_000, 6_000, 6_001])
        #expect(h.b.take(bob).map { $0["timestamp"] as? Int } == [6_002], "its own copy, past its snapshot")
    }

    @Test("a resync snapshot record replaces the book, and subscribers get it whole with the levels it lacks removed")
    func resyncSnapshot() {
        let h = FeedHarness()
        h.source.set(btcSpot, id: 10, bids: levels([(100, 1), (99, 2)]), asks: levels([(101, 1)]))
        h.subscribe(alice, btcSpot)
        _ = h.b.take(alice)
        h.snapshotRecord(btcSpot, id: 50, resync: true, receivedMs: 9_000, bids: levels([(100, 3), (98, 1)]), asks: levels([(102, 1)]))
        let got = h.b.take(alice)
        #expect(got.count == 1)
        #expect(got[0]["snapshot"] as? Bool == true && got[0]["update_id"] as? Int == 50 && got[0]["seq"] as? Int == 1)
        #expect(side(got[0], "bids") == [["100", "3"], ["99", "0"], ["98", "1"]])
        #expect(side(got[0], "asks") == [["101", "0"], ["102", "1"]])
    }

    @Test("a diff that skips ids makes the book wait; when the state tables catch up the book is taken from them and sent whole")
    func gapThenTables() {
        let h = FeedHarness()
        h.source.set(btcSpot, id: 10, bids: levels([(100, 1)]), asks: levels([(101, 1)]))
        h.subscribe(alice, btcSpot)
        _ = h.b.take(alice)
        h.diff(btcSpot, first: 15, last: 16, receivedMs: 6_000)
        #expect(h.b.take(alice).isEmpty && h.feed.books[btcSpot]?.synced == false && h.feed.counters.bookGaps == 1)
        h.diff(btcSpot, first: 17, last: 17, receivedMs: 6_001)
        h.feed.tick(via: h.b)
        #expect(h.b.take(alice).isEmpty)
        h.source.set(btcSpot, id: 17, bids: levels([(99, 4)]), asks: levels([(101, 1)]))
        h.feed.tick(via: h.b)
        var got = h.b.take(alice)
        #expect(got.count == 1 && got[0]["snapshot"] as? Bool == true && got[0]["update_id"] as? Int == 17)
        #expect(side(got[0], "bids") == [["100", "0"], ["99", "4"]])
        h.diff(btcSpot, first: 18, last: 18, receivedMs: 6_002, bids: levels([(98, 1)]))
        got = h.b.take(alice)
        #expect(got.count == 1 && got[0]["first_update_id"] as? Int == 18 && got[0]["prev_update_id"] == nil)
    }

    @Test("a diff that does not continue the book is applied after the tables' book when they hold the ids just before it")
    func gapContinuedByTables() {
        let h = FeedHarness()
        h.source.set(btcSpot, id: 10, bids: levels([(100, 1)]), asks: [])
        h.subscribe(alice, btcSpot)
        _ = h.b.take(alice)
        h.source.set(btcSpot, id: 14, bids: levels([(100, 2)]), asks: [])
        h.diff(btcSpot, first: 15, last: 16, receivedMs: 6_000, bids: levels([(99, 1)]))
        let got = h.b.take(alice)
        #expect(got.map { $0["snapshot"] as? Bool } == [true, false])
        #expect(got.map { $0["update_id"] as? Int } == [14, 16])
    }

    @Test("a subscriber to a book the feeder has not synced gets nothing until it is, then the snapshot")
    func waitsForFirstSync() {
        let h = FeedHarness()
        h.subscribe(alice, btcFutures)
        h.diff(btcFutures, first: 1, last: 2, receivedMs: 1)
        #expect(h.b.take(alice).isEmpty)
        h.snapshotRecord(btcFutures, id: 5, resync: false, receivedMs: 2, bids: levels([(100, 1)]), asks: [])
        let got = h.b.take(alice)
        #expect(got.count == 1 && got[0]["update_id"] as? Int == 5 && side(got[0], "bids") == [["100", "1"]])
    }

    @Test("switching a symbol to the other market: the snapshot also removes the other market's levels, and its book goes with its last subscriber")
    func switchMarket() {
        let h = FeedHarness()
        h.source.set(btcSpot, id: 1, bids: levels([(100, 1), (99, 1)]), asks: [])
        h.source.set(btcFutures, id: 2, bids: levels([(100, 2)]), asks: [])
        h.subscribe(alice, btcSpot)
        _ = h.b.take(alice)
        h.subscribe(alice, btcFutures, replacing: btcSpot)
        let got = h.b.take(alice)
        #expect(side(got[0], "bids") == [["100", "2"], ["99", "0"]])
        #expect(h.feed.books[btcSpot] == nil && h.feed.books[btcFutures] != nil)
    }

    @Test("a feed gap reaches its symbol and market's subscribers as a gap notice; a gap of every symbol reaches every subscribed symbol of that market")
    func gapNotices() {
        let h = FeedHarness()
        h.subscribe(alice, btcFutures)
        h.subscribe(bob, btcSpot)
        h.subscribe(bob, ethSpot)
        _ = h.b.take(alice); _ = h.b.take(bob)
        h.handle(.feedGap(FeedGapRecord(symbolIndex: 0, flags: RecordFlags.futures, channel: .aggTrade, reason: .sequenceBreak,
                                        status: .open, gapId: 3, fromId: 100, toId: 105, fromTimeMs: 0, toTimeMs: 0,
                                        receivedNs: 7_000_000_000)))
        let notice = h.b.take(alice)
        #expect(notice.count == 1 && h.b.take(bob).isEmpty)
        let n = notice[0]
        #expect(n["type"] as? String == "gap" && n["symbol"] as? String == "BTCUSDT" && n["market"] as? String == "futures")
        #expect(n["channel"] as? String == "trade_update" && n["reason"] as? String == "sequence_break" && n["status"] as? String == "open")
        #expect(n["gap_id"] as? Int == 3 && n["from_id"] as? Int == 100 && n["to_id"] as? Int == 105)
        #expect(n["timestamp"] as? Int == 7_000 && n["seq"] as? Int == 1 && n["message"] is String)
        h.handle(.feedGap(FeedGapRecord(symbolIndex: FeedGapRecord.allSymbols, flags: 0, channel: .connection,
                                        reason: .connectionLost, status: .lost, gapId: 4, fromId: 0, toId: 0, fromTimeMs: 0,
                                        toTimeMs: 0, receivedNs: 0)))
        let all = h.b.take(bob)
        #expect(Set(all.compactMap { $0["symbol"] as? String }) == ["BTCUSDT", "ETHUSDT"])
        #expect(all.allSatisfy { $0["channel"] as? String == "all" && $0["status"] as? String == "lost" })
        #expect(h.b.take(alice).isEmpty)
        h.handle(.feedGap(FeedGapRecord(symbolIndex: 0, flags: RecordFlags.futures, channel: .bookTicker, reason: .sequenceBreak,
                                        status: .open, gapId: 5, fromId: 0, toId: 0, fromTimeMs: 0, toTimeMs: 0, receivedNs: 0)))
        #expect(h.b.take(alice).isEmpty, "book tickers are not served, so neither are their gaps")
    }

    @Test("a book's resync closes with status replaced, saying a new snapshot replaced the book, with the ids its open notice had; a trade gap's close stays filled")
    func resyncReplaced() {
        let h = FeedHarness()
        h.subscribe(alice, btcFutures)
        _ = h.b.take(alice)
        for status in [GapStatus.open, .filled] {
            h.handle(.feedGap(FeedGapRecord(symbolIndex: 0, flags: RecordFlags.futures, channel: .depth, reason: .resync,
                                            status: status, gapId: 1, fromId: 6_249_912_939, toId: 6_249_912_950, fromTimeMs: 0,
                                            toTimeMs: 0, receivedNs: 0)))
        }
        h.handle(.feedGap(FeedGapRecord(symbolIndex: 0, flags: RecordFlags.futures, channel: .aggTrade, reason: .sequenceBreak,
                                        status: .filled, gapId: 2, fromId: 5, toId: 9, fromTimeMs: 0, toTimeMs: 0, receivedNs: 0)))
        let got = h.b.take(alice)
        #expect(got.map { $0["status"] as? String } == ["open", "replaced", "filled"])
        #expect(got[0]["from_id"] as? Int == got[1]["from_id"] as? Int && got[0]["to_id"] as? Int == got[1]["to_id"] as? Int)
        #expect((got[1]["message"] as? String)?.contains("replaced by a new snapshot") == true)
        #expect((got[2]["message"] as? String)?.contains("missing messages were sent") == true)
    }

    @Test("a lapped worker tells every subscriber which sequences it lost, then sends the book again from the state tables")
    func lapped() {
        let h = FeedHarness()
        h.source.set(btcFutures, id: 100, bids: levels([(100, 1)]), asks: [])
        h.subscribe(alice, btcFutures)
        _ = h.b.take(alice)
        h.handle(.epochStart(EpochStartRecord(epoch: 1, writerPid: 1, startedRealtimeNs: 0)))
        h.source.set(btcFutures, id: 300, bids: levels([(99, 1)]), asks: [])
        h.feed.lapped(missed: 5, via: h.b)
        let got = h.b.take(alice)
        #expect(got.count == 2)
        #expect(got[0]["type"] as? String == "gap" && got[0]["reason"] as? String == "worker_lapped" && got[0]["channel"] as? String == "all")
        #expect(got[0]["from_seq"] as? Int == 2 && got[0]["to_seq"] as? Int == 6 && got[0]["status"] as? String == "lost")
        #expect(got[1]["snapshot"] as? Bool == true && got[1]["update_id"] as? Int == 300)
        #expect(side(got[1], "bids") == [["100", "0"], ["99", "1"]])
    }

    @Test("klines only for 1m, 5m and 15m; price from the ticker; mark price with the index price; a liquidation's price falls back to the order price")
    func otherChannels() throws {
        let h = FeedHarness()
        h.subscribe(alice, btcFutures)
        _ = h.b.take(alice)
        let candle = Candle(openTimeMs: 60_000, closeTimeMs: 119_999, firstTradeId: 1, lastTradeId: 3, open: 100_000_000, high: 300_000_000, low: 50_000_000,
                            close: 200_000_000, volume: 1_000_000_000, quoteVolume: 0, tradeCount: 3, takerBuyBase: 400_000_000,
                            takerBuyQuote: 0, closed: true)
        for interval: UInt8 in [1, 3, 4, 6] {
            h.handle(.kline(KlineRecord(symbolIndex: 0, flags: RecordFlags.futures, interval: interval, eventTimeMs: 0,
                                        receivedNs: 1_000_000, candle: candle)))
        }
        h.handle(.ticker(TickerRecord(symbolIndex: 0, flags: RecordFlags.futures, eventTimeMs: 0, receivedNs: 2_000_000,
                                      lastPrice: 10_897_179_000_000, open: 0, high: 0, low: 0, volume: 1_284_512_300_000,
                                      quoteVolume: 0, priceChange: 12_744_000_000, priceChangePercent: 11_700_000, tradeCount: 0)))
        h.handle(.markPrice(MarkPriceRecord(symbolIndex: 0, flags: RecordFlags.futures, eventTimeMs: 0, receivedNs: 3_000_000,
                                            markPrice: 10_890_345_000_000, indexPrice: 10_890_000_000_000, estimatedSettlePrice: 0,
                                            fundingRate: 10_000, nextFundingTimeMs: 9)))
        h.handle(.markPrice(MarkPriceRecord(symbolIndex: 0, flags: RecordFlags.futures, eventTimeMs: 0, receivedNs: 3_000_000,
                                            markPrice: 1, indexPrice: 1, estimatedSettlePrice: 0, fundingRate: nil, nextFundingTimeMs: 9)))
        h.handle(.liquidation(LiquidationRecord(symbolIndex: 0, flags: RecordFlags.futures, side: 1, status: 2, eventTimeMs: 0,
                                                tradeTimeMs: 4, receivedNs: 5_000_000, price: 10_986_230_000_000, averagePrice: 0,
                                                originalQuantity: 600_000, lastFilledQuantity: 0, filledQuantity: 0)))
        let got = h.b.take(alice)
        #expect(got.map { $0["type"] as? String } == ["kline_update", "kline_update", "kline_update", "price_update",
                                                      "mark_price_update", "liquidation_update"])
        #expect(got.prefix(3).map { $0["interval"] as? String } == ["1m", "5m", "15m"])
        #expect(got[0]["taker_buy_volume"] as? Double == 4 && got[0]["taker_sell_volume"] as? Double == 6 && got[0]["is_closed"] as? Bool == true)
        #expect(got[3]["price"] as? Double == 108971.79 && got[3]["changePercent"] as? Double == 0.117 && got[3]["change"] as? Double == 127.44)
        #expect(got[4]["index_price"] as? Double == 108900 && got[4]["funding_rate"] as? Double == 0.0001)
        #expect(got[5]["side"] as? String == "SELL" && got[5]["price"] as? Double == 109862.3 && got[5]["order_price"] as? String == "109862.3")
        #expect(got[5]["order_status"] as? String == "FILLED" && got[5]["quantity"] as? Double == 0.006)
    }
}
