/// What the harness needs from one server text message, found by a byte scan (no JSON parser
/// on the hot path): its type, and for a trade the aggregate id, the feeder's receive time
/// (`recv_us`) and the ring sequence.
public enum ServerMessage: Equatable, Sendable {
    /// A `trade_update`; a field that is absent reads -1.
    case trade(id: Int64, receivedMicros: Int64, sequence: Int64)
    /// A `gap` notice.
    case gap
    case connected
    /// `subscribed`, with the extended subscribe's `epoch` and `seq` (-1 when absent).
    case subscribed(epoch: Int64, sequence: Int64)
    /// The answer to a resume.
    case recovery(RecoveryReply)
    case error
    /// Any other type (depth, klines, tickers…).
    case other

    /// Classifies a message. The server writes `type` first (`{"type":"…`); any other
    /// placement is looked for too.
    public static func scan(_ payload: UnsafeRawBufferPointer) -> ServerMessage {
        guard let base = payload.baseAddress else { return .other }
        if Key.tradePrefix.isPrefix(of: payload) {
            return tradeFromTail(payload) ?? trade(payload, after: Key.tradePrefix.count)
        }
        let nameStart: Int
        if Key.typePrefix.isPrefix(of: payload) {
            nameStart = Key.typePrefix.count
        } else if let at = Key.typeField.find(in: payload, from: 0) {
            nameStart = at + Key.typeField.count
        } else {
            return .other
        }
        let rest = payload.count - nameStart
        let name = base + nameStart
        if rest >= Key.tradeName.count && Key.tradeName.matches(at: name) { return trade(payload, after: nameStart) }
        if rest >= Key.gapName.count && Key.gapName.matches(at: name) { return .gap }
        if rest >= Key.connectedName.count && Key.connectedName.matches(at: name) { return .connected }
        if rest >= Key.subscribedName.count && Key.subscribedName.matches(at: name) { return subscribed(payload, after: nameStart) }
        if rest >= Key.recoveryName.count && Key.recoveryName.matches(at: name) { return recovery(payload, after: nameStart) }
        if rest >= Key.errorName.count && Key.errorName.matches(at: name) { return .error }
        return .other
    }

    /// The fast path for the server's own layout, which ends a trade with
    /// `…,"id":A,"recv_us":B,"timestamp":C,"seq":D}`: walk back from the end, field by field,
    /// over a few dozen bytes. Nil when the message ends any other way.
    @inline(__always)
    static func tradeFromTail(_ payload: UnsafeRawBufferPointer) -> ServerMessage? {
        let count = payload.count
        guard count > 64, payload[count - 1] == UInt8(ascii: "}") else { return nil }
        guard let sequence = field(Key.sequence, endingAt: count - 1, in: payload),
              let stamp = field(Key.timestamp, endingAt: sequence.keyStart - 1, in: payload, parse: false),
              let received = field(Key.receivedMicros, endingAt: stamp.keyStart - 1, in: payload),
              let id = field(Key.id, endingAt: received.keyStart - 1, in: payload) else { return nil }
        return .trade(id: id.value, receivedMicros: received.value, sequence: sequence.value)
    }

    /// The unsigned integer that ends just before `end`, named `key` and preceded by a comma
    /// (so the previous field ends at `keyStart - 1`). `parse: false` only finds where the
    /// field starts (its value reads 0).
    @inline(__always)
    static func field(_ key: Key, endingAt end: Int, in payload: UnsafeRawBufferPointer,
                      parse: Bool = true) -> (value: Int64, keyStart: Int)? {
        guard let colon = Key.lastByte(UInt8(ascii: ":"), in: payload, from: end - 20, before: end) else { return nil }
        let keyStart = colon + 1 - key.count
        guard keyStart > 0, payload[keyStart - 1] == UInt8(ascii: ","), key.matches(at: payload.baseAddress! + keyStart) else {
            return nil
        }
        guard parse else { return (0, keyStart) }
        guard let value = digits(payload, from: colon + 1, to: end) else { return nil }
        return (value, keyStart)
    }

