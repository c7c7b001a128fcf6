/// Formats doubles exactly as Erlang/OTP 25's `float_to_binary(F, [short])` (and so Jason) does.
///
/// The digits are the shortest that round-trip (Swift's own shortest-digits algorithm gives the same
/// digits as OTP's Ryu); the layout is OTP's `insert_decimal`: plain decimal notation unless the
/// scientific form is strictly shorter, and always scientific at or above 2^53 in magnitude.
/// Examples: `0.7`, `100.0`, `1.0e3`, `0.0001`, `1.0e-6`, `1.23e-4`, `-0.0`.
enum ErlangFloat {
    /// The Erlang text of `value`, or nil for infinities and NaN (JSON has no form for them).
    static func format(_ value: Double) -> String? {
        guard value.isFinite else { return nil }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let (digits, place) = shortestDigits(value.magnitude)
        let body = layout(digits: digits, place: place, magnitude: value.magnitude)
        return value.sign == .minus ? "-" + body : body
    }

    /// The shortest round-trip decimal digits of a positive finite `value` (no leading or trailing
    /// zeros) and the decimal point's place: value = 0.DIGITS × 10^place.
    static func shortestDigits(_ value: Double) -> (digits: [UInt8], place: Int) {
        let text = Array(value.description.utf8)
        var mantissa = text[...]
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == ASCII.lowerE || $0 == ASCII.upperE }) {
            mantissa = text[..<e]
            var sign = 1
            var i = e + 1
            if i < text.count, text[i] == ASCII.plus || text[i] == ASCII.minus {
                sign = text[i] == ASCII.minus ? -1 : 1
                i += 1
            }
            while i < text.count, ASCII.isDigit(text[i]) {
                exponent = exponent * 10 + Int(text[i] - ASCII.zero)
                i += 1
            }
            exponent *= sign
        }
        var digits: [UInt8] = []
        var pointPosition: Int?
        for b in mantissa {
            if b == ASCII.dot { pointPosition = digits.count } else { digits.append(b) }
        }
        var place = (pointPosition ?? digits.count) + exponent
        while digits.count > 1, digits.first == ASCII.zero {
            digits.removeFirst()
            place -= 1
        }
        while digits.count > 1, digits.last == ASCII.zero { digits.removeLast() }
        return (digits, place)
    }

    /// OTP 25 `io_lib_format:insert_decimal/3`.
    private static func layout(digits s: [UInt8], place: Int, magnitude: Double) -> String {
        let l = s.count
        let zeros = { (n: Int) in [UInt8](repeating: ASCII.zero, count: n) }
        var out: [UInt8]
        if place == 0 {
            out = Array("0.".utf8) + s
        } else if place < 0 || place >= l {
            let expDigits = Array(String(place - 1).utf8)
            let expCost = expDigits.count + 1 + (l == 1 ? 2 : 1)
            let plain: Bool
            if place < 0 {
                plain = 2 - place <= expCost
            } else {
                plain = place - l + 2 <= expCost && magnitude < 9_007_199_254_740_992.0
            }
            if plain {
                out = place < 0 ? Array("0.".utf8) + zeros(-place) + s : s + zeros(place - l) + Array(".0".utf8)
            } else {
                out = [s[0], ASCII.dot] + (l == 1 ? [ASCII.zero] : Array(s[1...])) + [ASCII.lowerE] + expDigits
            }
        } else {
            out = Array(s[..<place]) + [ASCII.dot] + Array(s[place...])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
