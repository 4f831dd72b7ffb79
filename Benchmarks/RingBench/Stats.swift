/// Latency percentiles, by sorting the samples (ns).
struct Percentiles {
    let count: Int
    let p50: Int64
    let p99: Int64
    let p999: Int64

    init(_ samples: [Int64]) {
        let sorted = samples.sorted()
        count = sorted.count
        func at(_ q: Double) -> Int64 {
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
        }
        p50 = at(0.50)
        p99 = at(0.99)
        p999 = at(0.999)
    }

    /// `p50 … p99 … p99.9 …` in µs.
    var line: String {
        "p50 \(Self.micros(p50))  p99 \(Self.micros(p99))  p99.9 \(Self.micros(p999))  (n=\(count))"
    }

    static func micros(_ ns: Int64) -> String {
        let tenths = (ns + 50) / 100
        return "\(tenths / 10).\(tenths % 10) µs"
    }

    /// JSON members `"<prefix>_p50_ns":…,` etc.
    func json(_ prefix: String) -> String {
        "\"\(prefix)_p50_ns\":\(p50),\"\(prefix)_p99_ns\":\(p99),\"\(prefix)_p999_ns\":\(p999),\"\(prefix)_samples\":\(count)"
    }
}
