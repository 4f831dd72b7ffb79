import Market
import ShmRing

/// The channels of one subscription, as bits: a record is queued to a subscriber only when
/// its channel is in the subscriber's set. Klines take one bit per interval.
public struct ChannelSet: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Spot trades (`trade`).
    public static let trades = ChannelSet(rawValue: 1 << 0)
    /// Futures aggregate trades (`aggTrade`).
    public static let aggTrades = ChannelSet(rawValue: 1 << 1)
    public static let depth = ChannelSet(rawValue: 1 << 2)
    public static let bookTicker = ChannelSet(rawValue: 1 << 3)
    public static let ticker = ChannelSet(rawValue: 1 << 4)
    public static let markPrice = ChannelSet(rawValue: 1 << 5)
    public static let liquidations = ChannelSet(rawValue: 1 << 6)
    /// Every channel (gap notices that hit a whole connection).
    public static let all = ChannelSet(rawValue: .max)

    /// The klines of `interval`.
    public static func kline(_ interval: KlineInterval) -> ChannelSet {
        ChannelSet(rawValue: 1 << (8 + UInt32(interval.rawValue)))
    }

    /// Channels where only the latest value matters: a slow client gets the newest, not all.
    public static let conflatable: ChannelSet = [.bookTicker, .ticker, .markPrice]

    /// The trades of `market`: spot publishes every trade, futures aggregate trades.
    public static func trades(of market: MarketKind) -> ChannelSet { market == .spot ? .trades : .aggTrades }

    /// What the original protocol's `subscribe` gets (API.md §2.3): the market's trades, the
    /// book, the ticker, klines 1m/5m/15m, mark price and liquidations.
    public static func legacy(_ market: MarketKind) -> ChannelSet {
        var set: ChannelSet = [.depth, .ticker, .markPrice, .liquidations, trades(of: market)]
        for interval in [KlineInterval.m1, .m5, .m15] { set.insert(.kline(interval)) }
        return set
    }

    /// The channels a market has, given the kline intervals the server serves.
    static func available(_ market: MarketKind, intervals: [KlineInterval]) -> ChannelSet {
        var set: ChannelSet = [.depth, .bookTicker, .ticker, trades(of: market)]
        if market == .futures { set.formUnion([.markPrice, .liquidations]) }
        for interval in intervals { set.insert(.kline(interval)) }
        return set
    }

    /// The protocol's names of the fixed channels.
    static let names: [(String, ChannelSet)] = [
        ("trades", .trades), ("aggTrades", .aggTrades), ("depth", .depth), ("bookTicker", .bookTicker),
        ("ticker", .ticker), ("markPrice", .markPrice), ("liquidations", .liquidations),
    ]

    /// One channel by its protocol name (`"aggTrades"`, `"klines:1m"`…), or nil.
    static func named(_ name: String) -> ChannelSet? {
        if let (_, set) = names.first(where: { $0.0 == name }) { return set }
        guard name.hasPrefix("klines:"),
              let interval = KlineInterval.allCases.first(where: { "klines:" + $0.name == name }) else { return nil }
        return .kline(interval)
    }

    /// The channels' protocol names, fixed ones first, then klines by interval.
    var wireNames: [String] {
        var out = Self.names.filter { contains($0.1) }.map(\.0)
        for interval in KlineInterval.allCases where contains(.kline(interval)) { out.append("klines:" + interval.name) }
        return out
    }
}

/// A position in the ring: its epoch and a record's sequence. A client resumes from the last
/// sequence it processed; a worker reports where it is.
public struct ResumePoint: Equatable, Sendable {
    public var epoch: UInt64
    public var sequence: UInt64

    public init(epoch: UInt64, sequence: UInt64) {
        self.epoch = epoch
        self.sequence = sequence
    }
}

/// What a resume came to.
public enum RecoveryOutcome: Equatable, Sendable {
    /// Every message of the subscription with a sequence in `from...to` was sent (`messages`).
    case recovered(from: UInt64, to: UInt64, messages: Int, epoch: UInt64)
    /// Nothing replayed: the client reloads by REST. `epoch`/`sequence`: where the worker is.
    case impossible(RecoveryRefusal, epoch: UInt64, sequence: UInt64)
}

/// Why a resume could not be served from the ring.
public enum RecoveryRefusal: String, Sendable {
    /// A new feeder started: sequences of the old epoch mean nothing now.
    case epochChanged = "epoch_changed"
    /// The ring no longer holds every record after the sequence, or too many would be replayed.
    case tooOld = "too_old"
}
