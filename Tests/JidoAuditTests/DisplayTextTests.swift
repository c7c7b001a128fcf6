import JidoCore
import JidoTestSupport
import Testing
@testable import JidoAudit

/// The one escaping of every printed name, key, path and message.
@Suite struct DisplayTextTests {
    @Test(arguments: [
        ("plain name.json", "plain name.json"),
        ("Ünïcödé ✓ 日本 🎉", "Ünïcödé ✓ 日本 🎉"),
        ("a\\x1Bb", "a\\\\x1Bb"),                       // a literal backslash-x is not an escape
        ("clear\u{1B}[2J", "clear\\x1B[2J"),
        ("tab\tnl\ndel\u{7F}c1\u{85}\u{9F}", "tab\\x09nl\\x0Adel\\x7Fc1\\u{85}\\u{9F}"), // C1: never \x80-\x9F
        ("zw\u{200B}j\u{200D}bom\u{FEFF}", "zw\\u{200B}j\\u{200D}bom\\u{FEFF}"),
        ("bidi\u{202E}txt.json\u{2066}", "bidi\\u{202E}txt.json\\u{2066}"),
        ("line\u{2028}para\u{2029}", "line\\u{2028}para\\u{2029}"),
    ])
    func escapesControlsInvisiblesAndBackslashes(_ input: String, _ expected: String) {
        #expect(DisplayText.escape(input) == expected)
        #expect(DisplayText.escape(bytes: Array(input.utf8)) == expected)
    }

    /// Every invisible or format character is escaped, tag characters included: a name carrying
    /// U+E0041 ("tag A") after a visible name prints like that name otherwise. Each range is walked
    /// whole, assigned or not (U+2065, U+E0000, U+E0002-U+E001F are reserved default-ignorables).
    @Test func everyInvisibleAndFormatCharacterIsEscaped() {
        let ranges: [ClosedRange<UInt32>] = [
            0x00AD...0x00AD, 0x034F...0x034F, 0x061C...0x061C, 0x180B...0x180F, 0x200B...0x200F, 0x2028...0x202E,
            0x2060...0x2069, 0x206A...0x206F, 0x3164...0x3164, 0xFE00...0xFE0F, 0xFEFF...0xFEFF, 0xFFF9...0xFFFB,
            0xE0000...0xE007F, 0xE0100...0xE01EF,
        ]
        for value in ranges.joined() {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let name = "a" + String(Character(scalar)) + "b"
            let expected = "a\\u{" + String(value, radix: 16, uppercase: true) + "}b"
            #expect(DisplayText.escape(name) == expected, "U+\(String(value, radix: 16, uppercase: true))")
            #expect(DisplayText.escape(bytes: Array(name.utf8)) == expected)
            #expect(displayTextBytes(expected) == Array(name.utf8))
        }
        // A tagged name (a flag's tag sequence, or hidden ASCII) shows its tags; visible text stays.
        #expect(DisplayText.escape("s.json\u{E0001}\u{E0041}\u{E007F}") == "s.json\\u{E0001}\\u{E0041}\\u{E007F}")
        #expect(DisplayText.escape("caf\u{E9} \u{1F600} \u{4E2D} \u{00A0}") == "caf\u{E9} \u{1F600} \u{4E2D} \u{00A0}")
    }

    /// Bytes that are not UTF-8 are shown one by one, so two different names never look alike.
    @Test func invalidUTF8IsShownByteByByte() {
        #expect(DisplayText.escape(bytes: [0x61, 0xFF, 0x62]) == "a\\xFFb")
        #expect(DisplayText.escape(bytes: [0xC3]) == "\\xC3")                // truncated sequence
        #expect(DisplayText.escape(bytes: [0xC0, 0xAF]) == "\\xC0\\xAF")     // overlong "/"
        #expect(DisplayText.escape(bytes: [0xED, 0xA0, 0x80]) == "\\xED\\xA0\\x80") // a surrogate
        #expect(DisplayText.escape(bytes: [0xFF]) != DisplayText.escape(bytes: [0xFE]))
        #expect(DisplayText.escape(bytes: [0xEF, 0xBF, 0xBD]) == "\u{FFFD}")  // a real U+FFFD stays itself
        let finding = Finding(Rules.strayFile, pathBytes: Array("/s/".utf8) + [0x80, 0x1B], "x")
        #expect(finding.displayPath == "/s/\\x80\\x1B")
    }

    /// The escaping is reversible: a C1 control (U+0085, bytes C2 85) and the lone byte 85 print
    /// differently, and every byte string, UTF-8 or not, comes back from its printed form exactly.
    @Test func everyByteStringIsPrintedReversibly() {
        #expect(DisplayText.escape(bytes: [0xC2, 0x85]) == "\\u{85}" && DisplayText.escape(bytes: [0x85]) == "\\x85")
        // Every sequence of up to three pieces that could confuse an unescaper: backslash, `x`, `{`,
        // controls, C1, lone and truncated bytes, an invisible, a surrogate, and text like an escape.
        let alphabet: [[UInt8]] = [[0x5C], [0x78], [0x7B], [0x1B], [0x00], [0x7F], [0x80], [0x85], [0xC2, 0x85], [0xC3], [0xFF],
                                   [0xE2, 0x80, 0x8B], [0xED, 0xA0, 0x80], Array("é".utf8), Array("a".utf8), Array("u{41}".utf8)]
        var cases: [[UInt8]] = [[]]
        for _ in 0..<3 { cases += cases.filter { $0.count < 12 }.flatMap { prefix in alphabet.map { prefix + $0 } } }
        for bytes in Set(cases) {
            let shown = DisplayText.escape(bytes: bytes)
            #expect(displayTextBytes(shown) == bytes, "\(bytes) shown as \(shown)")
            #expect(shown.unicodeScalars.allSatisfy { !DisplayText.needsEscape($0) || $0 == "\\" })
        }
    }

    /// A message about a path that is not UTF-8: the text escaped, the path's bytes inserted escaped.
    @Test func aMessageTemplateTakesThePathsBytes() {
        let path: [UInt8] = Array("/h".utf8) + [0xFF, 0x5C]
        #expect(DisplayText.escape("cannot open \0: no\u{1B}", insertingAtNUL: path) == "cannot open /h\\xFF\\\\: no\\x1B")
        #expect(displayTextBytes(DisplayText.escape("\0", insertingAtNUL: path)) == path)
    }
}
