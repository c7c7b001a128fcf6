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