    /// The trade's fields after `start`, searched forwards: any order, any extra fields.
    static func trade(_ payload: UnsafeRawBufferPointer, after start: Int) -> ServerMessage {
        func value(_ key: Key) -> Int64 {
            key.find(in: payload, from: start).map { integer(in: payload, at: $0 + key.count) } ?? -1
        }
        return .trade(id: value(Key.id), receivedMicros: value(Key.receivedMicros), sequence: value(Key.sequence))
    }

    /// `subscribed`'s position fields (rare messages: searched forwards).
    static func subscribed(_ payload: UnsafeRawBufferPointer, after start: Int) -> ServerMessage {
        func value(_ key: Key) -> Int64 { key.find(in: payload, from: start).map { integer(in: payload, at: $0 + key.count) } ?? -1 }
        return .subscribed(epoch: value(Key.epoch), sequence: value(Key.sequence))
    }

    /// `recovery`: `recovered` with `messages` and `to_seq`, or `impossible` with a `reason` and
    /// the worker's `seq`; both with `epoch`.
    static func recovery(_ payload: UnsafeRawBufferPointer, after start: Int) -> ServerMessage {
        func value(_ key: Key) -> Int64 { key.find(in: payload, from: start).map { integer(in: payload, at: $0 + key.count) } ?? -1 }
        let epoch = value(Key.epoch)
        if Key.recoveredStatus.find(in: payload, from: start) != nil {
            return .recovery(RecoveryReply(outcome: .recovered(messages: max(0, value(Key.messages))), epoch: epoch,
                                           sequence: value(Key.toSequence)))
        }
        var refusal = RecoveryReply.Refusal.other
        if Key.epochChangedReason.find(in: payload, from: start) != nil {
            refusal = .epochChanged
        } else if Key.tooOldReason.find(in: payload, from: start) != nil {
            refusal = .tooOld
        }
        return .recovery(RecoveryReply(outcome: .impossible(refusal), epoch: epoch, sequence: value(Key.sequence)))
    }

    /// A decimal integer (optionally negative, after optional spaces) at `start`; -1 when none.
    static func integer(in payload: UnsafeRawBufferPointer, at start: Int) -> Int64 {
        var index = start
        while index < payload.count && payload[index] == 0x20 { index += 1 }
        let negative = index < payload.count && payload[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var end = index
        while end < payload.count && end - index < 18 && payload[end] &- 48 < 10 { end += 1 }
        guard let value = digits(payload, from: index, to: end) else { return -1 }
        return negative ? -value : value
    }

    /// The value of the decimal digits in `from..<to` (1 to 18 of them), nil if any byte is not
    /// a digit. Eight digits at a time while there are eight, then one by one.
    @inline(__always)
    static func digits(_ payload: UnsafeRawBufferPointer, from: Int, to end: Int) -> Int64? {
        guard from < end, end - from <= 18, let base = payload.baseAddress else { return nil }
        var index = from
        var value: UInt64 = 0
        while index + 8 <= end {
            guard let eight = eightDigits(base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) else { return nil }
            value = value &* 100_000_000 &+ eight
            index += 8
        }
        while index < end {
            let digit = base.load(fromByteOffset: index, as: UInt8.self) &- 48
            guard digit < 10 else { return nil }
            value = value &* 10 &+ UInt64(digit)
            index += 1
        }
        return Int64(value)
    }

    /// The value of eight ASCII digits loaded little-endian (first digit in the low byte), nil
    /// when any byte is not a digit: SWAR, pairs, then quads, then the whole.
    @inline(__always)
    static func eightDigits(_ chunk: UInt64) -> UInt64? {
        let high: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
        let isDigits = (chunk & high) | (((chunk &+ 0x0606_0606_0606_0606) & high) >> 4) == 0x3333_3333_3333_3333
        guard isDigits else { return nil }
        var v = chunk &- 0x3030_3030_3030_3030
        v = (v &* 10 &+ (v >> 8)) & 0x00FF_00FF_00FF_00FF
        v = (v &* 100 &+ (v >> 16)) & 0x0000_FFFF_0000_FFFF
        return (v &* 10_000 &+ (v >> 32)) & 0xFFFF_FFFF
    }
}
