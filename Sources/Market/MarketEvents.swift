/// Index of a symbol in the caller's `BinanceSymbolTable` (0..<64).
public typealias SymbolID = UInt16

/// Binance kline intervals, `1s` … `1M`, in the order Binance lists them.
public enum KlineInterval: UInt8, Sendable, CaseIterable {
    case s1, m1, m3, m5, m15, m30, h1, h2, h4, h6, h8, h12, d1, d3, w1, M1

    /// The wire spelling (`"1m"`, `"1M"`, …).
    public var name: String {
        switch self {
        case .s1: "1s"
        case .m1: "1m"
        case .m3: "3m"
        case .m5: "5m"
        case .m15: "15m"
        case .m30: "30m"
        case .h1: "1h"
        case .h2: "2h"
        case .h4: "4h"
        case .h6: "6h"
        case .h8: "8h"
        case .h12: "12h"
        case .d1: "1d"
        case .d3: "3d"
        case .w1: "1w"
        case .M1: "1M"
        }
    }
}

extension KlineInterval {
    /// The interval named `name` (`1m`, `4h`, `1M`, …), or nil.
    public init?(name: String) {
        guard let found = KlineInterval.allCases.first(where: { $0.name == name }) else { return nil }
        self = found
    }

    /// Its length in ms; a month (`1M`) has no fixed length: nil.
    public var milliseconds: Int64? {
        let minute: Int64 = 60_000
        switch self {
        case .s1: return 1_000
        case .m1: return minute
        case .m3: return 3 * minute
        case .m5: return 5 * minute
        case .m15: return 15 * minute
        case .m30: return 30 * minute
        case .h1: return 60 * minute
        case .h2: return 120 * minute
        case .h4: return 240 * minute
        case .h6: return 360 * minute
        case .h8: return 480 * minute
        case .h12: return 720 * minute
        case .d1: return 1_440 * minute
        case .d3: return 3 * 1_440 * minute
        case .w1: return 7 * 1_440 * minute
        case .M1: return nil
        }
    }
}

/// One executed trade (`trade` stream). Prices/quantities are `Fixed` (8 decimals), times in ms.
public struct TradeEvent: Sendable, Equatable {
    public var symbol: SymbolID
    public var eventTime: Int64       // E
    public var tradeTime: Int64       // T
    public var tradeId: Int64         // t
    public var price: Int64           // p
    public var quantity: Int64        // q
    public var buyerIsMaker: Bool     // m
}

/// One aggregated trade (`aggTrade` stream).
public struct AggTradeEvent: Sendable, Equatable {
    public var symbol: SymbolID
    public var eventTime: Int64       // E
    public var tradeTime: Int64       // T
    public var aggregateId: Int64     // a
    public var firstTradeId: Int64    // f
    public var lastTradeId: Int64     // l
    public var price: Int64           // p
    public var quantity: Int64        // q
    public var buyerIsMaker: Bool     // m
}

/// The numbers of one candle, shared by the `kline` stream and the REST klines row.
public struct KlineBar: Sendable, Equatable {
    public var openTime: Int64        // t / row[0]
    public var closeTime: Int64       // T / row[6]
    public var open: Int64            // o / row[1]
    public var high: Int64            // h / row[2]
    public var low: Int64             // l / row[3]
    public var close: Int64           // c / row[4]
    public var volume: Int64          // v / row[5]
    public var quoteVolume: Int64     // q / row[7]
    public var tradeCount: Int64      // n / row[8]
    public var takerBuyBase: Int64    // V / row[9]
    public var takerBuyQuote: Int64   // Q / row[10]
    /// First and last trade ids (`f`, `L`); a REST klines row has none: -1, Binance's "none".
    public var firstTradeId: Int64 = -1  // f
    public var lastTradeId: Int64 = -1   // L
}

/// A candle update (`kline_<i>` stream); `closed` is true once, on the bar's final update.
public struct KlineEvent: Sendable, Equatable {
    public var symbol: SymbolID
    public var interval: KlineInterval
    public var eventTime: Int64       // E
    public var bar: KlineBar          // k.t … k.Q
    public var closed: Bool           // k.x
}

/// A diff-depth event (`depthUpdate`). The levels themselves live in the parser's
/// fixed-capacity storage (`BinanceParser.bids` / `.asks`), valid until the next parse.
public struct DepthUpdateEvent: Sendable, Equatable {
    public var symbol: SymbolID
    public var eventTime: Int64                // E
    public var transactionTime: Int64?         // T (futures)
    public var firstUpdateId: Int64            // U
    public var finalUpdateId: Int64            // u
    public var previousFinalUpdateId: Int64?   // pu (futures)
    public var bidCount: Int
    public var askCount: Int
}

