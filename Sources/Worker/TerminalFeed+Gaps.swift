import Market
import ShmRing

/// Gap notices: whatever a subscriber misses, upstream (a `FeedGapRecord`) or here (a lap),
/// it is told, so no message is ever dropped without the client being able to know.
extension TerminalFeed {
    typealias Notice = TerminalMessages.GapNotice

    /// A feed gap: its subscribers (every subscribed symbol of the market when the gap hit a
    /// whole connection's symbols) get a `gap` notice naming the channel, ids and status.
    mutating func gap(_ g: FeedGapRecord, sequence: UInt64, via b: Broadcaster) {
        guard let channel = g.channel, let reason = g.reason, let status = g.status else { return }
        var interval: String?
        var channels = Self.channels(channel)
        if channel == .kline {
            guard let i = KlineInterval(rawValue: g.interval) else { return }
            interval = i.name
            channels = .kline(i)
        }
        let name = Self.channelName(channel)
        // A book's resync ends with a new snapshot, not with the missing diffs: say so.
        let replaced = channel == .depth && reason == .resync && status == .filled
        let notice = Notice(market: Self.marketName(g.market), channel: name, interval: interval, reason: Self.reasonName(reason),
                            status: replaced ? "replaced" : Self.statusName(status), gapId: g.gapId, fromId: g.fromId,
                            toId: g.toId, message: replaced ? Self.replacedMessage : Self.message(status))
        let timestamp = g.receivedNs / 1_000_000
        if g.symbolIndex == FeedGapRecord.allSymbols {
            for key in b.subscribedKeys() where key.market == g.market {
                sendNotice(notice, to: key, channels: channels, timestampMs: timestamp, sequence: sequence, via: b)
            }
        } else {
            sendNotice(notice, to: g.key, channels: channels, timestampMs: timestamp, sequence: sequence, via: b)
        }
    }

    /// This worker's reader was lapped (`missed` records overwritten before it read them):
    /// every subscription is told, then gets its book again from the state tables.
    mutating func lapped(missed: UInt64, via b: Broadcaster) {
        let missedRange = missed > 0 ? (lastSequence &+ 1)...(lastSequence &+ missed) : nil
        lastSequence &+= missed
        let timestamp = nowMillis()
        for key in b.subscribedKeys() {
            let notice = Notice(market: Self.marketName(key.market), channel: "all", reason: "worker_lapped", status: "lost",
                                missedSequences: missedRange,
                                message: "this server fell behind the feed and lost messages; the order book follows as a new snapshot")
            sendNotice(notice, to: key, channels: .all, timestampMs: timestamp, sequence: nil, via: b)
        }
        resynchroniseBooks(via: b)
    }

    private mutating func sendNotice(_ notice: Notice, to key: SubscriptionKey, channels: ChannelSet, timestampMs: Int64,
                                     sequence: UInt64?, via b: Broadcaster) {
        guard b.hasSubscribers(key, channels) else { return }
        counters.gapNotices += 1
        send(key, channel: channels, sequence: sequence ?? lastSequence, via: b) { out, symbol in
            TerminalMessages.gap(&out, symbol: symbol, notice: notice, timestampMs: timestampMs, sequence: sequence)
        }
    }

    /// The terminal message type a feed channel feeds.
    static func channelName(_ channel: FeedChannel) -> StaticStringValue {
        switch channel {
        case .connection: "all"
        case .trade, .aggTrade: "trade_update"
        case .kline: "kline_update"
        case .depth: "depth_update"
        case .ticker: "price_update"
        case .markPrice: "mark_price_update"
        case .liquidation: "liquidation_update"
        case .bookTicker: "book_ticker_update"
        }
    }

    /// The subscription channels a feed channel's gap hits (klines: see the record's interval).
    static func channels(_ channel: FeedChannel) -> ChannelSet {
        switch channel {
        case .connection, .kline: .all
        case .trade: .trades
        case .aggTrade: .aggTrades
        case .depth: .depth
        case .ticker: .ticker
        case .markPrice: .markPrice
        case .liquidation: .liquidations
        case .bookTicker: .bookTicker
        }
    }

    static func marketName(_ market: MarketKind) -> StaticStringValue { market == .futures ? "futures" : "spot" }

    static func reasonName(_ reason: GapReason) -> StaticStringValue {
        switch reason {
        case .connectionLost: "connection_lost"
        case .sequenceBreak: "sequence_break"
        case .resync: "resync"
        }
    }

    static func statusName(_ status: GapStatus) -> StaticStringValue {
        switch status {
        case .open: "open"
        case .filled: "filled"
        case .lost: "lost"
        }
    }

    /// The closing notice of a book's resync (status `replaced`).
    static var replacedMessage: StaticStringValue {
        "the order book was replaced by a new snapshot (the depth_update with snapshot true just before this notice); the missing diffs were not sent"
    }

    static func message(_ status: GapStatus) -> StaticStringValue {
        switch status {
        case .open: "the exchange feed missed messages of this channel; the server is recovering them"
        case .filled: "the gap was filled: the missing messages were sent"
        case .lost: "messages of this channel were lost"
        }
    }
}
