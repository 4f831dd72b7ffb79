/// The terminal protocol's messages as a worker streams them from the ring: the contract's
/// fields first, then extra fields the original never sent (the frontend ignores fields it
/// does not know): trade ids, order-book update ids and a snapshot flag, the index price, and
/// gap notices.
extension TerminalMessages {
    /// The extra fields of a `depth_update` that say where it sits in the book's update chain.
    public struct DepthIDs: Sendable, Equatable {
        /// A full book: its levels replace the client's, and a zero quantity removes a level
        /// the client had that the new book lacks.
        public var snapshot: Bool
        /// `U` of a diff; nil on a snapshot.
        public var firstUpdateId: Int64?
        /// The book's update id once this message is applied (a diff's `u`, a snapshot's
        /// `lastUpdateId`).
        public var updateId: Int64
        /// `pu` of a futures diff; nil on spot and on snapshots.
        public var previousUpdateId: Int64?

        public init(snapshot: Bool, firstUpdateId: Int64?, updateId: Int64, previousUpdateId: Int64?) {
            self.snapshot = snapshot
            self.firstUpdateId = firstUpdateId
            self.updateId = updateId
            self.previousUpdateId = previousUpdateId
        }
    }

    /// `depth_update` from levels stored as 16-byte (price, quantity) pairs, fixed-point (the
    /// ring's and the state tables' form), with the update ids as extra fields.
    public static func depthUpdate(_ out: inout JSONBytes, symbol: String, bids: UnsafeRawBufferPointer,
                                   asks: UnsafeRawBufferPointer, ids: DepthIDs, timestampMs: Int64, sequence: UInt64?) {
        begin(&out, "depth_update", symbol: symbol)
        out.key("bids"); rawLevels(&out, bids)
        out.key("asks"); rawLevels(&out, asks)
        out.key("timestamp"); out.integer(timestampMs)
        out.key("snapshot"); out.bool(ids.snapshot)
        if let first = ids.firstUpdateId { out.key("first_update_id"); out.integer(first) }
        out.key("update_id"); out.integer(ids.updateId)
        if let previous = ids.previousUpdateId { out.key("prev_update_id"); out.integer(previous) }
        if let s = sequence { out.key("seq"); out.integer(Int64(bitPattern: s)) }
        out.raw("}")
    }

    /// `book_ticker_update` (extended protocol's `bookTicker` channel): the best bid and ask
    /// and the book update id they are from.
    public static func bookTickerUpdate(_ out: inout JSONBytes, symbol: String, bidPrice: Int64, bidQuantity: Int64,
                                        askPrice: Int64, askQuantity: Int64, updateId: Int64, timestampMs: Int64,
                                        sequence: UInt64?) {
        begin(&out, "book_ticker_update", symbol: symbol)
        out.key("bid_price"); out.fixed(bidPrice)
        out.key("bid_qty"); out.fixed(bidQuantity)
        out.key("ask_price"); out.fixed(askPrice)
        out.key("ask_qty"); out.fixed(askQuantity)
        out.key("update_id"); out.integer(updateId)
        end(&out, timestampMs: timestampMs, sequence: sequence)
    }

    /// What a `gap` notice says: part of a channel was lost upstream or by this server.
    public struct GapNotice: Sendable, Equatable {
        /// `"spot"` or `"futures"`.
        public var market: StaticStringValue
        /// The message type the gap hit (`"trade_update"`, `"depth_update"`, …), or `"all"`.
        public var channel: StaticStringValue
        /// The kline interval (`"1m"`) when the channel is `kline_update`.
        public var interval: String?
        /// `"connection_lost"`, `"sequence_break"`, `"resync"` or `"worker_lapped"`.
        public var reason: StaticStringValue
        /// `"open"`, `"filled"` or `"lost"`.
        public var status: StaticStringValue
        /// The feed's number for the gap (its `open` and its end share it); nil for a lap.
        public var gapId: UInt64?
        /// First and last id missing (trade, aggregate or update ids); 0 when not known.
        public var fromId: Int64
        public var toId: Int64
        /// Ring sequences this server never delivered (a lap), first and last.
        public var missedSequences: ClosedRange<UInt64>?
        /// One sentence for people reading logs.
        public var message: StaticStringValue

        public init(market: StaticStringValue, channel: StaticStringValue, interval: String? = nil,
                    reason: StaticStringValue, status: StaticStringValue, gapId: UInt64? = nil, fromId: Int64 = 0,
                    toId: Int64 = 0, missedSequences: ClosedRange<UInt64>? = nil, message: StaticStringValue) {
            self.market = market
            self.channel = channel
            self.interval = interval
            self.reason = reason
            self.status = status
            self.gapId = gapId
            self.fromId = fromId
            self.toId = toId
            self.missedSequences = missedSequences
            self.message = message
        }
    }

    /// `{"type":"gap",...}`: tells a subscriber of `symbol` that messages went missing, so no
    /// message is ever dropped without the client being able to know.
    public static func gap(_ out: inout JSONBytes, symbol: String, notice n: GapNotice, timestampMs: Int64,
                           sequence: UInt64?) {
        begin(&out, "gap", symbol: symbol)
        out.key("market"); n.market.write(&out)
        out.key("channel"); n.channel.write(&out)
        if let interval = n.interval { out.key("interval"); out.asciiString(interval) }
        out.key("reason"); n.reason.write(&out)
        out.key("status"); n.status.write(&out)
        out.key("message"); n.message.write(&out)
        if let id = n.gapId { out.key("gap_id"); out.integer(Int64(bitPattern: id)) }
        out.key("from_id"); out.integer(n.fromId)
        out.key("to_id"); out.integer(n.toId)
        if let missed = n.missedSequences {
            out.key("from_seq"); out.integer(Int64(bitPattern: missed.lowerBound))
            out.key("to_seq"); out.integer(Int64(bitPattern: missed.upperBound))
        }
        end(&out, timestampMs: timestampMs, sequence: sequence)
    }

    static func rawLevels(_ out: inout JSONBytes, _ levels: UnsafeRawBufferPointer) {
        out.raw("[")
        var offset = 0
        while offset + 16 <= levels.count {
            if offset > 0 { out.raw(",") }
            out.raw("[")
            out.fixedString(levels.loadUnaligned(fromByteOffset: offset, as: Int64.self))
            out.raw(",")
            out.fixedString(levels.loadUnaligned(fromByteOffset: offset + 8, as: Int64.self))
            out.raw("]")
            offset += 16
        }
        out.raw("]")
    }
}

/// A JSON string value known at compile time (ASCII, nothing to escape), so notices are built
/// without allocating.
public struct StaticStringValue: Sendable, Equatable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let value: StaticString

    public init(stringLiteral value: StaticString) { self.value = value }

    public var description: String { value.description }

    func write(_ out: inout JSONBytes) {
        out.raw("\"")
        out.raw(value)
        out.raw("\"")
    }

    public static func == (a: Self, b: Self) -> Bool { a.description == b.description }
}

extension OrderStatus {
    /// Binance's spelling (`o.X`), as `liquidation_update`'s `order_status` carries it.
    public var wireName: String {
        switch self {
        case .new: "NEW"
        case .partiallyFilled: "PARTIALLY_FILLED"
        case .filled: "FILLED"
        case .canceled: "CANCELED"
        case .expired: "EXPIRED"
        case .other: "UNKNOWN"
        }
    }
}
