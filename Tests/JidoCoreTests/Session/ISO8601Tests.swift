import Foundation
import Testing
@testable import JidoCore

/// The timestamps of the session format (`created_at`, `closed_at`, ...), as the store's cleanup and
/// the audit's age check read them.
@Suite struct ISO8601Tests {
    @Test func parsesJidoCodesTimestamps() {
        #expect(ISO8601.epochSeconds("2026-01-02T00:00:00Z") == 1_767_312_000)
        #expect(ISO8601.epochSeconds("2026-01-02T00:00:00.123456Z") == 1_767_312_000, "the fraction is dropped")
        #expect(ISO8601.epochSeconds("2026-01-02T01:00:00+01:00") == 1_767_312_000)
        #expect(ISO8601.epochSeconds("2026-01-01T23:00:00-01:00") == 1_767_312_000)
        #expect(ISO8601.epochSeconds("2024-02-29T12:34:56Z") == 1_709_210_096)
        #expect(ISO8601.epochSeconds("1969-12-31T23:59:59Z") == -1)
    }

    @Test func refusesAnythingElse() {
        for text in ["", "2026-01-02", "2026-01-02T00:00:00", "2026-13-02T00:00:00Z", "2026-01-02T24:00:00Z", "2026-01-02T00:00:00.Z",
                     "2026-01-02T00:00:00Zx", "2026-01-02T00:00:00+0100", "2026-01-02 00:00:00Z", "2026-01-0xT00:00:00Z"] {
            #expect(ISO8601.epochSeconds(text) == nil, "\(text)")
        }
    }
}

/// Writing timestamps as JidoCode does, and reading their fraction.
@Suite struct ISO8601FormatTests {
    @Test func writesUTCWithMicroseconds() {
        #expect(ISO8601.string(microsecondsSinceEpoch: 1_767_312_000_123_456) == "2026-01-02T00:00:00.123456Z")
        #expect(ISO8601.string(microsecondsSinceEpoch: 0) == "1970-01-01T00:00:00.000000Z")
        #expect(ISO8601.string(microsecondsSinceEpoch: -1) == "1969-12-31T23:59:59.999999Z")
        #expect(ISO8601.string(microsecondsSinceEpoch: 951_782_400_000_000) == "2000-02-29T00:00:00.000000Z")
        #expect(ISO8601.string(from: Date(timeIntervalSince1970: 1_767_312_000.5)) == "2026-01-02T00:00:00.500000Z")
    }

    @Test func readsTheFractionToTheMicrosecond() {
        func seconds(_ text: String) -> Double { ISO8601.date(text)?.timeIntervalSince1970 ?? 0 }
        #expect(abs(seconds("2026-01-02T00:00:00.123456Z") - 1_767_312_000.123456) < 1e-6)
        #expect(abs(seconds("2026-01-02T00:00:00.1Z") - 1_767_312_000.1) < 1e-6)
        #expect(abs(seconds("2026-01-02T00:00:00.1234567Z") - 1_767_312_000.123456) < 1e-6, "digits past the sixth are dropped")
        #expect(seconds("2026-01-02T01:00:00+01:00") == 1_767_312_000)
        #expect(ISO8601.date("t") == nil)
        for micro in [0, 1, 999_999, 123_456, 500_000] {
            let text = ISO8601.string(microsecondsSinceEpoch: 1_767_312_000_000_000 + Int64(micro))
            #expect(ISO8601.date(text).map(ISO8601.string(from:)) == text, "round trip of \(text)")
        }
    }
}
