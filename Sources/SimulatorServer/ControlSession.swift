import Market
import Simulator

/// One connection's live-control state (binance-protocol.md §1.4): its streams in the order
/// subscribed and the `combined` property. `handle` takes a text message and returns Binance's
/// reply; the I/O shell re-routes the connection when `changed` is set.
public struct ControlSession: Sendable {
    public let venue: Venue
    public let route: StreamRoute
    public private(set) var streams: [String]
    public private(set) var combined: Bool
    public static let maxStreams = 1024

    /// The reply to send and whether the subscriptions or `combined` changed.
    public struct Reply: Sendable, Equatable {
        public var body: [UInt8]
        public var changed: Bool
        /// True for an error reply (counted as a malformed client message).
        public var isError: Bool
    }

    public init(endpoint: StreamEndpoint) {
        route = endpoint.route
        venue = endpoint.route.venue
        streams = endpoint.streams
        combined = endpoint.combined
    }

    /// The topics this connection receives data for (none on a silent route).
    public var routedTopics: [(topic: Topic, name: String)] {
        streams.compactMap { name in
            guard let t = StreamName.parse(name, venue: venue), route.serves(t.kind) else { return nil }
            if case .silent = t.kind { return nil }
            return (t, name)
        }
    }

    public mutating func handle(text: [UInt8]) -> Reply {
        let doc: JSONValue
        switch JSONReader.parse(text) {
        case .failure(let e):
            return error(3, "Invalid JSON: \(e.message) at line \(e.line) column \(e.column)", id: .null)
        case .success(let v): doc = v
        }
        guard case .object = doc else {
            return error(2, "Invalid request: invalid type: expected struct Request", id: .null)
        }
        guard let method = doc.member("method") else {
            let end = Self.lastByte(text)
            let p = JSONReader.position(of: end, in: text)
            return error(2, "Invalid request: missing field `method` at line \(p.line) column \(p.column)", id: idEcho(doc))
        }
        let names = ["SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY"]
        guard let m = method.value.string, names.contains(m) else {
            let p = JSONReader.position(of: method.valueEnd, in: text)
            let shown = method.value.string ?? "\(method.value)"
            return error(2, "Invalid request: unknown variant `\(shown)`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, "
                + "`LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` at line \(p.line) column \(p.column)", id: idEcho(doc))
        }
        guard let id = validId(doc["id"]) else {
            return error(2, "Invalid request: request ID must be an unsigned integer", id: .null)
        }
        let params: [JSONValue]
        switch doc["params"] {
        case nil, .null?: params = []
        case .array(let a)?: params = a
        default: return error(2, "Invalid request: invalid type: expected a sequence", id: id)
        }
        switch m {
        case "SUBSCRIBE": return subscribe(params, id: id)
        case "UNSUBSCRIBE": return unsubscribe(params, id: id)
        case "LIST_SUBSCRIPTIONS":
            guard params.isEmpty else { return error(2, "Invalid request: too many parameters", id: id) }
            return result(.array(streams.map { .string($0) }), id: id, changed: false)
        case "SET_PROPERTY": return setProperty(params, id: id)
        default: return getProperty(params, id: id)
        }
    }

    mutating func subscribe(_ params: [JSONValue], id: JSONValue) -> Reply {
        var added: [String] = []
        for p in params {
            guard let name = p.string, StreamName.parse(name, venue: venue) != nil else { return invalidStream(id) }
            if !streams.contains(name) && !added.contains(name) { added.append(name) }
        }
        guard streams.count + added.count <= Self.maxStreams else {
            return error(2, "Invalid request: too many streams (at most \(Self.maxStreams) per connection)", id: id)
        }
        streams += added
        return result(.null, id: id, changed: !added.isEmpty)
    }

