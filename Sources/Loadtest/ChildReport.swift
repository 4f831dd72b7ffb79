/// What a client process tells the parent, one text line at a time over a pipe: `progress`
/// lines each second (cumulative counters, the last second's p99), then one `final` line with
/// the window's latency histogram and the CPU it used in the window.
public struct ChildReport: Sendable {
    public enum Kind: String, Sendable {
        case progress
        case final
    }

    public var kind: Kind
    public var counters = CounterSet()
    public var samples: [FailureReason: String] = [:]
    public var firstErrorReply: String?
    /// p99 of trade latency since the previous progress line (µs), 0 when none arrived.
    public var recentP99Micros: Int64 = 0
    /// Every connection has opened or failed.
    public var settled = false
    public var firstOpenNanos: Int64 = 0
    public var lastOpenNanos: Int64 = 0
    /// This process's CPU time inside the window (final line).
    public var windowCPUNanos: Int64 = 0
    public var latencyOverflows: Int64 = 0
    /// Exact largest latency in the window (µs); the buckets only keep its bucket.
    public var maxLatencyMicros: Int64 = 0
    public var buckets: [(value: UInt64, count: UInt64)] = []
    /// The window's read delays (with `--receive-time arrival`; final line).
    public var readDelayBuckets: [(value: UInt64, count: UInt64)] = []
    /// What each fault did to this process's clients (final line).
    public var faults: [FaultTally] = []
    /// Every reconnect of the run, faults or not (its reconnect histogram; final line).
    public var reconnects = FaultTally()

    public init(kind: Kind) {
        self.kind = kind
    }

    /// The line, ending in a newline. Fields are `key=value`, separated by spaces; text values
    /// are percent-escaped so they hold no space, `=` or newline.
    public var line: String {
        var fields = [kind.rawValue,
                      "c=" + counters.values.map(String.init).joined(separator: ","),
                      "f=" + counters.failures.map(String.init).joined(separator: ","),
                      "p99=\(recentP99Micros)", "settled=\(settled ? 1 : 0)", "open=\(firstOpenNanos),\(lastOpenNanos)",
                      "cpu=\(windowCPUNanos)", "over=\(latencyOverflows)", "max=\(maxLatencyMicros)"]
        for (reason, text) in samples.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            fields.append("s.\(reason.name)=\(Self.escape(text))")
        }
        if let firstErrorReply { fields.append("err=\(Self.escape(firstErrorReply))") }
        for (index, tally) in faults.enumerated() { fields.append("fault.\(index)=\(tally.encoded)") }
        if reconnects.reconnect.totalCount > 0 { fields.append("reconnects=\(reconnects.encoded)") }
        if !buckets.isEmpty { fields.append("h=" + LatencyHistogram.encode(buckets)) }
        if !readDelayBuckets.isEmpty { fields.append("rd=" + LatencyHistogram.encode(readDelayBuckets)) }
        return fields.joined(separator: " ") + "\n"
    }

    /// Reads a line written by `line` (without its newline); nil when it is not one.
    public init?(line: Substring) {
        var parts = line.split(separator: " ")
        guard let first = parts.first, let kind = Kind(rawValue: String(first)) else { return nil }
        self.kind = kind
        parts.removeFirst()
        for part in parts {
            guard let equals = part.firstIndex(of: "=") else { return nil }
            guard apply(key: part[..<equals], value: part[part.index(after: equals)...]) else { return nil }
        }
    }

    private mutating func apply(key: Substring, value: Substring) -> Bool {
        let numbers = { (text: Substring) in text.split(separator: ",").compactMap { Int64($0) } }
        switch key {
        case "c":
            let list = numbers(value)
            guard list.count == counters.values.count else { return false }
            counters.values = list
        case "f":
            let list = numbers(value)
            guard list.count == counters.failures.count else { return false }
            counters.failures = list
        case "p99": recentP99Micros = Int64(value) ?? 0
        case "settled": settled = value == "1"
        case "open":
            let list = numbers(value)
            guard list.count == 2 else { return false }
            (firstOpenNanos, lastOpenNanos) = (list[0], list[1])
        case "cpu": windowCPUNanos = Int64(value) ?? 0
        case "over": latencyOverflows = Int64(value) ?? 0
        case "max": maxLatencyMicros = Int64(value) ?? 0
        case "err": firstErrorReply = Self.unescape(value)
        case "h": buckets = LatencyHistogram.decode(value)
        case "rd": readDelayBuckets = LatencyHistogram.decode(value)
        case "reconnects":
            guard let tally = FaultTally(encoded: value) else { return false }
            reconnects = tally
        case _ where key.hasPrefix("fault."):
            return applyFault(index: key.dropFirst(6), value: value)
        default:
            guard key.hasPrefix("s."), let reason = FailureReason.allCases.first(where: { $0.name == key.dropFirst(2) }) else {
                return true // a field this version does not know
            }
            samples[reason] = Self.unescape(value)
        }
        return true
    }

    /// `fault.<index>=<tally>`.
    private mutating func applyFault(index text: Substring, value: Substring) -> Bool {
        guard let index = Int(text), index >= 0, index < 1000, let tally = FaultTally(encoded: value) else { return false }
        while faults.count <= index { faults.append(FaultTally()) }
        faults[index] = tally
        return true
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if byte <= 0x20 || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "=") || byte >= 0x7F {
                out += "%" + String(byte >> 4, radix: 16) + String(byte & 15, radix: 16)
            } else {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out
    }

    static func unescape(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), let hi = utf8.index(index, offsetBy: 1, limitedBy: utf8.endIndex),
               let lo = utf8.index(index, offsetBy: 2, limitedBy: utf8.endIndex), lo < utf8.endIndex,
               let value = UInt8(String(decoding: [utf8[hi], utf8[lo]], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index = utf8.index(after: lo)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
