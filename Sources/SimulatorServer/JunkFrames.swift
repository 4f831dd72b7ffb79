import Simulator
import WebSocketCore

/// The junk the `malformed` fault sends, in turn: truncated JSON, bad JSON, a binary frame,
/// and valid JSON with numbers no Binance parser accepts; and the well-formed frames of a
/// stream not subscribed to that the `unsubscribedStream` fault sends.
enum JunkFrames {
    /// A plausible frame of a stream of `symbol` missing from `subscribed`: spot aggTrade or
    /// futures trade (streams the feeder never subscribes), else the other one.
    static func unsubscribed(venue: Venue, symbol: String, subscribed: [String], combined: Bool, nowMs: Int64) -> [UInt8] {
        let upper = symbol.uppercased()
        let preferred = venue == .spot ? "aggTrade" : "trade"
        let kind = subscribed.contains("\(symbol)@\(preferred)") ? (preferred == "trade" ? "aggTrade" : "trade") : preferred
        let payload = kind == "trade"
            ? "{\"e\":\"trade\",\"E\":\(nowMs),\"s\":\"\(upper)\",\"t\":1,\"p\":\"1.00\",\"q\":\"1.00\",\"T\":\(nowMs),\"m\":true,\"M\":true}"
            : "{\"e\":\"aggTrade\",\"E\":\(nowMs),\"s\":\"\(upper)\",\"a\":1,\"p\":\"1.00\",\"q\":\"1.00\",\"f\":1,\"l\":1,\"T\":\(nowMs),\"m\":false}"
        let text = combined ? "{\"stream\":\"\(symbol)@\(kind)\",\"data\":\(payload)}" : payload
        return WireFrame(payload: Array(text.utf8)).bytes
    }

    static func frame(_ k: Int, combined: Bool, symbol: String) -> [UInt8] {
        let upper = symbol.uppercased()
        func wrap(_ s: String) -> String { combined ? "{\"stream\":\"\(symbol)@trade\",\"data\":\(s)}" : s }
        switch k % 4 {
        case 0:
            return WireFrame(payload: Array(wrap("{\"e\":\"trade\",\"E\":1723161255343,\"s\":\"\(upper)\",\"t\":37356").utf8)).bytes
        case 1:
            return WireFrame(payload: Array(wrap("{\"e\":\"trade\",,\"E\":}").utf8)).bytes
        case 2:
            return WireFrame(opcode: .binary, payload: [0x00, 0xFF, 0x7B, 0x22, 0x65, 0x22, 0x3A, 0x10, 0x80]).bytes
        default:
            let text = "{\"e\":\"trade\",\"E\":1723161255343,\"s\":\"\(upper)\",\"t\":-1.5e400,\"p\":\"6.1.8\","
                + "\"q\":\"NaN\",\"T\":\"soon\",\"m\":true,\"M\":true}"
            return WireFrame(payload: Array(wrap(text).utf8)).bytes
        }
    }
}