/// A depth snapshot: the REST `/depth` body or a partial-depth stream payload (no symbol on
/// the wire). Levels are in the parser's storage like `DepthUpdateEvent`'s.
public struct DepthSnapshotEvent: Sendable, Equatable {
    public var lastUpdateId: Int64             // lastUpdateId
    public var eventTime: Int64?               // E (futures)
    public var transactionTime: Int64?         // T (futures)
    public var bidCount: Int
    public var askCount: Int
}

/// One price level of a book side (`["price","qty"]`); quantity 0 removes the level.
public struct PriceLevel: Sendable, Equatable, BitwiseCopyable {
    public var price: Int64
    public var quantity: Int64

    public init(price: Int64, quantity: Int64) {
        self.price = price
        self.quantity = quantity
    }
}

/// Best bid and ask (`bookTicker`). Spot sends neither `E` nor `T`.
public struct BookTickerEvent: Sendable, Equatable {
    public var symbol: SymbolID
    public var updateId: Int64        // u
    public var bidPrice: Int64        // b
    public var bidQuantity: Int64     // B
    public var askPrice: Int64        // a
    public var askQuantity: Int64     // A
    public var eventTime: Int64?      // E (futures)
    public var transactionTime: Int64? // T (futures)
}

/// Rolling 24 h statistics (`24hrTicker`).
public struct TickerEvent: Sendable, Equatable {
    public var symbol: SymbolID
    public var eventTime: Int64       // E
    public var lastPrice: Int64       // c
    public var open: Int64            // o
    public var high: Int64            // h
    public var low: Int64             // l
    public var volume: Int64          // v
    public var quoteVolume: Int64     // q
    public var priceChange: Int64     // p
    public var priceChangePercent: Int64 // P, fixed-point percent
    public var tradeCount: Int64      // n
}

/// Mark price and funding (`markPriceUpdate`). `fundingRate` is nil when Binance sends `""`.
public struct MarkPriceEvent: Sendable, Equatable {
    public var symbol: SymbolID
    public var eventTime: Int64       // E
    public var markPrice: Int64       // p
    public var indexPrice: Int64      // i
    public var estimatedSettlePrice: Int64 // P
    public var fundingRate: Int64?    // r
    public var nextFundingTime: Int64 // T
}

/// Side of a liquidation order: `.sell` means a long was force-closed.
public enum OrderSide: UInt8, Sendable {
    case buy, sell
}

/// Status of a liquidation order (`o.X`).
public enum OrderStatus: UInt8, Sendable {
    case new, partiallyFilled, filled, canceled, expired, other
}

/// A liquidation snapshot (`forceOrder`), fields from the nested `o` object.
public struct ForceOrderEvent: Sendable, Equatable {
    public var symbol: SymbolID
    public var eventTime: Int64       // E
    public var side: OrderSide        // o.S
    public var status: OrderStatus    // o.X
    public var quantity: Int64        // o.q
    public var price: Int64           // o.p
    public var averagePrice: Int64    // o.ap
    public var lastFilledQuantity: Int64 // o.l
    public var filledQuantity: Int64  // o.z
    public var tradeTime: Int64       // o.T
}

/// Why a frame was rejected; the caller counts these.
public enum MalformedReason: UInt8, Error, Sendable {
    case truncated          // input ended inside a value
    case unexpectedByte     // a byte JSON does not allow here
    case badString          // control character or bad escape in a string
    case badNumber          // exponent, fraction or overflow where an integer is needed
    case badDecimal         // a price/qty string Fixed cannot hold (e.g. > 8 non-zero decimals)
    case missingField       // a field the event type needs is absent or has the wrong JSON type
    case badEnum            // interval, side or similar not in the known set
    case tooManyLevels      // more depth levels than the parser's capacity
    case tooDeep            // nesting beyond 64 levels in a skipped value
    case trailingBytes      // something other than whitespace after the frame
}

/// The result of parsing one Binance frame.
public enum MarketEvent: Sendable, Equatable {
    case trade(TradeEvent)
    case aggTrade(AggTradeEvent)
    case kline(KlineEvent)
    case depthUpdate(DepthUpdateEvent)
    case depthSnapshot(DepthSnapshotEvent)
    case bookTicker(BookTickerEvent)
    case ticker(TickerEvent)
    case markPrice(MarkPriceEvent)
    case forceOrder(ForceOrderEvent)
    /// Well-formed JSON of a type this parser does not map (control replies, other streams).
    case unknown
    /// A known event type whose symbol is not in the table.
    case unknownSymbol
    case malformed(MalformedReason)
}
