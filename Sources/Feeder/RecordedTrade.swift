import Market

/// A trade read from a recorded frame line `<local_receive_ns> {"stream":…,"data":{"e":"trade",…}}`.
/// This is the replay source's small field scanner; the live feed's full parser is a later piece.
public struct RecordedTrade: Equatable, Sendable {
    public var localNs: Int64
    public var symbol: String
    public var tradeId: Int64
    public var price: Int64
    public var quantity: Int64
    public var tradeTimeMs: Int64
    public var buyerIsMaker: Bool

    /// Nil when the line is not a trade frame; `.malformed` is reported through `parse(line:)`.
    public enum Outcome: Equatable, Sendable {
        case trade(RecordedTrade)
        case otherFrame
        case malformed
    }

    public static func parse(line: UnsafeRawBufferPointer) -> Outcome {
        guard let space = line.firstIndex(of: 32), let localNs = integer(line, 0, space) else { return .malformed }
        let json = UnsafeRawBufferPointer(rebasing: line[(space + 1)...])
        guard json.first == UInt8(ascii: "{") else { return .malformed }
        guard let e = stringValue(json, key: "\"e\":\"") else { return .otherFrame }
        guard e.elementsEqual("trade".utf8) || e.elementsEqual("aggTrade".utf8) else { return .otherFrame }
        let idKey: StaticString = e.elementsEqual("trade".utf8) ? "\"t\":" : "\"a\":"
        guard let s = stringValue(json, key: "\"s\":\""),
              let p = stringValue(json, key: "\"p\":\""), let price = Fixed.parse(p),
              let q = stringValue(json, key: "\"q\":\""), let quantity = Fixed.parse(q),
              let id = numberValue(json, key: idKey),
              let t = numberValue(json, key: "\"T\":"),
              let m = rawValue(json, key: "\"m\":") else { return .malformed }
        return .trade(RecordedTrade(localNs: localNs, symbol: String(decoding: s, as: UTF8.self), tradeId: id,
                                    price: price, quantity: quantity, tradeTimeMs: t, buyerIsMaker: m.first == UInt8(ascii: "t")))
    }

    static func integer(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> Int64? {
        guard to > from else { return nil }
        var v: Int64 = 0
        for i in from..<to {
            let c = b[i]
            guard c >= 48 && c <= 57 else { return nil }
            v = v &* 10 &+ Int64(c - 48)
        }
        return v
    }

    /// The bytes after the first occurrence of `key` (which ends with the opening quote) up to the closing quote.
    static func stringValue(_ b: UnsafeRawBufferPointer, key: StaticString) -> UnsafeRawBufferPointer? {
        guard let start = find(b, key) else { return nil }
        var end = start
        while end < b.count && b[end] != UInt8(ascii: "\"") { end += 1 }
        return end < b.count ? UnsafeRawBufferPointer(rebasing: b[start..<end]) : nil
    }

    static func numberValue(_ b: UnsafeRawBufferPointer, key: StaticString) -> Int64? {
        guard let start = find(b, key) else { return nil }
        var end = start
        while end < b.count, b[end] >= 48, b[end] <= 57 { end += 1 }
        return integer(b, start, end)
    }

    static func rawValue(_ b: UnsafeRawBufferPointer, key: StaticString) -> UnsafeRawBufferPointer.SubSequence? {
        guard let start = find(b, key) else { return nil }
        var end = start
        while end < b.count && b[end] != UInt8(ascii: ",") && b[end] != UInt8(ascii: "}") { end += 1 }
        return b[start..<end]
    }

    /// The index just past the first occurrence of `key` in `b`.
    static func find(_ b: UnsafeRawBufferPointer, _ key: StaticString) -> Int? {
        let k = UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        guard k.count <= b.count else { return nil }
        var i = 0
        let last = b.count - k.count
        while i <= last {
            if b[i] == k[0] {
                var j = 1
                while j < k.count && b[i + j] == k[j] { j += 1 }
                if j == k.count { return i + k.count }
            }
            i += 1
        }
        return nil
    }
}
