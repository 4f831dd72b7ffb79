/// Whether a stream connection delivers what it subscribed to, as a pure value (times in
/// monotonic ns): only frames accepted for a subscribed stream count. Control frames, replies,
/// frames that do not parse and frames of streams the connection did not subscribe to do not;
/// a connection carrying nothing else for `stallNs` is stalled, or silent if it never delivered.
struct LivenessWatch {
    enum Report: Equatable {
        /// The first accepted frame (at once for a connection that does not watch silence).
        case firstData
        /// Nothing accepted for `stallNs` after data flowed (reported once until data returns).
        case stalled
        /// Nothing accepted for `stallNs` since the connection opened.
        case silent
    }

    let stallNs: Int64
    private(set) var lastDataNs: Int64
    private(set) var sawData = false
    private var reportedStall = false

    init(stallNs: Int64, nowNs: Int64) {
        self.stallNs = stallNs
        lastDataNs = nowNs
    }

    /// When the next check is due if nothing is accepted before.
    var deadlineNs: Int64 { lastDataNs + stallNs }

    /// A frame accepted for a subscribed stream.
    mutating func accepted(nowNs: Int64) -> Report? {
        lastDataNs = nowNs
        reportedStall = false
        if sawData { return nil }
        sawData = true
        return .firstData
    }

    /// Call after every receive, frame or not. `watchesSilence` false (liquidation streams only,
    /// quiet for minutes in a calm market): quiet is never trouble, and it counts as live.
    mutating func check(nowNs: Int64, watchesSilence: Bool) -> Report? {
        if !watchesSilence {
            lastDataNs = nowNs
            if sawData { return nil }
            sawData = true
            return .firstData
        }
        guard nowNs >= deadlineNs else { return nil }
        if !sawData { return .silent }
        lastDataNs = nowNs
        if reportedStall { return nil }
        reportedStall = true
        return .stalled
    }
}

/// The `stream` name of a combined-stream frame (`{"stream":"btcusdt@trade","data":…}`) as an
/// FNV-1a hash, so each frame is checked against the subscribed streams without allocating.
enum CombinedStream {
    static func hash<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01b3
        }
        return h
    }

    static func hash(_ name: String) -> UInt64 { hash(name.utf8) }

    private static let prefix = Array(#"{"stream":""#.utf8)

    /// The hash of `frame`'s stream name; nil when the frame does not start with the wrapper
    /// (a raw payload, or a reply) or the name does not end.
    static func nameHash(of frame: UnsafeRawBufferPointer) -> UInt64? {
        guard frame.count > prefix.count, frame.starts(with: prefix) else { return nil }
        let rest = frame[prefix.count...]
        guard let end = rest.firstIndex(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }),
              frame[end] == UInt8(ascii: "\"") else { return nil }
        return hash(frame[prefix.count..<end])
    }
}
