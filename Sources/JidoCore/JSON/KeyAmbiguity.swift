/// Keys that JidoCode keeps apart but other parsers merge: a parser differential like a duplicated
/// key (one file, two readings), for keys that are different bytes.
///
/// JidoCode (Erlang) compares keys as binaries, as `JSONValue` does. Swift's and Foundation's
/// dictionaries compare keys by Unicode canonical equivalence (`"é"` U+00E9 equals `"e\u{301}"`),
/// and Foundation drops a U+FEFF at the start of a string: two such keys are one key there, and
/// which value wins is up to that parser. Only keys with non-ASCII bytes can be ambiguous.
public enum KeyAmbiguity {
    /// The JSON Pointers of every key that another parser would merge with an earlier key of the
    /// same object, in document order. Iterative, linear in the size of `value`.
    public static func ambiguousKeys(in value: JSONValue) -> [String] {
        var found: [String] = []
        var pending: [(value: JSONValue, pointer: String)] = [(value, "")]
        while let (value, pointer) = pending.popLast() {
            switch value {
            case let .array(elements):
                for (i, element) in elements.enumerated().reversed() where element.isContainer {
                    pending.append((element, pointer + "/" + String(i)))
                }
            case let .object(object):
                if object.count > 1, object.members.contains(where: { !$0.key.utf8.allSatisfy { $0 < 0x80 } }) {
                    var seen = Set<String>(minimumCapacity: object.count)
                    for member in object.members where !seen.insert(mergedForm(member.key)).inserted {
                        found.append(pointer + "/" + JSONParser.pointerEscape(member.key))
                    }
                }
                for member in object.members.reversed() where member.value.isContainer {
                    pending.append((member.value, pointer + "/" + JSONParser.pointerEscape(member.key)))
                }
            default:
                break
            }
        }
        return found
    }

    /// The key as such parsers see it: without U+FEFF, compared and hashed by `String` (canonical
    /// equivalence).
    static func mergedForm(_ key: String) -> String {
        key.unicodeScalars.contains("\u{FEFF}") ? String(String.UnicodeScalarView(key.unicodeScalars.filter { $0 != "\u{FEFF}" })) : key
    }
}

extension JSONValue {
    var isContainer: Bool {
        switch self {
        case .array, .object: true
        default: false
        }
    }
}
