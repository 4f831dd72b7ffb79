/// Reading and writing the body of a close frame: an optional 2-byte code and a UTF-8 reason.
public enum WebSocketClosePayload {
    /// What a received close payload says.
    public enum Parsed: Sendable, Hashable {
        /// `code` is nil for an empty payload.
        case valid(code: WebSocketCloseCode?, reason: String)
        /// The payload breaks RFC 6455 §5.5.1 / §7.4; close with `code`.
        case invalid(WebSocketCloseCode, String)
    }

    /// Validates a received close payload: empty, or a wire-valid code plus a UTF-8 reason.
    public static func parse(_ payload: [UInt8]) -> Parsed {
        switch payload.count {
        case 0: return .valid(code: nil, reason: "")
        case 1: return .invalid(.protocolError, "close payload of one byte")
        default: break
        }
        let code = WebSocketCloseCode(rawValue: UInt16(payload[0]) << 8 | UInt16(payload[1]))
        guard code.isValidOnWire else { return .invalid(.protocolError, "close code \(code) may not be sent") }
        let reason = payload[2...]
        guard UTF8Validator.isValid(Array(reason)) else {
            return .invalid(.invalidFramePayloadData, "close reason is not valid UTF-8")
        }
        return .valid(code: code, reason: String(decoding: reason, as: UTF8.self))
    }

    /// The payload for a close frame: the code big-endian, then the reason truncated to fit the
    /// 125-byte control frame limit on a character boundary.
    public static func make(code: WebSocketCloseCode, reason: String = "") -> [UInt8] {
        var payload: [UInt8] = [UInt8(truncatingIfNeeded: code.rawValue >> 8), UInt8(truncatingIfNeeded: code.rawValue)]
        for scalar in reason.unicodeScalars {
            guard payload.count + UTF8.width(scalar) <= 125 else { break }
            UTF8.encode(scalar) { payload.append($0) }
        }
        return payload
    }
}
