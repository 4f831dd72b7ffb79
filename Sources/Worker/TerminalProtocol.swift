import Market
import ShmRing

/// The terminal's client messages (API.md §2.2) and the server's replies (§2.3), as text.
/// Unlike the original, a message it does not understand is answered with an `error`.
enum TerminalProtocol {
    /// A client message understood.
    enum Request: Equatable {
        case ping
        /// `market` defaults to futures, the market the terminal's candles come from.
        case subscribe(symbol: String, market: MarketKind)
        case unsubscribe(symbol: String)
        case getStats
        /// A subscribe naming its channels and/or where to resume from.
        case subscribeChannels(Subscribe)
    }

    /// The extended subscribe: channels by name (nil: the original protocol's set), and the
    /// position the client last saw.
    struct Subscribe: Equatable {
        var symbol: String
        var market: MarketKind
        var channels: [String]?
        var resume: ResumePoint?
    }

    /// What `getStats` reports: the server's terminal clients and their subscriptions.
    struct Stats {
        var clientCount = 0
        var subscribers: [String: Int] = [:]

        /// Adds other workers' figures, their symbols' indices named by `name`.
        mutating func add(_ other: TerminalClients, name: (UInt32) -> String?) {
            clientCount += other.clients
            for (index, count) in other.subscribers.enumerated() where count > 0 {
                if let symbol = name(UInt32(index)) { subscribers[symbol, default: 0] += count }
            }
        }
    }

    /// Symbols longer than this are refused.
    static let maxSymbolLength = 32

    /// The market a subscription gets when the client names none.
    static let defaultMarket = MarketKind.futures

    /// The request in one client text message, or the error to answer it with. An optional
    /// field sent as `null` counts as left out (`"market":null` is futures).
    static func parse(_ message: [UInt8]) -> Result<Request, ProtocolError> {
        guard let (fields, others) = JSONFieldScanner.topLevelFields(message) else { return .failure(.init("invalid JSON")) }
        switch fields["type"] {
        case "ping":
            return .success(.ping)
        case "subscribe":
            guard let symbol = symbol(fields["symbol"]) else {
                return .failure(.init("subscribe needs a symbol of letters and digits"))
            }
            var market = defaultMarket
            if let name = fields["market"] {
                guard let named = MarketKind(wireName: name) else { return .failure(.badMarket(symbol: symbol)) }
                market = named
            } else if others.contains("market") {
                return .failure(.badMarket(symbol: symbol))
            }
            let extendedKeys: Set<String> = ["channels", "epoch", "seq"]
            if !others.isDisjoint(with: extendedKeys) || fields.keys.contains(where: extendedKeys.contains) {
                return extended(message, symbol: symbol, market: market)
            }
            return .success(.subscribe(symbol: symbol, market: market))
        case "unsubscribe":
            guard let symbol = symbol(fields["symbol"]) else {
                return .failure(.init("unsubscribe needs a symbol of letters and digits"))
            }
            return .success(.unsubscribe(symbol: symbol))
        case "getStats":
            return .success(.getStats)
        case nil:
            return .failure(.init("message has no string field \"type\""))
        default:
            return .failure(.init("unknown message type"))
        }
    }

    /// The extended subscribe's `channels` (an array of strings) and `epoch` + `seq` (both or
    /// neither, unsigned integers). Rare: read with the cold-path JSON reader.
    static func extended(_ message: [UInt8], symbol: String, market: MarketKind) -> Result<Request, ProtocolError> {
        guard case .success(let object) = JSONReader.parse(message) else { return .failure(.init("invalid JSON")) }
        var request = Subscribe(symbol: symbol, market: market)
        // `null` is an absent field, as in `parse`.
        let field = { (name: String) -> JSONValue? in object[name].flatMap { $0 == .null ? nil : $0 } }
        if let value = field("channels") {
            guard let items = value.array, !items.isEmpty, items.count <= 64,
                  case let names = items.compactMap(\.string), names.count == items.count else {
                return .failure(.init("channels must be a non-empty array of channel names", symbol: symbol))
            }
            request.channels = names
        }
        switch (field("epoch"), field("seq")) {
        case (nil, nil):
            break
        case (let epoch?, let seq?):
            guard let e = epoch.unsignedInteger, let q = seq.unsignedInteger else {
                return .failure(.init("epoch and seq must be integers from 0 to 9223372036854775807", symbol: symbol))
            }
            request.resume = ResumePoint(epoch: UInt64(e), sequence: UInt64(q))
        default:
            return .failure(.init("resuming needs both epoch and seq", symbol: symbol))
        }
        return .success(.subscribeChannels(request))
    }

    /// Why a client message was refused: an `error` reply.
    struct ProtocolError: Error, Equatable {
        let message: String
        var symbol: String?

        init(_ message: String, symbol: String? = nil) {
            self.message = message
            self.symbol = symbol
        }

