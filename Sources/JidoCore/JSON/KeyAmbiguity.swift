/// Keys that JidoCode keeps apart but other parsers merge: a parser differential like a duplicated
/// key (one file, two readings), for keys that are different bytes.
///
/// JidoCode (Erlang) compares keys as binaries, as `JSONValue` does. Swift's and Foundation's
/// dictionaries compare keys by Unicode canonical equivalence (`"é"` U+00E9 equals `"e\u{301}"`),
/// and Foundation drops a U+FEFF at the start of a string: two such keys are one key there, and
/// which value wins is up to that parser. Only keys with non-ASCII bytes can be ambiguous.
package enum KeyAmbiguity {
    /// The JSON Pointers of the keys that another parser would merge with an earlier key of the
    /// same object, in document order (the first `JSONPointer.maxReportedKeys`; see `report`).
    package static func ambiguousKeys(in value: JSONValue) -> [String] { report(in: value).pointers }

    /// Every such key, counted, the first ones named. Iterative; time and memory linear in the size
    /// of `value`: the walk keeps one node per container (its parent and its token, no pointer
    /// string), and a pointer is built, bounded, only for a key that is listed.
    package static func report(in value: JSONValue) -> ReportedKeys {
        var found = ReportedKeys()
        // Containers seen so far: the parent's index and the token that leads here.
        var nodes: [(parent: Int, token: String)] = [(-1, "")]
        var pending: [(value: JSONValue, node: Int)] = [(value, 0)]
        func tokens(of node: Int, then last: String) -> [String] {
            var path = [last]
            var index = node
            while index > 0 {
                path.append(nodes[index].token)
                index = nodes[index].parent
            }
            return path.reversed()
        }
        while let (value, node) = pending.popLast() {
            switch value {
            case let .array(elements):
                for (i, element) in elements.enumerated().reversed() where element.isContainer {
                    nodes.append((node, String(i)))
                    pending.append((element, nodes.count - 1))
                }
            case let .object(object):
                if object.count > 1, object.members.contains(where: { !$0.key.utf8.allSatisfy { $0 < 0x80 } }) {
                    var seen = Set<String>(minimumCapacity: object.count)
                    for member in object.members where !seen.insert(mergedForm(member.key)).inserted {
                        found.add { JSONPointer.reported(tokens(of: node, then: member.key)) }
                    }
                }
                for member in object.members.reversed() where member.value.isContainer {
                    nodes.append((node, member.key))
                    pending.append((member.value, nodes.count - 1))
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
