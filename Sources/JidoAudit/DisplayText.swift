/// The one way every name, key, path and message is printed, in every output (text, `verify`,
/// JSON, SARIF): printable and unambiguous, so a hostile file name or key can neither drive the
/// terminal (clear the screen, forge a `valid` line) nor look like another name.
///
/// - `\` becomes `\\`, so every other backslash sequence below is an escape, never the name's own;
/// - C0 controls and DEL become `\xHH` (two upper-case hex digits, `00`-`1F`, `7F`);
/// - C1 controls (U+0080-U+009F) and every character that is invisible or reorders text become
///   `\u{XXXX}` (upper-case hex, no leading zeros): every format character (general category Cf:
///   zero-width and joiners U+200B-U+200F, U+2060-U+2064, U+FEFF, U+180E, U+00AD; bidirectional
///   controls U+061C, U+202A-U+202E, U+2066-U+2069; the tag characters U+E0001, U+E0020-U+E007F),
///   every default-ignorable code point (Unicode's own list of what renders as nothing: U+2065,
///   U+E0000-U+E0FFF, variation selectors, U+034F, Hangul fillers, assigned or not), and the line and
///   paragraph separators (U+2028, U+2029), per the toolchain's Unicode data;
/// - bytes that are not well-formed UTF-8 (a file name can be any bytes) become `\xHH` each (`80`-`FF`:
///   such a byte is never a character of its own), so such a name is shown reversibly instead of as U+FFFD.
/// Everything else is printed as is. The output is reversible: `\\` is a backslash, `\xHH` the byte
/// HH, `\u{X}` the UTF-8 encoding of U+X, any other character its own UTF-8; so two names that differ
/// in a byte are never printed alike.
public enum DisplayText {
    public static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        for scalar in text.unicodeScalars { append(scalar, to: &out) }
        return out
    }

    /// The same for bytes that may not be UTF-8: each byte of an ill-formed sequence is `\xHH`.
    public static func escape(bytes: some Collection<UInt8>) -> String {
        var out = ""
        decode(bytes, scalar: { append($0, to: &out) }, invalid: { out += "\\x" + hex2($0) })
        return out
    }

    /// Walks `bytes` as UTF-8: each well-formed scalar to `scalar`, each byte of an ill-formed
    /// sequence to `invalid`.
    static func decode(_ bytes: some Collection<UInt8>, scalar: (Unicode.Scalar) -> Void, invalid: (UInt8) -> Void) {
        let buffer = Array(bytes)
        var index = 0
        while index < buffer.count {
            var decoder = UTF8()
            var rest = buffer[index...].makeIterator()
            if case let .scalarValue(value) = decoder.decode(&rest) {
                scalar(value)
                index += UTF8.width(value)
            } else {
                invalid(buffer[index])
                index += 1
            }
        }
    }

    /// `template` escaped, with each NUL in it replaced by `path` escaped: a message about a path that
    /// need not be UTF-8 is built as text with a NUL where the path goes (a path never holds a NUL).
    public static func escape(_ template: String, insertingAtNUL path: some Collection<UInt8>) -> String {
        template.split(separator: "\0", omittingEmptySubsequences: false).map { escape(String($0)) }.joined(separator: escape(bytes: path))
    }

    private static func append(_ scalar: Unicode.Scalar, to out: inout String) {
        if scalar == "\\" {
            out += "\\\\"
        } else if !needsEscape(scalar) {
            out.unicodeScalars.append(scalar)
        } else if scalar.value < 0x80 {
            out += "\\x" + hex2(UInt8(scalar.value))
        } else {
            out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        }
    }

    private static func hex2(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(b >> 4)], digits[Int(b & 0x0F)]])
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\\" }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return properties.isDefaultIgnorableCodePoint
        }
    }
}
