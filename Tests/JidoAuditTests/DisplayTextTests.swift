import Testing
@testable import JidoAudit

/// The one escaping of every printed name, key, path and message.
@Suite struct DisplayTextTests {
    @Test(arguments: [
        ("plain name.json", "plain name.json"),
        ("Ünïcödé ✓ 日本 🎉", "Ünïcödé ✓ 日本 🎉"),
        ("a\\x1Bb", "a\\\\x1Bb"),                       // a literal backslash-x is not an escape
        ("clear\u{1B}[2J", "clear\\x1B[2J"),
        ("tab\tnl\ndel\u{7F}c1\u{85}", "tab\\x09nl\\x0Adel\\x7Fc1\\x85"),
        ("zw\u{200B}j\u{200D}bom\u{FEFF}", "zw\\u{200B}j\\u{200D}bom\\u{FEFF}"),
        ("bidi\u{202E}txt.json\u{2066}", "bidi\\u{202E}txt.json\\u{2066}"),
        ("line\u{2028}para\u{2029}", "line\\u{2028}para\\u{2029}"),
    ])
    func escapesControlsInvisiblesAndBackslashes(_ input: String, _ expected: String) {
        #expect(DisplayText.escape(input) == expected)
        #expect(DisplayText.escape(bytes: Array(input.utf8)) == expected)
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
}