        static func badMarket(symbol: String) -> ProtocolError {
            ProtocolError(#"market must be "spot" or "futures""#, symbol: symbol)
        }

        static func unknownChannel(_ name: String, symbol: String, market: MarketKind, available: [String]) -> ProtocolError {
            let safe = String(name.unicodeScalars.filter { $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 }.prefix(40))
            return ProtocolError("unknown channel \(safe) for \(market.wireName): channels are \(available.joined(separator: ", "))",
                                 symbol: symbol)
        }

        static func unknownSymbol(_ symbol: String, served: [String]) -> ProtocolError {
            ProtocolError("unknown symbol \(symbol): this server streams \(served.joined(separator: ", "))", symbol: symbol)
        }

        /// `{"type":"error","message":"…"}`, with the symbol it is about when there is one.
        var reply: String {
            guard let symbol else { return TerminalProtocol.error(message) }
            return #"{"type":"error","message":\#(TerminalProtocol.quoted(message)),"symbol":\#(TerminalProtocol.quoted(symbol))}"#
        }
    }

    static func connected(clientID: String, timestamp: Int64) -> String {
        #"{"type":"connected","message":"WebSocket connection established","clientId":"\#(clientID)","timestamp":\#(timestamp)}"#
    }

    static func error(_ message: String) -> String {
        #"{"type":"error","message":\#(quoted(message))}"#
    }

    /// `text` as a JSON string, quotes included: error texts may quote what the client sent.
    static func quoted(_ text: String) -> String {
        var out = JSONBytes(capacity: text.utf8.count + 8)
        out.string(text)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    static func pong(timestamp: Int64) -> String { #"{"type":"pong","timestamp":\#(timestamp)}"# }

    static func subscribed(_ symbol: String, market: MarketKind, timestamp: Int64) -> String {
        #"{"type":"subscribed","symbol":"\#(symbol)","message":"Successfully subscribed to \#(symbol)","timestamp":\#(timestamp),"market":"\#(market.wireName)"}"#
    }

    /// `subscribed` for the extended subscribe: the reply above plus the channels and the
    /// worker's position (`epoch`, the last `seq` it handled).
    static func subscribed(_ symbol: String, market: MarketKind, channels: ChannelSet, epoch: UInt64, sequence: UInt64,
                           timestamp: Int64) -> String {
        let names = channels.wireNames.map { "\"\($0)\"" }.joined(separator: ",")
        return String(subscribed(symbol, market: market, timestamp: timestamp).dropLast())
            + #","channels":[\#(names)],"epoch":\#(epoch),"seq":\#(sequence)}"#
    }

    /// `recovery`: what a resume got. `replayed` is nil when it could not be done.
    static func recovery(_ symbol: String, market: MarketKind, outcome: RecoveryOutcome, timestamp: Int64) -> String {
        let head = #"{"type":"recovery","symbol":"\#(symbol)","market":"\#(market.wireName)""#
        switch outcome {
        case .recovered(let from, let to, let messages, let epoch):
            return head + #","status":"recovered","from_seq":\#(from),"to_seq":\#(to),"messages":\#(messages),"epoch":\#(epoch),"timestamp":\#(timestamp)}"#
        case .impossible(let reason, let epoch, let sequence):
            let why = reason == .epochChanged
                ? "this position is not in this server's ring (the server or its feed restarted since): reload by REST"
                : "the messages after that sequence are no longer kept: reload by REST"
            return head + #","status":"impossible","reason":"\#(reason.rawValue)","epoch":\#(epoch),"seq":\#(sequence),"message":"\#(why)","timestamp":\#(timestamp)}"#
        }
    }

    /// `market` is the market the client was subscribed to, if it was.
    static func unsubscribed(_ symbol: String, market: MarketKind?, timestamp: Int64) -> String {
        let extra = market.map { #","market":"\#($0.wireName)""# } ?? ""
        return #"{"type":"unsubscribed","symbol":"\#(symbol)","message":"Successfully unsubscribed from \#(symbol)","timestamp":\#(timestamp)\#(extra)}"#
    }

    /// `{"type":"stats",...}`; symbols are sorted so the reply is stable. `yourMarkets` is extra.
    static func statsReply(_ stats: Stats, yours: [String: SubscriptionKey], timestamp: Int64) -> String {
        let counts = stats.subscribers.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
        let mine = yours.keys.sorted()
        let symbols = mine.map { "\"\($0)\"" }.joined(separator: ",")
        let markets = mine.map { "\"\($0)\":\"\(yours[$0]!.market.wireName)\"" }.joined(separator: ",")
        return #"{"type":"stats","clientCount":\#(stats.clientCount),"subscriptions":{\#(counts)},"yourSymbols":[\#(symbols)],"timestamp":\#(timestamp),"yourMarkets":{\#(markets)}}"#
    }

    /// The symbol upper-cased, when it is 1–32 ASCII letters and digits (nothing to escape).
    static func symbol(_ raw: String?) -> String? {
        guard let raw, !raw.isEmpty, raw.utf8.count <= maxSymbolLength,
              raw.utf8.allSatisfy({ HTTPBytes.isDigit($0) || (HTTPBytes.lower($0) >= 0x61 && HTTPBytes.lower($0) <= 0x7A) }) else {
            return nil
        }
        return raw.uppercased()
    }
}