    mutating func unsubscribe(_ params: [JSONValue], id: JSONValue) -> Reply {
        var removed: [String] = []
        for p in params {
            guard let name = p.string, StreamName.parse(name, venue: venue) != nil else { return invalidStream(id) }
            removed.append(name)
        }
        let before = streams.count
        streams.removeAll { removed.contains($0) }
        return result(.null, id: id, changed: streams.count != before)
    }

    mutating func setProperty(_ params: [JSONValue], id: JSONValue) -> Reply {
        guard params.count <= 2 else { return error(2, "Invalid request: too many parameters", id: id) }
        guard let name = params.first?.string else {
            return error(2, "Invalid request: property name must be a string", id: id)
        }
        guard name == "combined" else { return error(0, "Unknown property", id: id) }
        guard params.count == 2, case .bool(let value) = params[1] else {
            return error(1, "Invalid value type: expected Boolean", id: id)
        }
        let changed = value != combined
        combined = value
        return result(.null, id: id, changed: changed)
    }

    func getProperty(_ params: [JSONValue], id: JSONValue) -> Reply {
        guard params.count <= 1 else { return error(2, "Invalid request: too many parameters", id: id) }
        guard let name = params.first?.string else {
            return error(2, "Invalid request: property name must be a string", id: id)
        }
        guard name == "combined" else { return error(0, "Unknown property", id: id) }
        return result(.bool(combined), id: id, changed: false)
    }

    /// `id`: an unsigned integer, a string of up to 36 letters, digits, `-` or `_` (the SDKs send
    /// UUIDs), or null. Anything else is refused.
    func validId(_ v: JSONValue?) -> JSONValue? {
        switch v {
        case .null?: return .null
        case .number?: return v?.unsignedInteger != nil ? v : nil
        case .string(let s)?:
            let ok = (1...36).contains(s.utf8.count)
                && s.utf8.allSatisfy { StreamName.isSymbolByte($0) }
            return ok ? v : nil
        default: return nil
        }
    }

    /// The id to echo in an error raised before the id was validated.
    func idEcho(_ doc: JSONValue) -> JSONValue { validId(doc["id"]) ?? .null }

    static func lastByte(_ text: [UInt8]) -> Int {
        var end = text.count
        while end > 0, [0x20, 0x09, 0x0A, 0x0D].contains(text[end - 1]) { end -= 1 }
        return end
    }

    func invalidStream(_ id: JSONValue) -> Reply { error(2, "Invalid request: invalid stream", id: id) }

    func result(_ value: JSONValue, id: JSONValue, changed: Bool) -> Reply {
        var out = JSONBytes(capacity: 64)
        out.raw("{\"result\":")
        Self.write(value, &out)
        out.raw(",\"id\":")
        Self.write(id, &out)
        out.raw("}")
        return Reply(body: out.bytes, changed: changed, isError: false)
    }

    /// Binance's error reply as seen on the wire: `{"error":{"code":2,"msg":"…"},"id":…}`.
    func error(_ code: Int64, _ message: String, id: JSONValue) -> Reply {
        var out = JSONBytes(capacity: 96)
        out.raw("{\"error\":{\"code\":")
        out.integer(code)
        out.raw(",\"msg\":")
        out.string(message)
        out.raw("},\"id\":")
        Self.write(id, &out)
        out.raw("}")
        return Reply(body: out.bytes, changed: false, isError: true)
    }

    static func write(_ v: JSONValue, _ out: inout JSONBytes) {
        switch v {
        case .null: out.raw("null")
        case .bool(let b): out.bool(b)
        case .number(let text): out.integer(Int64(text) ?? 0)  // only validated ids are echoed
        case .string(let s): out.string(s)
        case .array(let items):
            out.raw("[")
            for (k, item) in items.enumerated() {
                if k > 0 { out.raw(",") }
                write(item, &out)
            }
            out.raw("]")
        case .object(let members):
            out.raw("{")
            for (k, m) in members.enumerated() {
                if k > 0 { out.raw(",") }
                out.string(m.key)
                out.raw(":")
                write(m.value, &out)
            }
            out.raw("}")
        }
    }
}
