/// The `Date` header line, rendered at most once a second (IMF-fixdate, RFC 9110 §5.6.7), kept
/// in fixed inline storage so handing it out costs no reference counting.
struct DateCache {
    /// `Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n` (37 bytes until the year 10000).
    private var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
    private var length = 0
    private var second: Int64 = .min

    /// Re-renders the line when the wall-clock second changed.
    mutating func update(epochSeconds: Int64) {
        guard epochSeconds != second else { return }
        second = epochSeconds
        let text = Array("Date: \(Self.imfFixdate(epochSeconds: epochSeconds))\r\n".utf8)
        length = withUnsafeMutableBytes(of: &storage) { raw in
            let n = min(text.count, raw.count)
            raw.copyBytes(from: text[..<n])
            return n
        }
    }

    @inline(__always)
    func withLine<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeBytes(of: storage) { body(UnsafeRawBufferPointer(rebasing: $0[..<length])) }
    }

    /// The line as an array (tests).
    var line: [UInt8] { withLine { Array($0) } }

    static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sun, 06 Nov 1994 08:49:37 GMT` for a time in seconds since 1970 (UTC).
    static func imfFixdate(epochSeconds: Int64) -> String {
        let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
        let secondOfDay = epochSeconds - days * 86_400
        let (year, month, day) = civil(daysSinceEpoch: days)
        let weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday
        return "\(weekdays[weekday]), \(two(day)) \(months[month - 1]) \(year) "
            + "\(two(Int(secondOfDay / 3600))):\(two(Int(secondOfDay / 60 % 60))):\(two(Int(secondOfDay % 60))) GMT"
    }

    /// Howard Hinnant's days-to-civil: (year, month 1...12, day 1...31).
    static func civil(daysSinceEpoch: Int64) -> (Int, Int, Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (Int(yoe + era * 400 + (month <= 2 ? 1 : 0)), Int(month), Int(day))
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
