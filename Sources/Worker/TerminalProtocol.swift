/// The terminal's client messages (API.md §2.2) and the server's replies (§2.3), as text.
/// Unlike the original, a message it does not understand is answered with an `error`.
enum TerminalProtocol {
    /// What `getStats` reports: this worker's terminal clients and their subscriptions.
    struct Stats {
        var clientCount = 0
        var subscribers: [String: Int] = [:]
    }

    /// Symbols longer than this are refused.
    static let maxSymbolLength = 32

    static func connected(clientID: String, timestamp: Int64) -> String {
        #"{"type":"connected","message":"WebSocket connection established","clientId":"\#(clientID)","timestamp":\#(timestamp)}"#
    }

    static func error(_ message: String) -> String {
        #"{"type":"error","message":"\#(message)"}"#
    }

    /// The reply to one client text message; subscriptions are recorded in `subscriptions`.
    static func reply(to message: [UInt8], subscriptions: inout Set<String>, timestamp: Int64, stats: () -> Stats) -> String {
        guard let fields = JSONFieldScanner.topLevelStrings(message) else { return error("invalid JSON") }
        switch fields["type"] {
        case "ping":
            return #"{"type":"pong","timestamp":\#(timestamp)}"#
        case "subscribe":
            guard let symbol = symbol(fields["symbol"]) else { return error("subscribe needs a symbol of letters and digits") }
            subscriptions.insert(symbol)
            return #"{"type":"subscribed","symbol":"\#(symbol)","message":"Successfully subscribed to \#(symbol)","timestamp":\#(timestamp)}"#
        case "unsubscribe":
            guard let symbol = symbol(fields["symbol"]) else { return error("unsubscribe needs a symbol of letters and digits") }
            subscriptions.remove(symbol)
            return #"{"type":"unsubscribed","symbol":"\#(symbol)","message":"Successfully unsubscribed from \#(symbol)","timestamp":\#(timestamp)}"#
        case "getStats":
            return statsReply(stats(), yours: subscriptions, timestamp: timestamp)
        case nil:
            return error("message has no string field \"type\"")
        default:
            return error("unknown message type")
        }
    }

    /// `{"type":"stats",...}`; symbols are sorted so the reply is stable.
    static func statsReply(_ stats: Stats, yours: Set<String>, timestamp: Int64) -> String {
        let counts = stats.subscribers.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
        let mine = yours.sorted().map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"type":"stats","clientCount":\#(stats.clientCount),"subscriptions":{\#(counts)},"yourSymbols":[\#(mine)],"timestamp":\#(timestamp)}"#
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
