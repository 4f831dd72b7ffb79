import Market

/// A small JSON object writer for status and health documents (not the data path:
/// ticks are encoded by `Market` straight into bytes).
public struct JSONWriter {
    public private(set) var text = ""
    private var needsComma: [Bool] = [false]

    public init() {}

    public mutating func beginObject(_ key: String? = nil) { open(key, "{") }
    public mutating func endObject() { close("}") }
    public mutating func beginArray(_ key: String? = nil) { open(key, "[") }
    public mutating func endArray() { close("]") }

    public mutating func field(_ key: String, _ value: String) { emitKey(key); text += Self.quote(value) }
    public mutating func field(_ key: String, _ value: Int64) { emitKey(key); text += String(value) }
    public mutating func field(_ key: String, _ value: Int) { emitKey(key); text += String(value) }
    public mutating func field(_ key: String, _ value: UInt64) { emitKey(key); text += String(value) }
    public mutating func field(_ key: String, _ value: Bool) { emitKey(key); text += value ? "true" : "false" }
    public mutating func field(_ key: String, _ value: Double) {
        emitKey(key)
        text += value.isFinite ? String(value) : "null"
    }
    public mutating func null(_ key: String) { emitKey(key); text += "null" }

    private mutating func open(_ key: String?, _ bracket: String) {
        if let key { emitKey(key) } else { comma() }
        text += bracket
        needsComma.append(false)
    }

    private mutating func close(_ bracket: String) {
        needsComma.removeLast()
        text += bracket
    }

    private mutating func comma() {
        if needsComma[needsComma.count - 1] { text += "," }
        needsComma[needsComma.count - 1] = true
    }

    private mutating func emitKey(_ key: String) {
        comma()
        text += Self.quote(key)
        text += ":"
    }

    /// A JSON string literal with the escapes RFC 8259 requires (the data path's escaping).
    public static func quote(_ s: String) -> String {
        var out = JSONBytes(capacity: s.utf8.count + 2)
        out.string(s)
        return String(decoding: out.bytes, as: UTF8.self)
    }
}
