/// UTC calendar months as epoch milliseconds, for the 1M candle (Gregorian, 1970 onwards;
/// earlier times are clamped to January 1970, which no candle needs).
public enum CivilMonth {
    private static let dayMs: Int64 = 86_400_000

    public static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// Days in `month` (1–12) of `year` (Gregorian, any year).
    public static func daysIn(year: Int, month: Int) -> Int64 {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// (year, month 1...12) of the UTC day containing `ms`.
    static func containing(_ ms: Int64) -> (year: Int, month: Int) {
        var days = max(0, ms) / dayMs
        var year = 1970
        while true {
            let length: Int64 = isLeap(year) ? 366 : 365
            if days < length { break }
            days -= length
            year += 1
        }
        var month = 1
        while days >= daysIn(year: year, month: month) {
            days -= daysIn(year: year, month: month)
            month += 1
        }
        return (year, month)
    }

    /// Epoch ms of `year`-`month`-01 00:00 UTC.
    static func startMs(year: Int, month: Int) -> Int64 {
        var days: Int64 = 0
        for y in 1970..<max(1970, year) { days += isLeap(y) ? 366 : 365 }
        for m in 1..<max(1, month) { days += daysIn(year: year, month: m) }
        return days * dayMs
    }
}
