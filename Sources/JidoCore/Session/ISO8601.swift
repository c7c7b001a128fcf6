/// The timestamps JidoCode writes: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
public enum ISO8601 {
    /// Seconds since the Unix epoch (fraction dropped), or nil when `text` is not such a timestamp.
    public static func epochSeconds(_ text: String) -> Int? {
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
        if b[i] == ASCII.dot {
            i += 1
            let start = i
            while i < b.count, ASCII.isDigit(b[i]) { i += 1 }
            guard i > start else { return nil }
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
        return daysSinceEpoch(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset
    }

    /// Days from 1970-01-01 to the civil date `year-month-day` (Howard Hinnant's algorithm; proleptic
    /// Gregorian; `month` 1...12).
    public static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Days of `month` (1...12) in `year`.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
