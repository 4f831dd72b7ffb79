/// Nanosecond latencies in log-linear buckets (8 per power of two, so a percentile is within
/// 12.5 %): fixed memory, no allocation, O(1) record. Used for the feeder's receive→publish time.
struct LatencyHistogram {
    static let subBuckets = 8
    private var counts = [UInt64](repeating: 0, count: 64 * subBuckets)
    private(set) var total: UInt64 = 0
    private(set) var max: Int64 = 0

    mutating func record(_ ns: Int64) {
        let v = UInt64(Swift.max(ns, 1))
        let exponent = 63 - v.leadingZeroBitCount
        let sub = exponent >= 3 ? Int((v >> UInt64(exponent - 3)) & 7) : Int(v & 7)
        counts[exponent * Self.subBuckets + sub] &+= 1
        total &+= 1
        if ns > max { max = ns }
    }

    /// The value at quantile `q` (0…1): the upper bound of its bucket.
    func percentile(_ q: Double) -> Int64 {
        guard total > 0 else { return 0 }
        let rank = UInt64((Double(total) * q).rounded(.up))
        var seen: UInt64 = 0
        for (i, c) in counts.enumerated() where c > 0 {
            seen += c
            if seen >= rank {
                let exponent = i / Self.subBuckets
                let sub = i % Self.subBuckets
                if exponent < 3 { return Int64(sub + 1) }
                return Int64((8 + sub + 1) << (exponent - 3))
            }
        }
        return max
    }

    mutating func reset() {
        for i in counts.indices { counts[i] = 0 }
        total = 0
        max = 0
    }
}
