#if canImport(FoundationEssentials)
package import struct FoundationEssentials.Date
#else
package import struct Foundation.Date
#endif

/// The timestamps JidoCode writes: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
///
/// JidoCode stamps with `DateTime.utc_now() |> DateTime.to_iso8601()`: UTC, microsecond precision,
/// `2026-01-02T03:04:05.123456Z`. `string(from:)` writes exactly that; the parsers accept every
/// offset and fraction `DateTime.from_iso8601/1` does for these fields.
package enum ISO8601 {
    /// Seconds since the Unix epoch (fraction dropped), or nil when `text` is not such a timestamp.
    package static func epochSeconds(_ text: String) -> Int? {
        parse(text)?.seconds
    }

    /// The instant `text` names (to the microsecond; further digits are dropped), or nil when it is
    /// not such a timestamp.
    package static func date(_ text: String) -> Date? {
        guard let (seconds, microseconds) = parse(text) else { return nil }
        return Date(timeIntervalSince1970: Double(seconds) + Double(microseconds) / 1_000_000)
    }

    /// `date` as JidoCode writes it: UTC with six fractional digits (rounded to the microsecond).
    package static func string(from date: Date) -> String {
        string(microsecondsSinceEpoch: Int64((date.timeIntervalSince1970 * 1_000_000).rounded()))
    }

    /// `microseconds` after the epoch as JidoCode writes it (`2026-01-02T03:04:05.123456Z`).
    package static func string(microsecondsSinceEpoch microseconds: Int64) -> String {
        let (seconds, fraction) = floorDivision(microseconds, 1_000_000)
        let (days64, secondOfDay64) = floorDivision(seconds, 86_400)
        let days = Int(days64)
        let secondOfDay = Int(secondOfDay64)
        // Howard Hinnant's civil_from_days (proleptic Gregorian).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(secondOfDay / 3_600, 2) + ":"
            + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2) + "." + pad(Int(fraction), 6) + "Z"
    }

    private static func floorDivision(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        let remainder = a % b
        return remainder < 0 ? (a / b - 1, remainder + b) : (a / b, remainder)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value.magnitude)
        return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Seconds since the epoch and the microseconds of the fraction (further digits dropped).
    private static func parse(_ text: String) -> (seconds: Int, microseconds: Int)? {
        let b = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= b.count else { return nil }
            var value = 0
            for i in range {
                guard ASCII.isDigit(b[i]) else { return nil }
                value = value * 10 + Int(b[i] - ASCII.zero)
            }
            return value
        }
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var i = 19
        var microseconds = 0
        if b[i] == ASCII.dot {
            i += 1
            let start = i
            while i < b.count, ASCII.isDigit(b[i]) {
                if i - start < 6 { microseconds = microseconds * 10 + Int(b[i] - ASCII.zero) }
                i += 1
            }
            guard i > start else { return nil }
            for _ in min(i - start, 6)..<6 { microseconds *= 10 }
        }
        var offset = 0
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: "Z") {
            i += 1
        } else if b[i] == ASCII.plus || b[i] == ASCII.minus, i + 6 == b.count, b[i + 3] == ASCII.colon,
                  let h = number((i + 1)..<(i + 3)), let m = number((i + 4)..<(i + 6)) {
            offset = (h * 3600 + m * 60) * (b[i] == ASCII.minus ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        return (daysSinceEpoch(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset, microseconds)
    }

    /// Days from 1970-01-01 to the civil date `year-month-day` (Howard Hinnant's algorithm; proleptic
    /// Gregorian; `month` 1...12).
    package static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Days of `month` (1...12) in `year`.
    package static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
