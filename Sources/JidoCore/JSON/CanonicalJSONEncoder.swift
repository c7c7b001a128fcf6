import Glibc

/// Why a value was not canonically encoded.
package enum CanonicalEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A float that is infinite or NaN; JSON (and JidoCode) cannot represent it.
    case nonFiniteFloat
    /// The encoding would exceed the output limit (pretty printing grows with nesting depth: a
    /// 10 MiB document 512 levels deep can need gigabytes).
    case outputTooLarge(limit: Int)
    /// The sink given to `stream` stopped the encoding.
    case stopped

    package var description: String {
        switch self {
        case .nonFiniteFloat: return "a float that is infinite or NaN has no JSON form"
        case let .outputTooLarge(limit): return "the canonical encoding would exceed \(limit) bytes"
        case .stopped: return "the canonical encoding was stopped by its consumer"
        }
    }
}

/// The canonical encoding JidoCode signs: Jason's `encode!(value, pretty: true)` byte for byte.
///
/// Object members in the order Jason writes them on the BEAM release family `order`: ascending by
/// the keys' UTF-8 bytes for objects of at most 32 members, the family's hash order for larger ones
/// (`maps:to_list` of a large map; see `BeamMapOrder`); each object (after the top-level omission)
/// is classified by its own member count. Two-space indent; `": "` after keys; `,` + newline
/// between members; `{}`/`[]` when empty; no trailing newline. Strings escape only `"`, `\`,
/// `\b \f \n \r \t` and other bytes below 0x20 (as `\u00XX`, upper-case hex); floats in Erlang's
/// short layout; integers as their digits. Iterative, so any nesting depth is safe.
package enum CanonicalJSON {
    /// The largest encoding `encode` returns (256 MiB); `stream` has no limit and bounded memory.
    package static let defaultMaxOutputBytes = 256 << 20

    /// `order`: the BEAM release family whose large-object order to write (JidoCode's by default).
    package static func encode(_ value: JSONValue, order: BeamOrder = .jidoCodeDefault,
                              maxOutputBytes: Int = defaultMaxOutputBytes) throws(CanonicalEncodingError) -> [UInt8] {
        try collect(value, omitting: nil, order: order, maxOutputBytes: maxOutputBytes)
    }

    /// The bytes JidoCode signs: `value` without its top-level member `key` (if it is an object).
    /// The member is removed before the others are ordered: an object of 33 members one of which is
    /// `key` is written as the 32-member object it becomes, in byte order (the BEAM flattens it).
    package static func encode(_ value: JSONValue, omittingTopLevelKey key: String, order: BeamOrder = .jidoCodeDefault,
                              maxOutputBytes: Int = defaultMaxOutputBytes) throws(CanonicalEncodingError) -> [UInt8] {
        try collect(value, omitting: key, order: order, maxOutputBytes: maxOutputBytes)
    }

    /// Encodes in chunks of at most `chunkSize` bytes handed to `sink` in order; memory stays
    /// bounded by the chunk size and the nesting depth whatever the output size. `sink` returns
    /// false to stop early (`CanonicalEncodingError.stopped`).
    package static func stream(_ value: JSONValue, omittingTopLevelKey key: String? = nil, order: BeamOrder = .jidoCodeDefault,
                              chunkSize: Int = 1 << 16, into sink: (UnsafeRawBufferPointer) -> Bool) throws(CanonicalEncodingError) {
        var out: [UInt8] = []
        out.reserveCapacity(chunkSize + 4096)
        try encode(value, omittingTopLevelKey: key, order: order, into: &out) { (chunk) throws(CanonicalEncodingError) in
            guard chunk.count >= chunkSize else { return }
            let keepGoing = chunk.withUnsafeBytes { sink($0) }
            chunk.removeAll(keepingCapacity: true)
            if !keepGoing { throw .stopped }
        }
        let keepGoing = out.withUnsafeBytes { sink($0) }
        if !keepGoing { throw .stopped }
    }

    /// The encoding of an object and, for each of its members in the order written, the offset where
    /// the member's line starts (its indentation).
    ///
    /// With a `cache`, the elements of the top-level array member `cache.memberKey` that equal the
    /// ones of the previous encoding are copied from it instead of being encoded again (only when
    /// that encoding used the same `order`), and the cache is updated to this encoding. The output
    /// is the same bytes either way. The encoding goes to `out` (its contents are replaced; its
    /// capacity is reused).
    static func encodeRecordingMembers(_ object: JSONObject, order: BeamOrder = .jidoCodeDefault, cache: inout CanonicalElementCache?,
                                       into out: inout [UInt8],
                                       maxOutputBytes: Int = defaultMaxOutputBytes) throws(CanonicalEncodingError) -> [Int] {
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(max(1 << 16, (cache?.encodedBytes ?? 0) + (1 << 12)))
        cache?.lastElementEnd = nil
        var offsets: [Int] = []
        try encode(.object(object), omittingTopLevelKey: nil, order: order, into: &out, memberOffsets: &offsets, cache: &cache) { (chunk) throws(CanonicalEncodingError) in
            if chunk.count > maxOutputBytes { throw .outputTooLarge(limit: maxOutputBytes) }
        }
        if out.count > maxOutputBytes { throw .outputTooLarge(limit: maxOutputBytes) }
        return offsets
    }

    private static func collect(_ value: JSONValue, omitting key: String?, order: BeamOrder,
                                maxOutputBytes: Int) throws(CanonicalEncodingError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1 << 16)
        try encode(value, omittingTopLevelKey: key, order: order, into: &out) { (chunk) throws(CanonicalEncodingError) in
            if chunk.count > maxOutputBytes { throw .outputTooLarge(limit: maxOutputBytes) }
        }
        if out.count > maxOutputBytes { throw .outputTooLarge(limit: maxOutputBytes) }
        return out
    }

    private enum Frame {
        case array([JSONValue], next: Int)
        case object([JSONMember], next: Int)
    }

    /// The encoder proper; `checkpoint` runs after every value and line, and may drain `out`.
    private static func encode(_ root: JSONValue, omittingTopLevelKey omitted: String?, order: BeamOrder, into out: inout [UInt8],
                               checkpoint: (inout [UInt8]) throws(CanonicalEncodingError) -> Void) throws(CanonicalEncodingError) {
        var unused: [Int] = []
        var noCache: CanonicalElementCache?
        try encode(root, omittingTopLevelKey: omitted, order: order, into: &out, memberOffsets: &unused, recordMembers: false,
                   cache: &noCache, checkpoint: checkpoint)
    }

    /// `baseDepth`: the nesting depth `root` sits at (its members are indented one level deeper).
    private static func encode(_ root: JSONValue, omittingTopLevelKey omitted: String?, order: BeamOrder, into out: inout [UInt8],
                               memberOffsets: inout [Int], recordMembers: Bool = true, baseDepth: Int = 0,
                               cache: inout CanonicalElementCache?,
                               checkpoint: (inout [UInt8]) throws(CanonicalEncodingError) -> Void) throws(CanonicalEncodingError) {
        var stack: [Frame] = []
        var pending: JSONValue? = root
        while true {
            try checkpoint(&out)
            if let value = pending {
                pending = nil
                switch value {
                case .null: out += "null".utf8
                case let .bool(b): out += (b ? "true" : "false").utf8
                case let .integer(i):
                    if i.isNegative { out.append(ASCII.minus) }
                    out += i.magnitude.utf8
                case let .float(d):
                    guard let text = ErlangFloat.format(d) else { throw .nonFiniteFloat }
                    out += text.utf8
                case let .string(s): appendString(s, to: &out)
                case let .array(elements):
                    if elements.isEmpty { out += "[]".utf8 } else if baseDepth == 0, stack.count == 1, cache != nil,
                                                                     case let .object(members, next)? = stack.last,
                                                                     members[next - 1].key.hasSameUTF8(as: cache?.memberKey ?? "") {
                        try encodeTopLevelArray(elements, order: order, into: &out, cache: &cache, checkpoint: checkpoint)
                    } else {
                        out += "[\n".utf8
                        stack.append(.array(elements, next: 0))
                    }
                case let .object(object):
                    var members = object.members
                    // Removed before ordering: the order is that of the members that remain.
                    if stack.isEmpty, let omitted {
                        members.removeAll { $0.key.utf8.elementsEqual(omitted.utf8) }
                    }
                    if members.isEmpty { out += "{}".utf8 } else {
                        BeamMapOrder.sort(&members, order: order)
                        out += "{\n".utf8
                        stack.append(.object(members, next: 0))
                    }
                }
            }
            guard let top = stack.popLast() else { return }
            let depth = baseDepth + stack.count + 1
            switch top {
            case let .array(elements, next):
                if next < elements.count {
                    if next > 0 { out += ",\n".utf8 }
                    indent(depth, &out)
                    stack.append(.array(elements, next: next + 1))
                    pending = elements[next]
                } else {
                    out.append(ASCII.newline)
                    indent(depth - 1, &out)
                    out.append(ASCII.closeBracket)
                }
            case let .object(members, next):
                if next < members.count {
                    if next > 0 { out += ",\n".utf8 }
                    if recordMembers && depth == 1 { memberOffsets.append(out.count) }
                    indent(depth, &out)
                    appendString(members[next].key, to: &out)
                    out += ": ".utf8
                    stack.append(.object(members, next: next + 1))
                    pending = members[next].value
                } else {
                    out.append(ASCII.newline)
                    indent(depth - 1, &out)
                    out.append(ASCII.closeBrace)
                }
            }
        }
    }

    /// The elements of a top-level array member (depth 2), each copied from `cache` when it equals
    /// the cached element at the same index, else encoded; `cache` then holds these elements.
    /// Cached encodings are reused only if they were made with the same `order`.
    private static func encodeTopLevelArray(_ elements: [JSONValue], order: BeamOrder, into out: inout [UInt8],
                                            cache: inout CanonicalElementCache?,
                                            checkpoint: (inout [UInt8]) throws(CanonicalEncodingError) -> Void) throws(CanonicalEncodingError) {
        guard var current = cache.take() else { return }
        let reusable = current.order == order ? current.elements.count : 0
        var complete = true
        // Edited in place (moved out of the cache, so uniquely referenced): an append touches the
        // new elements' slots only, not every element's buffer.
        var encodings = current.takeEncodings()
        out += "[\n".utf8
        // The unchanged elements before the first change (after an append: all but the new ones),
        // compared and copied through buffer pointers: no reference count is touched per element.
        var unchanged = 0
        elements.withUnsafeBufferPointer { new in
            current.elements.withUnsafeBufferPointer { old in
                while unchanged < min(reusable, new.count), old[unchanged] == new[unchanged] { unchanged += 1 }
            }
        }
        try encodings.withUnsafeBufferPointer { (cached) throws(CanonicalEncodingError) in
            for i in 0..<unchanged {
                out.append(contentsOf: i > 0 ? Self.nextElementAtDepth2 : Self.indentAtDepth2)
                cached[i].withUnsafeBufferPointer { out.append(contentsOf: $0) }
                try checkpoint(&out)
            }
        }
        for i in unchanged..<elements.count {
            let element = elements[i]
            out.append(contentsOf: i > 0 ? Self.nextElementAtDepth2 : Self.indentAtDepth2)
            if i < reusable, current.elements[i] == element {
                out += encodings[i]
                try checkpoint(&out)
            } else {
                // Encoded in place; only a non-draining checkpoint is ever paired with a cache
                // (`encodeRecordingMembers`), so the element's bytes are still in `out` afterwards.
                let start = out.count
                var unused: [Int] = []
                var noCache: CanonicalElementCache?
                try encode(element, omittingTopLevelKey: nil, order: order, into: &out, memberOffsets: &unused, recordMembers: false,
                           baseDepth: 2, cache: &noCache, checkpoint: checkpoint)
                if out.count >= start {
                    let bytes = Array(out[start...])
                    if i < encodings.count { encodings[i] = bytes } else { encodings.append(bytes) }
                } else {
                    complete = false
                }
            }
        }
        if encodings.count > elements.count { encodings.removeLast(encodings.count - elements.count) }
        let lastElementEnd = out.count
        out += "\n  ]".utf8
        // A cache that missed an element's bytes is dropped, never kept with a hole.
        guard complete else { return }
        current.replace(elements: elements, encodings: encodings, lastElementEnd: lastElementEnd, order: order)
        cache = current
    }

    /// Byte-wise (UTF-8) order of object keys, the order JidoCode sorts them in.
    @inline(__always)
    static func keyPrecedes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let common = min(x.count, y.count)
                if common > 0, let xb = x.baseAddress, let yb = y.baseAddress {
                    let order = memcmp(xb, yb, common)
                    if order != 0 { return order < 0 }
                }
                return x.count < y.count
            }
        }
    }

    /// What precedes an element of a top-level array member: its indentation, after a `,` and a
    /// newline for all but the first.
    private static let indentAtDepth2: [UInt8] = Array("    ".utf8)
    private static let nextElementAtDepth2: [UInt8] = Array(",\n    ".utf8)

    @inline(__always)
    private static func indent(_ depth: Int, _ out: inout [UInt8]) {
        out.append(contentsOf: repeatElement(ASCII.space, count: 2 * depth))
    }

    /// Whether `b` must be escaped inside a canonical string.
    @inline(__always)
    static func needsEscape(_ b: UInt8) -> Bool { b < 0x20 || b == ASCII.quote || b == ASCII.backslash }

    static func appendString(_ string: String, to out: inout [UInt8]) {
        out.append(ASCII.quote)
        var s = string
        s.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            var runStart = 0
            var i = 0
            while i < bytes.count {
                // Skip eight bytes at a time while none needs an escape.
                if i + 8 <= bytes.count {
                    let mask = SWAR.escapeMask(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                    if mask == 0 {
                        i += 8
                        continue
                    }
                    i += mask.trailingZeroBitCount >> 3
                } else if !needsEscape(bytes[i]) {
                    i += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                appendEscape(bytes[i], to: &out)
                i += 1
                runStart = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        out.append(ASCII.quote)
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func appendEscape(_ b: UInt8, to out: inout [UInt8]) {
        out.append(ASCII.backslash)
        switch b {
        case ASCII.quote, ASCII.backslash: out.append(b)
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(UInt8(ascii: "f"))
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        default:
            out += "u00".utf8
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 0x0F)])
        }
    }
}

extension Array {
    /// True when every adjacent pair is in order (O(n), no allocation).
    func isSorted(by areInIncreasingOrder: (Element, Element) -> Bool) -> Bool {
        var previous: Element?
        for element in self {
            if let previous, areInIncreasingOrder(element, previous) { return false }
            previous = element
        }
        return true
    }
}
