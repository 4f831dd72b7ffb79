import Foundation
import Testing
@testable import Market

@Suite("Terminal protocol messages as streamed from the ring")
struct TerminalMessagesStreamTests {
    @Test("trade_update carries the trade's id after the contract's fields")
    func tradeWithId() {
        var out = JSONBytes()
        TerminalMessages.tradeUpdate(&out, symbol: "BTCUSDT", tradeId: 77, price: 10_897_179_000_000, quantity: 10_000_000,
                                     buyerIsMaker: true, tradeTimeMs: 1, timestampMs: 2, sequence: 3)
        #expect(text(out) == #"{"type":"trade_update","symbol":"BTCUSDT","price":108971.79,"quantity":0.1,"is_buyer_maker":true,"trade_time":1,"id":77,"timestamp":2,"seq":3}"#)
    }

    @Test("depth_update from raw (price, quantity) pairs: levels as strings, then the snapshot flag and update ids")
    func depthRaw() throws {
        var out = JSONBytes()
        let bids: [Int64] = [10_890_000_000_000, 123_400_000, 10_889_950_000_000, 0]
        let asks: [Int64] = []
        bids.withUnsafeBytes { b in
            asks.withUnsafeBytes { a in
                TerminalMessages.depthUpdate(&out, symbol: "BTCUSDT", bids: b, asks: a,
                                             ids: .init(snapshot: false, firstUpdateId: 5, updateId: 9, previousUpdateId: 4),
                                             timestampMs: 7, sequence: 8)
            }
        }
        #expect(text(out) == #"{"type":"depth_update","symbol":"BTCUSDT","bids":[["108900","1.234"],["108899.5","0"]],"asks":[],"timestamp":7,"snapshot":false,"first_update_id":5,"update_id":9,"prev_update_id":4,"seq":8}"#)
        out.removeAll()
        asks.withUnsafeBytes { a in
            TerminalMessages.depthUpdate(&out, symbol: "X", bids: a, asks: a, ids: .init(snapshot: true, firstUpdateId: nil, updateId: 1, previousUpdateId: nil),
                                         timestampMs: 1, sequence: nil)
        }
        #expect(text(out) == #"{"type":"depth_update","symbol":"X","bids":[],"asks":[],"timestamp":1,"snapshot":true,"update_id":1}"#)
    }

    @Test("kline_update has the taker volumes; mark_price_update has the index price")
    func extras() throws {
        var out = JSONBytes()
        TerminalMessages.klineUpdate(&out, symbol: "BTCUSDT", interval: .m5, openTimeMs: 0, closeTimeMs: 299_999, open: 1, high: 1,
                                     low: 1, close: 1, volume: 1_000_000_000, takerBuyVolume: 250_000_000, closed: false,
                                     timestampMs: 1, sequence: 2)
        let k = try object(out)
        #expect(k["interval"] as? String == "5m" && k["taker_buy_volume"] as? Double == 2.5 && k["taker_sell_volume"] as? Double == 7.5)
        out.removeAll()
        TerminalMessages.markPriceUpdate(&out, symbol: "BTCUSDT", markPrice: 100_000_000, indexPrice: 200_000_000, fundingRate: -10_000,
                                         nextFundingTimeMs: 3, timestampMs: 4, sequence: 5)
        #expect(text(out) == #"{"type":"mark_price_update","symbol":"BTCUSDT","mark_price":1,"index_price":2,"funding_rate":-0.0001,"next_funding_time":3,"timestamp":4,"seq":5}"#)
    }

    @Test("a gap notice names market, channel, reason, status, ids and (for a lap) the sequences missed")
    func gap() throws {
        var out = JSONBytes()
        let notice = TerminalMessages.GapNotice(market: "futures", channel: "kline_update", interval: "1m", reason: "sequence_break",
                                                status: "open", gapId: 4, fromId: 10, toId: 12, message: "m")
        TerminalMessages.gap(&out, symbol: "BTCUSDT", notice: notice, timestampMs: 5, sequence: 6)
        #expect(text(out) == #"{"type":"gap","symbol":"BTCUSDT","market":"futures","channel":"kline_update","interval":"1m","reason":"sequence_break","status":"open","message":"m","gap_id":4,"from_id":10,"to_id":12,"timestamp":5,"seq":6}"#)
        out.removeAll()
        let lap = TerminalMessages.GapNotice(market: "spot", channel: "all", reason: "worker_lapped", status: "lost",
                                             missedSequences: 3...9, message: "lapped")
        TerminalMessages.gap(&out, symbol: "ETHUSDT", notice: lap, timestampMs: 1, sequence: nil)
        let o = try object(out)
        #expect(o["from_seq"] as? Int == 3 && o["to_seq"] as? Int == 9 && o["gap_id"] == nil && o["seq"] == nil)
        #expect(OrderStatus.partiallyFilled.wireName == "PARTIALLY_FILLED")
    }
}
